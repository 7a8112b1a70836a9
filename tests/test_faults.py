"""Faults, on a stack of their own so the session stack is never disturbed: a replica of every
service killed under load, the orders service killed in the middle of checkouts, and
PostgreSQL stopped and started again.

The fault stack runs its own embedded PostgreSQL (in its var folder, so stopping it touches no
other test) and a fast recovery loop: an order left `pending` is settled 6 s after its last
step (above the services' 5 s HTTP read timeout, as services/orders/README.md asks), looked
for every second.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from launcher import health, postgres
from launcher.settings import REPO_ROOT, SERVICES
from tests.conftest import (
    GatewaySession,
    Stack,
    clear_stack,
    launched,
    new_customer,
    new_product,
    new_staff,
    sign_in,
    stack_env,
    wait_until,
)

pytestmark = pytest.mark.e2e

# Clear of the session stacks (18xxx/19xxx, per xdist worker) and the benchmark (28xxx/29xxx).
# Below the ephemeral range (32768+), where a client connection could already hold a port.
GATEWAY_PORT = 24080
INTERNAL_PORT = 24081
SERVICE_BASE_PORT = 25100
RECOVERY_AFTER_SECONDS = 6
RECOVERY_POLL_SECONDS = 1
# Long enough for a crashed checkout to be settled by the recovery loop, with room to spare.
SETTLE_TIMEOUT = 4 * RECOVERY_AFTER_SECONDS + 10
ADDRESS = {"name": "Ines Buyer", "line1": "1 Mill Lane", "city": "Fes", "country": "MA"}


@pytest.fixture(scope="module")
def fault_stack() -> Iterator[Stack]:
    admin_email = "admin-faults@example.com"
    admin_password = uuid.uuid4().hex
    env = stack_env(
        REPO_ROOT / "var" / "test-faults",
        GATEWAY_PORT,
        INTERNAL_PORT,
        SERVICE_BASE_PORT,
        SOUK_REPLICAS="2",
        SOUK_DEMO="0",
        SOUK_ADMIN_EMAIL=admin_email,
        SOUK_ADMIN_PASSWORD=admin_password,
        SOUK_RECOVERY_AFTER_SECONDS=str(RECOVERY_AFTER_SECONDS),
        SOUK_RECOVERY_POLL_SECONDS=str(RECOVERY_POLL_SECONDS),
    )
    env.pop("SOUK_PG_PORT", None)  # its own server on a unix socket only
    clear_stack(env)
    with launched(env, "the fault stack"):
        yield Stack.of(env)


@pytest.fixture(scope="module")
def gateway(fault_stack: Stack) -> Iterator[GatewaySession]:
    with GatewaySession(fault_stack.url, timeout=30) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def admin(fault_stack: Stack, gateway: GatewaySession) -> dict[str, str]:
    return sign_in(gateway, fault_stack.admin_email, fault_stack.admin_password)


# --- waiting -------------------------------------------------------------------------------


# --- the shop ------------------------------------------------------------------------------


def new_buyer(gateway: GatewaySession, product_id: str | None = None, quantity: int = 1) -> Any:
    """A signed-in customer, with `quantity` of the product in the cart when one is given."""
    buyer = new_customer(gateway)
    if product_id is not None:
        added = gateway.post(
            "/api/cart", json={"product_id": product_id, "quantity": quantity}, headers=buyer
        )
        assert added.status_code == 201, added.text
    return buyer


def new_buyers(
    gateway: GatewaySession, count: int, product_id: str, quantity: int
) -> list[dict[str, str]]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda _: new_buyer(gateway, product_id, quantity), range(count)))


def levels(gateway: GatewaySession, seller: dict[str, str], product_id: str) -> dict[str, Any]:
    answer = gateway.get(f"/api/inventory/{product_id}", headers=seller)
    assert answer.status_code == 200, answer.text
    return answer.json()


def orders_of(
    gateway: GatewaySession, buyer: dict[str, str], status: str | None = None
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"per_page": 100, **({"status": status} if status else {})}
    answer = gateway.get("/api/orders", params=params, headers=buyer)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def nothing_pending(gateway: GatewaySession, buyers: list[dict[str, str]]) -> bool:
    return all(not orders_of(gateway, buyer, "pending") for buyer in buyers)


def check_out_until_answered(
    url: str, buyer: dict[str, str], timeout: float = 60
) -> tuple[str, list[str]]:
    """What a careful client does: retry with the same Idempotency-Key while the outcome is
    unknown (no answer, 502/503/504, or 409 `idempotency_key_in_progress`) and with a new key
    after a checkout that failed for good (409 `checkout_failed`). Returns the paid order's id
    and every answer seen."""
    key = f"faults-{uuid.uuid4()}"
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    with GatewaySession(url, timeout=30) as own:
        while time.monotonic() < deadline:
            try:
                answer = own.post(
                    "/api/orders",
                    json={"shipping_address": ADDRESS},
                    headers={**buyer, "Idempotency-Key": key},
                )
            except requests.RequestException as error:
                seen.append(type(error).__name__)
            else:
                code = _error_code(answer)
                seen.append(f"{answer.status_code} {code or ''}".strip())
                if answer.status_code == 201:
                    return answer.json()["order_id"], seen
                if answer.status_code == 409 and code == "checkout_failed":
                    key = f"faults-{uuid.uuid4()}"
                elif answer.status_code not in (502, 503, 504) and not (
                    answer.status_code == 409 and code == "idempotency_key_in_progress"
                ):
                    raise AssertionError(f"checkout answered {answer.text}; answers: {seen}")
            time.sleep(0.25)
    raise AssertionError(f"no checkout went through in {timeout} s; answers: {seen}")


def _error_code(answer: requests.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


# --- processes -----------------------------------------------------------------------------


def program(service: str, replica: int) -> str:
    return f"{service}:{service}-{replica}"


def pids_of(stack: Stack, programs: list[str]) -> dict[str, int]:
    with stack.supervisor() as supervisord:
        return {name: supervisord.getProcessInfo(name)["pid"] for name in programs}


def kill(pids: dict[str, int]) -> None:
    """SIGKILL each replica's gunicorn master and its workers (its process group): a crash."""
    for pid in pids.values():
        os.killpg(pid, signal.SIGKILL)


def wait_until_restarted(stack: Stack, killed: dict[str, int], timeout: float = 90) -> None:
    """supervisord restarts a program that died; wait until each answers its health check,
    and the gateway routes to the service again (when every replica of a service failed, nginx
    leaves them all out for up to `fail_timeout`, 5 s, answering 502 meanwhile)."""

    def restarted() -> bool:
        with stack.supervisor() as supervisord:
            for name, old_pid in killed.items():
                info = supervisord.getProcessInfo(name)
                if info["statename"] != "RUNNING" or info["pid"] == old_pid:
                    return False
        if not all(replica_healthy(stack, name) for name in killed):
            return False
        services = {name.split(":")[0] for name in killed}
        return all(health.health_status(stack.url, service) == 200 for service in services)

    wait_until(restarted, timeout, f"supervisord to restart {', '.join(killed)}", every=0.25)


def replica_healthy(stack: Stack, name: str) -> bool:
    service, replica = name.split(":")[1].rsplit("-", 1)
    port = stack.replica_port(service, int(replica))
    return health.health_status(f"http://127.0.0.1:{port}", service) == 200


def everything_healthy(stack: Stack) -> bool:
    replicas = [program(s, r) for s in SERVICES for r in range(stack.settings.replicas)]
    if not all(replica_healthy(stack, name) for name in replicas):
        return False
    return all(code == 200 for code in health.gateway_health(stack.settings).values())


# --- the faults ----------------------------------------------------------------------------


def test_killing_a_replica_of_every_service_under_load_fails_no_read_and_loses_no_order(
    fault_stack: Stack, gateway: GatewaySession, admin: dict[str, str]
) -> None:
    seller, _ = new_staff(gateway, admin, "seller", "Rug weaver", shop_name="Rugs")
    product = new_product(gateway, seller, stock=200)
    reader = new_buyer(gateway, product)
    buyers = new_buyers(gateway, 18, product, quantity=1)
    reads: list[tuple[str, dict[str, str]]] = [
        ("/api/products?per_page=5", {}),
        (f"/api/products/{product}", {}),
        (f"/api/products/{product}", reader),
        ("/api/products/categories", reader),
        (f"/api/products/{product}/reviews", reader),
        ("/api/cart", reader),
        ("/api/orders", reader),
        ("/api/auth/me", reader),
        (f"/api/inventory/{product}", seller),
        ("/api/shipping/methods", reader),
        ("/api/shipping/shipments", reader),
        (f"/api/activity/recommendations?product_id={product}", reader),
        *((f"/api/{service}/health", {}) for service in SERVICES),
    ]
    failed_reads: list[str] = []
    # A replica killed after it sent a response's headers but before its body leaves nginx
    # nothing to retry (the client already has the headers): such a cut answer is the one
    # failure a SIGKILL may cause, at most once per killed replica.
    cut_by_kill: list[str] = []
    read_count = [0] * 3
    stop_reading = threading.Event()

    def keep_reading(worker: int) -> None:
        with GatewaySession(fault_stack.url, timeout=30) as own:
            for turn in range(3000):
                if stop_reading.is_set():
                    return
                path, headers = reads[(turn + worker * 7) % len(reads)]
                try:
                    answer = own.get(path, headers=headers)
                except requests.exceptions.ChunkedEncodingError as error:
                    cut_by_kill.append(f"GET {path}: {error!r}")
                    continue
                except requests.RequestException as error:
                    failed_reads.append(f"GET {path}: {error!r}")
                    continue
                read_count[worker] += 1
                if answer.status_code != 200:
                    failed_reads.append(f"GET {path}: {answer.status_code} {answer.text[:300]}")

    victims = [program(service, i % 2) for i, service in enumerate(SERVICES)]
    with ThreadPoolExecutor(max_workers=3) as readers, ThreadPoolExecutor(3) as checkouts:
        reading = [readers.submit(keep_reading, worker) for worker in range(3)]
        placing = [
            checkouts.submit(check_out_until_answered, fault_stack.url, buyer) for buyer in buyers
        ]
        try:
            wait_until(
                lambda: sum(f.done() for f in placing) >= 3, 60, "the first checkouts", every=0.01
            )
            killed = pids_of(fault_stack, victims)
            kill(killed)
            wait_until_restarted(fault_stack, killed)
            outcomes = [f.result() for f in placing]
        finally:
            stop_reading.set()
        for f in reading:
            f.result()

    assert failed_reads == [], f"{len(failed_reads)} of {sum(read_count)} reads failed"
    assert len(cut_by_kill) <= len(victims), cut_by_kill
    assert sum(read_count) > 50  # the load really ran through the kills
    acknowledged = [order_id for order_id, _ in outcomes]
    wait_until(lambda: nothing_pending(gateway, buyers), SETTLE_TIMEOUT, "orders to settle")
    for buyer, order_id, (_, answers) in zip(buyers, acknowledged, outcomes, strict=True):
        paid = [o["order_id"] for o in orders_of(gateway, buyer, "paid")]
        assert paid == [order_id], f"answers {answers}; paid orders {paid}"
    wait_until(
        lambda: levels(gateway, seller, product)["reserved"] == 0, 20, "every hold to settle"
    )
    assert levels(gateway, seller, product)["stock"] == 200 - len(buyers)


def test_killing_the_orders_service_mid_checkout_holds_no_stock_and_keeps_no_money(
    fault_stack: Stack, gateway: GatewaySession, admin: dict[str, str]
) -> None:
    seller, _ = new_staff(gateway, admin, "seller", "Rug weaver", shop_name="Rugs")
    product = new_product(gateway, seller, stock=100)
    buyers = new_buyers(gateway, 12, product, quantity=2)
    orders_service = [program("orders", r) for r in range(fault_stack.settings.replicas)]
    killed = pids_of(fault_stack, orders_service)

    def check_out_once(buyer: dict[str, str]) -> tuple[str, str | None]:
        """One attempt: its answer ("201", "502", "ConnectionError", ...) and the order id."""
        with GatewaySession(fault_stack.url, timeout=30) as own:
            try:
                answer = own.post(
                    "/api/orders",
                    json={"shipping_address": ADDRESS},
                    headers={**buyer, "Idempotency-Key": f"faults-{uuid.uuid4()}"},
                )
            except requests.RequestException as error:
                return type(error).__name__, None
            if answer.status_code == 201:
                return "201", answer.json()["order_id"]
            return f"{answer.status_code} {answer.text[:200]}", None

    def mid_checkout() -> bool:
        """A few checkouts are done, and stock is held and not yet sold: some checkout is
        between its reservation and its end."""
        done = sum(f.done() for f in placing)
        if done == len(placing):
            return True
        return done >= 3 and levels(gateway, seller, product)["reserved"] > 0

    # Four at a time, so the kill finds some orders paid, some half-way, some not yet begun.
    with ThreadPoolExecutor(max_workers=4) as pool:
        placing = [pool.submit(check_out_once, b) for b in buyers]
        wait_until(mid_checkout, 60, "checkouts to be under way", every=0.005)
        kill(killed)
        outcomes = [f.result() for f in placing]

    acknowledged = {order_id for _, order_id in outcomes if order_id is not None}
    assert len(acknowledged) < len(buyers), f"every checkout finished before the kill: {outcomes}"
    # Cut off by the crash: a 502 from the gateway, never a 500 or a hang. A kill between a
    # replica writing an answer's headers and its body (nginx has passed the headers on by then)
    # leaves the client a truncated answer instead; a client retries with its key, as after a 502.
    cut_off = {answer for answer, order_id in outcomes if order_id is None}
    assert all(a.startswith("502 ") or a == "ChunkedEncodingError" for a in cut_off), outcomes
    wait_until_restarted(fault_stack, killed)
    wait_until(lambda: nothing_pending(gateway, buyers), SETTLE_TIMEOUT, "recovery to settle")

    paid: dict[str, int] = {}
    for buyer in buyers:
        for summary in orders_of(gateway, buyer):
            answer = gateway.get(f"/api/orders/{summary['order_id']}", headers=buyer)
            assert answer.status_code == 200, answer.text
            order = answer.json()
            payment = order["payment"]
            if order["status"] == "paid":
                assert payment["status"] == "succeeded", order
                paid[order["order_id"]] = sum(line["quantity"] for line in order["items"])
            else:
                assert order["status"] == "failed", order
                # No charge without a paid order: none made, none kept.
                assert payment is None or payment["status"] in ("failed", "declined", "refunded")
                if payment is not None and payment["status"] == "refunded":
                    assert payment["refunded_amount"] == payment["amount"], order
    assert acknowledged <= set(paid), "a checkout answered 201 is not paid"

    wait_until(
        lambda: levels(gateway, seller, product)["reserved"] == 0,
        20,
        "no stock held for unpaid orders",
    )
    assert levels(gateway, seller, product)["stock"] == 100 - sum(paid.values())
    ledger = gateway.get(
        f"/api/inventory/{product}/movements", params={"per_page": 100}, headers=seller
    ).json()["items"]
    sold_to = [m["order_id"] for m in ledger if m["change_type"] == "purchase"]
    assert sorted(sold_to) == sorted(paid)


def test_a_postgresql_outage_answers_json_503s_and_the_services_recover_by_themselves(
    fault_stack: Stack, gateway: GatewaySession, admin: dict[str, str]
) -> None:
    seller, seller_id = new_staff(gateway, admin, "seller", "Rug weaver", shop_name="Rugs")
    product = new_product(gateway, seller, stock=50)
    listing = f"/api/products?seller_id={seller_id}"
    assert gateway.get(listing).status_code == 200  # the anonymous list is in the gateway cache
    before = new_buyer(gateway, product)
    placed_before, _ = check_out_until_answered(fault_stack.url, before)
    during = new_buyer(gateway, product, quantity=2)
    settings = fault_stack.settings

    postgres.stop(settings.pg_data_dir)
    try:
        attempts = {
            **{f"{service} health": gateway.get(f"/api/{service}/health") for service in SERVICES},
            "sign in": gateway.post(
                "/api/auth/login", json={"email": "nobody@example.com", "password": "x" * 12}
            ),
            "signed product read": gateway.get(f"/api/products/{product}", headers=during),
            "cart": gateway.get("/api/cart", headers=during),
            "add to cart": gateway.post(
                "/api/cart", json={"product_id": product, "quantity": 1}, headers=during
            ),
            "checkout": gateway.post(
                "/api/orders", json={}, headers={**during, "Idempotency-Key": uuid.uuid4().hex}
            ),
            "order history": gateway.get("/api/orders", headers=before),
            "stock": gateway.get(f"/api/inventory/{product}", headers=seller),
            "shipments": gateway.get("/api/shipping/shipments", headers=before),
            "reviews": gateway.post(
                f"/api/products/{product}/reviews",
                json={"rating": 5, "comment": "Soft"},
                headers=before,
            ),
            "recently viewed": gateway.get("/api/activity/me/recent", headers=before),
        }
        cached = gateway.get(listing)
    finally:
        postgres.ensure_running(settings.pg_data_dir, "souk", port=settings.pg_port)

    unclean = {
        name: f"{answer.status_code} {answer.headers.get('Content-Type')} {answer.text[:200]}"
        for name, answer in attempts.items()
        if answer.status_code != 503
        or not answer.headers.get("Content-Type", "").startswith("application/json")
        or not isinstance(_json_or_none(answer), dict)
    }
    assert unclean == {}
    # Anonymous browsing carries on from the gateway's copy while the catalogue is down.
    assert cached.status_code == 200
    assert cached.headers["X-Cache-Status"] in ("HIT", "STALE", "UPDATING")

    wait_until(lambda: everything_healthy(fault_stack), 60, "every replica to be healthy again")
    order = gateway.get(f"/api/orders/{placed_before}", headers=before)
    assert order.status_code == 200, order.text
    assert order.json()["status"] == "paid"
    placed_after, answers = check_out_until_answered(fault_stack.url, during, timeout=30)
    assert gateway.get(f"/api/orders/{placed_after}", headers=during).json()["status"] == "paid"
    # The background relays survived the outage: the cart empties, the catalogue's stock copy
    # follows inventory.
    wait_until(
        lambda: gateway.get("/api/cart", headers=during).json()["items"] == [],
        20,
        "the cart to be emptied after the checkout",
    )
    wait_until(
        lambda: gateway.get(f"/api/products/{product}", headers=seller).json()["stock"] == 47,
        20,
        "the catalogue to show the stock left",
    )
    after = levels(gateway, seller, product)
    assert (after["stock"], after["reserved"]) == (47, 0), answers


def _json_or_none(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None
