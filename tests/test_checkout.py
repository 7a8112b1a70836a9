"""Checkout through the gateway: a buyer's whole journey from browsing to a refund, a declined
card, an empty cart, a seller's orders and figures, and 200 buyers racing for 50 units."""

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import (
    GatewaySession,
    Stack,
    new_customer,
    new_product,
    new_staff,
    wait_until,
)

pytestmark = pytest.mark.e2e

ADDRESS = {
    "name": "Omar Buyer",
    "line1": "3 Copper Street",
    "city": "Cairo",
    "country": "EG",
    "zone": "north",
}


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[GatewaySession]:
    with GatewaySession(stack.url, timeout=60) as gateway:
        yield gateway


def add_to_cart(
    gateway: GatewaySession, buyer: dict[str, str], product_id: str, quantity: int = 1
) -> None:
    added = gateway.post(
        "/api/cart", json={"product_id": product_id, "quantity": quantity}, headers=buyer
    )
    assert added.status_code == 201, added.text


def stock_of(gateway: GatewaySession, seller: dict[str, str], product_id: str) -> dict[str, Any]:
    answer = gateway.get(f"/api/inventory/{product_id}", headers=seller)
    assert answer.status_code == 200, answer.text
    return answer.json()


def eventually(check: Callable[[], bool], what: str) -> None:
    wait_until(check, 20, what)


def test_a_buyer_browses_buys_from_two_shops_cancels_and_sees_the_refund(gateway, admin):
    potter, _ = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    weaver, _ = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    pot = new_product(gateway, potter, price="30.00", stock=10)
    rug = new_product(gateway, weaver, price="45.50", stock=5)
    offer = gateway.post(f"/api/products/{pot}/offers", json={"percent_off": 10}, headers=potter)
    assert offer.status_code == 201, offer.text
    buyer = new_customer(gateway)

    # Browse: the catalogue shows the offer price checkout will charge.
    shown = gateway.get(f"/api/products/{pot}").json()
    assert (shown["price"], shown["effective_price"]) == ("30.00", "27.00")
    assert gateway.get("/api/products", params={"q": "Copper"}).status_code == 200

    add_to_cart(gateway, buyer, pot, 2)
    add_to_cart(gateway, buyer, rug, 1)
    quote = gateway.post(
        "/api/shipping/quote",
        json={
            "items": [{"product_id": pot, "quantity": 2}, {"product_id": rug, "quantity": 1}],
            "zone": "north",
            "method": "standard",
        },
    )
    assert quote.status_code == 200, quote.text

    body = {
        "shipping_address": ADDRESS,
        "shipping_method": "standard",
        "payment": {"token": "tok_visa"},
        "total": "0.01",  # ignored: prices come from the catalogue
    }
    key = {"Idempotency-Key": f"journey-{uuid.uuid4()}"}
    placed = gateway.post("/api/orders", json=body, headers={**buyer, **key})

    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["status"] == "paid"
    assert order["message"] == "Order created and payment processed"
    assert order["subtotal"] == "105.50"  # 2 x 30.00 + 45.50
    assert order["discount"] == "6.00"
    assert order["shipping_cost"] == quote.json()["cost"]
    expected_total = Decimal("99.50") + Decimal(quote.json()["cost"])
    assert order["total"] == str(expected_total)
    assert {(x["product_id"], x["unit_price"], x["quantity"]) for x in order["items"]} == {
        (pot, "27.00", 2),
        (rug, "45.50", 1),
    }
    order_id = order["order_id"]

    again = gateway.post("/api/orders", json=body, headers={**buyer, **key})
    assert again.status_code == 201
    assert again.json() == order

    # The cart empties (outbox), stock is bought, and the order shows in the history.
    eventually(lambda: gateway.get("/api/cart", headers=buyer).json()["items"] == [], "empty cart")
    assert stock_of(gateway, potter, pot)["available"] == 8
    history = gateway.get("/api/orders", headers=buyer).json()
    assert [o["order_id"] for o in history["items"]] == [order_id]
    eventually(
        lambda: (
            gateway.get(f"/api/orders/{order_id}", headers=buyer).json()["shipment"] is not None
        ),
        "the order's shipment",
    )
    detail = gateway.get(f"/api/orders/{order_id}", headers=buyer).json()
    assert detail["payment"]["status"] == "succeeded"
    assert detail["payment"]["amount"] == order["total"]
    assert detail["shipment"]["status"] == "pending"
    assert [h["status"] for h in detail["history"]] == ["pending", "paid"]

    # Another customer cannot see or cancel it.
    stranger = new_customer(gateway)
    assert gateway.get(f"/api/orders/{order_id}", headers=stranger).status_code == 404
    assert gateway.post(f"/api/orders/{order_id}/cancel", headers=stranger).status_code == 404

    cancelled = gateway.post(f"/api/orders/{order_id}/cancel", headers=buyer)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["message"] == "Order canceled and refunded"
    detail = gateway.get(f"/api/orders/{order_id}", headers=buyer).json()
    assert detail["status"] == "cancelled"
    assert detail["payment"]["status"] == "refunded"
    assert detail["payment"]["refunded_amount"] == order["total"]
    assert detail["payment"]["refunds"][0]["refund_id"]
    assert detail["shipment"]["status"] == "cancelled"
    assert stock_of(gateway, potter, pot)["available"] == 10
    assert stock_of(gateway, weaver, rug)["available"] == 5
    movements = gateway.get(f"/api/inventory/{pot}/movements", headers=potter).json()
    kinds = [m["change_type"] for m in movements["items"]]
    assert "purchase" in kinds and "return" in kinds
    again = gateway.post(f"/api/orders/{order_id}/cancel", headers=buyer)
    assert again.status_code == 409


def test_a_declined_card_is_refused_and_keeps_the_cart_and_the_stock(gateway, admin):
    seller, _ = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    pot = new_product(gateway, seller, price="12.00", stock=4)
    buyer = new_customer(gateway)
    add_to_cart(gateway, buyer, pot, 3)

    declined = gateway.post(
        "/api/orders", json={"payment": {"token": "tok_declined"}}, headers=buyer
    )

    assert declined.status_code == 402, declined.text
    assert declined.json()["code"] == "payment_declined"
    assert stock_of(gateway, seller, pot)["available"] == 4
    assert [x["quantity"] for x in gateway.get("/api/cart", headers=buyer).json()["items"]] == [3]
    failed = gateway.get("/api/orders", params={"status": "failed"}, headers=buyer).json()
    assert failed["total"] == 1
    retry = gateway.post("/api/orders", json={}, headers=buyer)
    assert retry.status_code == 201, retry.text


def test_an_empty_cart_cannot_be_checked_out(gateway):
    answer = gateway.post("/api/orders", json={}, headers=new_customer(gateway))
    assert answer.status_code == 409
    assert answer.json()["code"] == "empty_cart"


def test_checkout_refuses_bad_input_and_the_wrong_people(gateway, admin):
    buyer = new_customer(gateway)
    bad_key = gateway.post("/api/orders", json={}, headers={**buyer, "Idempotency-Key": "a b"})
    assert bad_key.status_code == 400
    assert gateway.post("/api/orders", json={}).status_code == 401
    seller, _ = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    assert gateway.post("/api/orders", json={}, headers=seller).status_code == 403
    assert gateway.get("/api/orders", params={"from": "soon"}, headers=buyer).status_code == 400
    assert gateway.get(f"/api/orders/{uuid.uuid4()}", headers=buyer).status_code == 404
    assert gateway.get("/api/orders/all", headers=buyer).status_code == 403


def test_a_seller_sees_their_orders_and_sales_figures(gateway, admin):
    seller, seller_id = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    other, _ = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    pot = new_product(gateway, seller, price="12.50", stock=20)
    rug = new_product(gateway, other, price="40.00", stock=20)
    first, second = new_customer(gateway), new_customer(gateway)
    add_to_cart(gateway, first, pot, 2)
    add_to_cart(gateway, first, rug, 1)
    add_to_cart(gateway, second, pot, 3)
    placed = [gateway.post("/api/orders", json={}, headers=b) for b in (first, second)]
    assert [p.status_code for p in placed] == [201, 201]

    orders = gateway.get("/api/orders/seller", headers=seller).json()
    assert orders["total"] == 2
    for order in orders["items"]:  # only the seller's own lines
        assert [(x["product_id"], x["seller_id"]) for x in order["items"]] == [(pot, seller_id)]
    detail = gateway.get(f"/api/orders/{placed[0].json()['order_id']}", headers=seller).json()
    assert [x["product_id"] for x in detail["items"]] == [pot]
    assert detail["payment"] is None

    top = gateway.get("/api/orders/analytics/top-products", headers=seller).json()["items"]
    assert [(x["product_id"], x["quantity"], x["revenue"]) for x in top] == [(pot, 5, "62.50")]
    month = datetime.now(UTC).strftime("%Y-%m")
    revenue = gateway.get("/api/orders/analytics/revenue", headers=seller).json()["items"]
    assert revenue == [{"period": month, "revenue": "62.50", "orders": 2}]

    everything = gateway.get(
        "/api/orders/analytics/top-products", params={"limit": 100}, headers=admin
    )
    assert everything.status_code == 200
    summary = gateway.get("/api/orders/analytics/summary", headers=admin).json()
    assert summary["paid_orders"] >= 2 and summary["orders_by_status"]["paid"] >= 2
    assert gateway.get("/api/orders/analytics/summary", headers=seller).status_code == 403


def test_two_hundred_buyers_racing_for_fifty_units_never_oversell(gateway, admin):
    seller, _ = new_staff(
        gateway, admin, "seller", "Shop keeper", shop_name=f"Shop {uuid.uuid4().hex[:8]}"
    )
    pot = new_product(gateway, seller, price="9.99", stock=50)
    with ThreadPoolExecutor(max_workers=16) as pool:
        buyers = list(pool.map(lambda _: new_customer(gateway), range(200)))
        list(pool.map(lambda b: add_to_cart(gateway, b, pot, 1), buyers))

    start = threading.Barrier(len(buyers))

    def checkout(buyer: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with GatewaySession(gateway.base_url, timeout=120) as own:
            start.wait()
            answer = own.post("/api/orders", json={}, headers=buyer)
            return answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=len(buyers)) as pool:
        results = list(pool.map(checkout, buyers))

    statuses = [status for status, _ in results]
    assert statuses.count(201) == 50, sorted(set(statuses))
    assert statuses.count(409) == 150
    assert all(body["status"] == "paid" for status, body in results if status == 201)
    assert all(body["code"] == "out_of_stock" for status, body in results if status == 409)
    level = stock_of(gateway, seller, pot)
    assert (level["stock"], level["available"]) == (0, 0)
    sold = gateway.get("/api/orders/analytics/top-products", headers=seller).json()["items"]
    assert [(x["product_id"], x["quantity"]) for x in sold] == [(pot, 50)]
