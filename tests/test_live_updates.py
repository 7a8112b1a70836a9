"""Live updates through the gateway: server-sent events of an order's steps to its buyer, of a
new order and low stock to the seller, of stock levels to a product page; resuming after a
reconnect; and what the stream refuses."""

import queue
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from clients.sse import EventStream
from tests.conftest import GatewaySession, Stack, new_customer, new_product, new_staff
from tests.test_delivery import place_order, shipment_of

pytestmark = pytest.mark.e2e

STREAM = "/api/activity/stream"
# An update reaches its stream this soon after the request that caused it answered.
WITHIN = 1.0
STEPS = [
    ("pickup", "picked_up"),
    ("out-for-delivery", "out_for_delivery"),
    ("deliver", "delivered"),
]


@pytest.fixture
def open_stream(stack: Stack) -> Iterator:
    streams: list[EventStream] = []

    def open_stream(headers=None, **params: str) -> EventStream:
        stream = EventStream(stack.url + STREAM, headers=headers, params=params)
        streams.append(stream)
        return stream

    yield open_stream
    for stream in streams:
        stream.close()


def shop_with_a_courier(
    gateway: GatewaySession, admin: dict[str, str], stock: int = 20
) -> tuple[dict[str, str], dict[str, str], dict[str, str], str]:
    """A new seller, a courier of the buyers' zone, a buyer (their headers) and a product."""
    seller, _ = new_staff(gateway, admin, "seller", "Live seller", shop_name="Live shop")
    courier, _ = new_staff(gateway, admin, "courier", "Live courier", zone="north")
    product = new_product(gateway, seller, stock=stock)
    return seller, courier, new_customer(gateway), product


def ready(stream: EventStream) -> int:
    """The stream's starting point, once it is open: the id of its `ready` event."""
    assert stream.status_code == 200, stream.response.text
    event = stream.next_of("ready", 5)
    assert event.id is not None
    return int(event.id)


def expect(stream: EventStream, kind: str, since: float) -> dict:
    """The next `kind` event, which must arrive within WITHIN seconds of `since`."""
    try:
        event = stream.next_of(kind, WITHIN + 2)
    except queue.Empty:
        pytest.fail(f"no {kind} event within {WITHIN + 2} s")
    assert event.received_at - since <= WITHIN, f"{kind} took {event.received_at - since:.2f} s"
    return event.json()


def expect_all(stream: EventStream, kinds: set[str], since: float) -> dict[str, dict]:
    """The first event of each of `kinds`, in whatever order, each within WITHIN of `since`."""
    found: dict[str, dict] = {}
    deadline = time.monotonic() + WITHIN + 2
    while found.keys() < kinds:
        try:
            event = stream.next(max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"no {', '.join(sorted(kinds - found.keys()))} event in time")
        if event.event in kinds and event.event not in found:
            late = event.received_at - since
            assert late <= WITHIN, f"{event.event} took {late:.2f} s"
            found[event.event] = event.json()
    return found


def expect_level(stream: EventStream, product: str, available: int, since: float) -> dict:
    """The `stock.level` event saying `available`, within WITHIN seconds of `since`."""
    while True:
        level = expect(stream, "stock.level", since)
        assert level["product_id"] == product
        if level["available"] == available:
            return level


def test_the_buyer_seller_and_product_page_each_hear_their_updates_within_a_second(
    gateway: GatewaySession, admin, open_stream
):
    seller, courier, buyer, product = shop_with_a_courier(gateway, admin, stock=7)  # threshold 5
    buyer_stream = open_stream(buyer)
    seller_stream = open_stream(seller)
    page_stream = open_stream(products=product)  # signed out
    for stream in (buyer_stream, seller_stream, page_stream):
        ready(stream)

    order = place_order(gateway, buyer, product, quantity=2)
    placed = time.monotonic()
    assert order["status"] == "paid"
    paid = expect(buyer_stream, "order.status", placed)
    assert (paid["order_id"], paid["status"]) == (order["order_id"], "paid")
    assert datetime.fromisoformat(paid["at"]) <= datetime.now(UTC)
    # The stock was held (and ran low) before the payment: either may come first.
    for_seller = expect_all(seller_stream, {"order.new", "stock.low"}, placed)
    new_order = for_seller["order.new"]
    assert new_order["order_id"] == order["order_id"]
    assert [(line["product_id"], line["quantity"]) for line in new_order["lines"]] == [(product, 2)]
    assert for_seller["stock.low"] == {
        "product_id": product,
        "available": 5,
        "threshold": 5,
    }
    # The opening level (7) may still be on its way from inventory when the page opened.
    level = expect_level(page_stream, product, 5, placed)
    assert level["version"] >= 2

    shipment = shipment_of(gateway, buyer, order["order_id"])
    for action, status in STEPS:
        answer = gateway.post(f"/api/shipping/shipments/{shipment['id']}/{action}", headers=courier)
        stepped = time.monotonic()
        assert answer.status_code == 200, answer.text
        update = expect(buyer_stream, "order.status", stepped)
        assert (update["order_id"], update["status"]) == (order["order_id"], status)
        assert update["shipment_id"] == shipment["id"]

    # Nobody hears another user's updates.
    assert all(e.event != "order.status" for e in drain(seller_stream))
    assert all(e.event == "stock.level" for e in drain(page_stream))


def drain(stream: EventStream) -> list:
    events = []
    while True:
        try:
            events.append(stream.next(0.2))
        except queue.Empty:
            return events


def test_a_client_that_reconnects_with_its_last_event_id_gets_what_it_missed_once_in_order(
    gateway: GatewaySession, admin, open_stream
):
    _, courier, buyer, product = shop_with_a_courier(gateway, admin)
    first = open_stream(buyer)
    ready(first)
    order = place_order(gateway, buyer, product)
    paid = first.next_of("order.status", 5)
    assert paid.json()["status"] == "paid"
    first.close()

    shipment = shipment_of(gateway, buyer, order["order_id"])
    for action, _ in STEPS:
        answer = gateway.post(f"/api/shipping/shipments/{shipment['id']}/{action}", headers=courier)
        assert answer.status_code == 200, answer.text
    detail = gateway.get(f"/api/orders/{order['order_id']}", headers=buyer).json()
    assert detail["status"] in {"out_for_delivery", "delivered"}  # shipping told orders

    # Missed events come before `ready`, any still on their way after it: together, each once.
    again = open_stream({**buyer, "Last-Event-ID": paid.id})
    statuses, ids, ready_id = [], [], None
    while len(statuses) < 3:
        event = again.next(5)
        if event.event == "ready":
            ready_id = int(event.id)
        elif event.event == "order.status":
            statuses.append(event.json()["status"])
            ids.append(int(event.id))
            assert ready_id is None or int(event.id) > ready_id
    assert statuses == ["picked_up", "out_for_delivery", "delivered"]
    assert ids == sorted(ids) and ids[0] > int(paid.id)
    assert [e.event for e in drain(again) if e.event != "ready"] == []  # nothing twice

    # A client that saw no event yet resumes from its `ready` id.
    quiet = open_stream(buyer)
    start = ready(quiet)
    quiet.close()
    cancelled_order = place_order(gateway, buyer, product)
    resumed = open_stream({**buyer, "Last-Event-ID": str(start)})
    event = resumed.next_of("order.status", 5)
    assert (event.json()["order_id"], event.json()["status"]) == (
        cancelled_order["order_id"],
        "paid",
    )


def test_an_idle_stream_gets_heartbeats_and_ends_when_its_session_is_revoked(
    gateway: GatewaySession, open_stream
):
    buyer = new_customer(gateway)
    stream = open_stream(buyer)
    ready(stream)
    deadline = time.monotonic() + 5
    while stream.heartbeats < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.heartbeats >= 2
    assert stream.retry_ms == 3000

    assert gateway.post("/api/auth/logout", headers=buyer).status_code in (200, 204)
    assert stream.ended.wait(10), "the stream outlived its session"


@pytest.mark.parametrize(
    ("headers", "params", "status", "code"),
    [
        ({}, {}, 401, "unauthorized"),
        (
            {"Authorization": "Bearer not-a-token"},
            {"products": str(uuid.uuid4())},
            401,
            "unauthorized",
        ),
        ({"Authorization": "Basic abc"}, {}, 401, "unauthorized"),
        ({}, {"products": "lamp"}, 400, "validation_error"),
        ({}, {"products": ",".join(str(uuid.uuid4()) for _ in range(51))}, 400, "validation_error"),
        ({"Last-Event-ID": "yesterday"}, {"products": str(uuid.uuid4())}, 400, "validation_error"),
    ],
)
def test_what_the_stream_refuses_gets_the_json_error_shape(
    gateway: GatewaySession, headers, params, status, code
):
    answer = gateway.get(STREAM, headers=headers, params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json()["code"] == code
    assert set(answer.json()) == {"error", "code", "details"}


def test_only_get_opens_a_stream(gateway: GatewaySession):
    answer = gateway.post(STREAM, json={})
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert "GET" in answer.headers["Allow"]
