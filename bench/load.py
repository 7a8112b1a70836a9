"""Seeding the benchmark's shop through the public API, and the checkout load (Python threads:
each checkout needs its own cart, which wrk's stateless requests cannot build)."""

import random
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from bench.cpu import cpu_ms_per_operation, cpu_usage

CATEGORIES = [
    "books", "kitchen", "garden", "toys", "audio", "spices", "tea", "lamps", "rugs", "shoes",
]  # fmt: skip
WORDS = [
    "brass", "copper", "linen", "cedar", "amber", "saffron", "indigo", "olive", "walnut",
    "marble", "velvet", "woven", "carved", "painted", "hammered", "glazed", "vintage", "modern",
    "lantern", "teapot", "basket", "cushion", "kettle", "bowl", "tray", "scarf", "slipper",
    "mirror", "candle", "jar", "blanket", "speaker", "headphones", "novel", "atlas", "puzzle",
]  # fmt: skip
SEARCH_TERMS = ["brass lantern", "saffron", "walnut tray", "velvet", "headph", "teapot", "linen"]


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def sign_in(http: requests.Session, url: str, email: str, password: str) -> str:
    answer = http.post(f"{url}/api/auth/login", json={"email": email, "password": password})
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


@dataclass
class Shop:
    seller_tokens: list[str]
    product_ids: list[str] = field(default_factory=list)
    product_sellers: dict[str, int] = field(default_factory=dict)


def create_staff(url: str, admin_token: str, role: str, count: int, **extra: str) -> list[str]:
    """`count` new sellers or couriers, created by the admin; their access tokens."""
    http = _session()
    tokens = []
    for number in range(count):
        email, password = f"{role}{number}-{uuid.uuid4().hex[:6]}@example.com", uuid.uuid4().hex
        http.post(
            f"{url}/api/auth/users",
            json={
                "email": email,
                "password": password,
                "name": f"{role.title()} {number}",
                "role": role,
                **{key: value.format(number=number) for key, value in extra.items()},
            },
            headers={"Authorization": f"Bearer {admin_token}"},
        ).raise_for_status()
        tokens.append(sign_in(http, url, email, password))
    return tokens


def seed_shop(
    url: str, admin_email: str, admin_password: str, products: int, sellers: int = 3
) -> Shop:
    admin_token = sign_in(_session(), url, admin_email, admin_password)
    shop = Shop(
        seller_tokens=create_staff(
            url, admin_token, "seller", sellers, shop_name="Bench shop {number}"
        )
    )

    rng = random.Random(7)
    lock = threading.Lock()
    local = threading.local()

    def create(index: int) -> None:
        if not hasattr(local, "http"):
            local.http = _session()
        seller = index % sellers
        words = rng.sample(WORDS, 3)
        answer = local.http.post(
            f"{url}/api/products",
            json={
                "name": " ".join(words[:2]).title() + f" {index}",
                "description": f"A {words[0]} {words[2]} made by hand, number {index}.",
                "price": f"{rng.randint(100, 50000) / 100:.2f}",
                "category": CATEGORIES[index % len(CATEGORIES)],
                "sku": f"B-{index}",
                "stock": 1_000_000,
            },
            headers={"Authorization": f"Bearer {shop.seller_tokens[seller]}"},
            timeout=30,
        )
        answer.raise_for_status()
        with lock:
            shop.product_ids.append(answer.json()["id"])
            shop.product_sellers[answer.json()["id"]] = seller

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(products)))
    return shop


def wait_until_settled(
    url: str, internal_url: str, service_token: str, admin_token: str, products: int
) -> None:
    """Wait until every product has reached inventory and the catalogue has taken in every
    stock level: seeding queues work for the relays, which must not run during a measurement."""
    http = _session()
    admin = {"Authorization": f"Bearer {admin_token}"}
    deadline = time.monotonic() + 600

    def stock_rows() -> int:
        answer = http.get(f"{url}/api/inventory", params={"per_page": 1}, headers=admin)
        return int(answer.json()["total"]) if answer.status_code == 200 else -1

    def stock_level_batches() -> float:
        text = http.get(
            f"{internal_url}/internal/products/metrics",
            headers={"X-Service-Token": service_token},
        ).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("souk_http_requests_total") and "stock-levels" in line
        )

    while stock_rows() < products:
        if time.monotonic() > deadline:
            raise SystemExit("the seeded products did not all reach inventory in time")
        time.sleep(0.5)
    # Two replicas answer the metrics route in turn; settled means no new batch for 3 s.
    seen, quiet_since = stock_level_batches(), time.monotonic()
    while time.monotonic() - quiet_since < 3:
        time.sleep(0.5)
        now = stock_level_batches()
        if now > seen:
            seen, quiet_since = now, time.monotonic()


@dataclass(frozen=True)
class CheckoutResult:
    checkouts: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    error_samples: list[str]
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per checkout, per component

    @property
    def per_second(self) -> float:
        return self.checkouts / self.seconds if self.seconds else 0.0


def register_buyers(url: str, count: int) -> list[str]:
    def register(_index: int) -> str:
        http = _session()
        email, password = f"buyer-{uuid.uuid4().hex[:10]}@example.com", uuid.uuid4().hex
        http.post(
            f"{url}/api/auth/register", json={"email": email, "password": password}
        ).raise_for_status()
        return sign_in(http, url, email, password)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(register, range(count)))


def run_checkouts(url: str, shop: Shop, buyer_tokens: list[str], seconds: float) -> CheckoutResult:
    """Each buyer in its own thread: empty the cart, add 1–3 lines, check out; repeat."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    started = time.monotonic()

    def buyer(token: str) -> None:
        http = _session()
        http.headers["Authorization"] = f"Bearer {token}"
        rng = random.Random(token)
        while time.monotonic() < stop_at:
            http.delete(f"{url}/api/cart")
            for product_id in rng.sample(shop.product_ids, rng.randint(1, 3)):
                http.post(f"{url}/api/cart", json={"product_id": product_id, "quantity": 1})
            began = time.perf_counter()
            answer = http.post(
                f"{url}/api/orders",
                json={"payment": {"token": "tok_bench"}},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            elapsed = time.perf_counter() - began
            with lock:
                if answer.status_code == 201:
                    latencies.append(elapsed)
                else:
                    errors.append(f"{answer.status_code} {answer.text[:200]}")

    with cpu_usage() as cores, ThreadPoolExecutor(max_workers=len(buyer_tokens)) as pool:
        list(pool.map(buyer, buyer_tokens))
    duration = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    return CheckoutResult(
        checkouts=len(latencies),
        errors=len(errors),
        seconds=duration,
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        error_samples=errors[:5],
        cpu_ms=cpu_ms_per_operation(cores, duration, len(latencies)),
    )


@dataclass(frozen=True)
class IngestResult:
    events: int
    seconds: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def run_event_ingestion(
    internal_url: str, service_token: str, seconds: float, batch: int = 500, clients: int = 4
) -> IngestResult:
    """Batches as the outbox relays send them, to the activity service's internal endpoint."""
    counts = {"events": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    started = time.monotonic()

    def client(number: int) -> None:
        http = _session()
        http.headers["X-Service-Token"] = service_token
        rng = random.Random(number)
        while time.monotonic() < stop_at:
            messages = [
                {
                    "event_id": str(uuid.uuid4()),
                    "payload": {
                        "type": rng.choice(["product_view", "search", "add_to_cart"]),
                        "user_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "product_id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "metadata": {"bench": True},
                        "at": datetime.now(UTC).isoformat(),
                    },
                }
                for _ in range(batch)
            ]
            answer = http.post(
                f"{internal_url}/internal/activity/events", json={"messages": messages}
            )
            with lock:
                if answer.status_code == 200:
                    counts["events"] += batch
                else:
                    counts["errors"] += 1

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, range(clients)))
    return IngestResult(counts["events"], time.monotonic() - started, counts["errors"])
