"""The mixed workload of `make bench`, run by locust (headless) through the gateway.

Three kinds of client share the shop, in the proportions `bench/mix.py` sets:
- visitors (anonymous): product lists, searches, product pages and reviews, categories;
- shoppers (signed in, so every read passes the gateway's cache): product pages, the cart,
  checkouts, their orders, and the product-view events a front end sends;
- couriers: pending parcels, pick-ups (racing each other), out for delivery, delivered.

Product popularity follows a Zipf law (a few products get most views, as in a real shop).
Everything this file needs comes from the JSON plan named by SOUK_BENCH_PLAN.
"""

import bisect
import itertools
import json
import os
import random
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, constant_throughput, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["SOUK_BENCH_PLAN"]).read_text())


class Popularity:
    """Draws items by rank with weight 1/rank^s: rank 1 is the most popular."""

    def __init__(self, items: list[Any], exponent: float = 1.0) -> None:
        self.items = items
        weights = (1 / rank**exponent for rank in range(1, len(items) + 1))
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random) -> Any:
        point = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_left(self.cumulative, point)]


PRODUCTS = Popularity([item["id"] for item in PLAN["products"]])
SELLER_OF = {item["id"]: item["seller"] for item in PLAN["products"]}
QUERIES = Popularity(PLAN["queries"])
CATEGORIES = PLAN["categories"]
SHOPPER_TOKENS = iter(PLAN["shopper_tokens"])
COURIER_TOKENS = iter(PLAN["courier_tokens"])
CART_LINES = 4  # a shopper with this many lines checks out instead of adding more


def catalogue_page(rng: random.Random) -> str:
    """What a browsing client asks for: mostly the first pages, sometimes a category or a sort."""
    page = min(int(rng.expovariate(0.7)) + 1, 20)
    path = f"/api/products?page={page}"
    if rng.random() < 0.5:
        path += f"&category={rng.choice(CATEGORIES)}"
    if rng.random() < 0.3:
        path += "&sort=" + rng.choice(["price", "-price", "rating", "popular"])
    return path


class Visitor(FastHttpUser):
    fixed_count = PLAN["load"]["visitors"]["users"]
    wait_time = constant_throughput(PLAN["load"]["visitors"]["pace"])

    def on_start(self) -> None:
        self.rng = random.Random()

    @task(30)
    def product_list(self) -> None:
        self.client.get(catalogue_page(self.rng), name="visitor: product list")

    @task(40)
    def product(self) -> None:
        self.client.get(f"/api/products/{PRODUCTS.draw(self.rng)}", name="visitor: product")

    @task(15)
    def search(self) -> None:
        self.client.get(f"/api/products?q={QUERIES.draw(self.rng)}", name="visitor: search")

    @task(8)
    def reviews(self) -> None:
        product = PRODUCTS.draw(self.rng)
        self.client.get(f"/api/products/{product}/reviews", name="visitor: reviews")

    @task(7)
    def categories(self) -> None:
        self.client.get("/api/products/categories", name="visitor: categories")


class Shopper(FastHttpUser):
    fixed_count = PLAN["load"]["shoppers"]["users"]
    wait_time = constant_throughput(PLAN["load"]["shoppers"]["pace"])

    def on_start(self) -> None:
        self.rng = random.Random()
        self.auth = {"Authorization": f"Bearer {next(SHOPPER_TOKENS)}"}
        # Each shopper buys from at most three shops, as the cart allows.
        self.shops = set(self.rng.sample(range(PLAN["sellers"]), min(3, PLAN["sellers"])))
        self.cart_lines = 0
        self.last_order: str | None = None

    def _product_from_my_shops(self) -> str:
        while True:
            product = PRODUCTS.draw(self.rng)
            if SELLER_OF[product] in self.shops:
                return product

    @task(30)
    def product(self) -> None:
        product = PRODUCTS.draw(self.rng)
        self.client.get(f"/api/products/{product}", headers=self.auth, name="shopper: product")

    @task(10)
    def product_list(self) -> None:
        path = catalogue_page(self.rng)
        self.client.get(path, headers=self.auth, name="shopper: product list")

    @task(10)
    def view_event(self) -> None:
        self.client.post(
            "/api/activity/events",
            json={"type": "product_view", "product_id": PRODUCTS.draw(self.rng)},
            headers=self.auth,
            name="shopper: view event",
        )

    @task(12)
    def add_to_cart(self) -> None:
        if self.cart_lines >= CART_LINES:
            self.checkout()
            return
        answer = self.client.post(
            "/api/cart",
            json={"product_id": self._product_from_my_shops(), "quantity": 1},
            headers=self.auth,
            name="shopper: add to cart",
        )
        if answer.status_code == 201:
            self.cart_lines += 1

    @task(12)
    def cart(self) -> None:
        self.client.get("/api/cart", headers=self.auth, name="shopper: cart")

    @task(3)
    def checkout(self) -> None:
        if self.cart_lines == 0:
            self.add_to_cart()
            return
        answer = self.client.post(
            "/api/orders",
            json={"payment": {"token": "tok_bench"}},
            headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex},
            name="shopper: checkout",
        )
        if answer.status_code == 201:
            self.cart_lines = 0
            self.last_order = answer.json()["order_id"]

    @task(4)
    def orders(self) -> None:
        self.client.get("/api/orders", headers=self.auth, name="shopper: orders")

    @task(4)
    def order(self) -> None:
        if self.last_order is None:
            self.orders()
            return
        self.client.get(f"/api/orders/{self.last_order}", headers=self.auth, name="shopper: order")


class Courier(FastHttpUser):
    fixed_count = PLAN["load"]["couriers"]["users"]
    wait_time = constant_throughput(PLAN["load"]["couriers"]["pace"])
    NEXT_STEP = {"picked_up": "out-for-delivery", "out_for_delivery": "deliver"}

    def on_start(self) -> None:
        self.rng = random.Random()
        self.auth = {"Authorization": f"Bearer {next(COURIER_TOKENS)}"}
        self.carrying: dict[str, str] = {}  # shipment id → its status
        self.pending: list[str] = []

    @task
    def next_step(self) -> None:
        if self.carrying:
            shipment, status = next(iter(self.carrying.items()))
            step = self.NEXT_STEP[status]
            answer = self.client.post(
                f"/api/shipping/shipments/{shipment}/{step}",
                headers=self.auth,
                name=f"courier: {step}",
            )
            if answer.status_code == 200:
                if step == "deliver":
                    del self.carrying[shipment]
                else:
                    self.carrying[shipment] = "out_for_delivery"
        elif self.pending:
            self._pick_up(self.pending.pop(self.rng.randrange(len(self.pending))))
        else:
            answer = self.client.get(
                "/api/shipping/shipments?status=pending&per_page=20",
                headers=self.auth,
                name="courier: pending parcels",
            )
            if answer.status_code == 200:
                self.pending = [item["id"] for item in answer.json()["items"]]

    def _pick_up(self, shipment: str) -> None:
        with self.client.post(
            f"/api/shipping/shipments/{shipment}/pickup",
            headers=self.auth,
            name="courier: pickup",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                self.carrying[shipment] = "picked_up"
            elif answer.status_code == 409 and answer.json()["code"] == "already_picked_up":
                answer.success()  # another courier was first: the race the service settles


class NginxAlone(FastHttpUser):
    """The load generator's own ceiling: as fast as it can, at nginx answering by itself."""

    wait_time = constant(0)

    @task
    def nginx(self) -> None:
        self.client.get("/nginx", name="nginx alone")
