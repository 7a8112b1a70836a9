"""Shop webhooks through the whole stack: a seller's local receiver gets signed deliveries of
its orders, cancellations and low stock, and a failed one again until it is taken."""

import queue
import time

import pytest

from clients.webhooks import Received, Receiver, signature_is_valid
from tests.conftest import GatewaySession
from tests.test_delivery import place_order
from tests.test_live_updates import shop_with_a_courier

pytestmark = pytest.mark.e2e


def taken(receiver: Receiver, wanted: set[str], within: float) -> list[Received]:
    """Every request until one of each `wanted` event type was answered 200."""
    got: list[Received] = []
    deadline = time.monotonic() + within
    while not wanted <= {r.headers["Souk-Event"] for r in got if r.status == 200}:
        try:
            got.append(receiver.next(max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            pytest.fail(f"not every one of {sorted(wanted)} was delivered: {got}")
    return got


def test_a_shops_receiver_gets_signed_retried_deliveries_of_its_events(
    gateway: GatewaySession, admin
):
    seller, _, buyer, product = shop_with_a_courier(gateway, admin, stock=7)  # threshold 5
    with Receiver(answers=[500]) as receiver:  # the first delivery fails
        created = gateway.post(
            "/api/webhooks",
            json={"url": receiver.url, "events": ["order.created", "order.cancelled", "stock.low"]},
            headers=seller,
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()

        order = place_order(gateway, buyer, product, quantity=2)
        cancelled = gateway.post(f"/api/orders/{order['order_id']}/cancel", headers=buyer)
        assert cancelled.status_code == 200, cancelled.text
        got = taken(receiver, {"order.created", "order.cancelled", "stock.low"}, 20)

    for request in got:
        assert signature_is_valid(
            endpoint["secret"], request.headers["Souk-Signature"], request.body
        )
    by_type = {r.json()["type"]: r.json() for r in got if r.status == 200}
    assert by_type["order.created"]["data"]["order_id"] == order["order_id"]
    assert by_type["order.cancelled"]["data"]["order_id"] == order["order_id"]
    assert by_type["stock.low"]["data"] == {"product_id": product, "available": 5, "threshold": 5}
    # The failed one was sent again, as the same event (same id), until it was taken.
    assert got[0].status == 500
    again = [r for r in got if r.json()["id"] == got[0].json()["id"]]
    assert [r.status for r in again] == [500, 200]

    deliveries = gateway.get(f"/api/webhooks/{endpoint['id']}/deliveries", headers=seller).json()
    retried = next(d for d in deliveries["items"] if d["id"] == again[1].headers["Souk-Delivery"])
    assert (retried["attempts"], retried["last_status"]) == (2, 200)
    [listed] = gateway.get("/api/webhooks", headers=seller).json()["items"]
    assert listed["active"] is True and listed["failures_in_a_row"] == 0


def test_the_gateway_routes_webhooks_to_activity_and_refuses_non_sellers(
    gateway: GatewaySession, admin
):
    _, _, buyer, _ = shop_with_a_courier(gateway, admin)
    assert gateway.get("/api/webhooks").status_code == 401
    refused = gateway.post(
        "/api/webhooks",
        json={"url": "https://shop.example/hooks", "events": ["order.created"]},
        headers=buyer,
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
