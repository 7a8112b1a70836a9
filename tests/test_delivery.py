"""Delivery through the gateway: an order is picked up, taken out and delivered by a courier,
with the buyer's order and the public tracking page following every step; and couriers racing
for one parcel, of whom exactly one gets it."""

import threading
from decimal import Decimal

import pytest

from tests.conftest import GatewaySession, new_customer, new_product, new_staff, wait_until

pytestmark = pytest.mark.e2e

ADDRESS = {
    "name": "Rania Buyer",
    "line1": "12 Spice Market Lane",
    "city": "Alexandria",
    "country": "EG",
    "phone": "+20 111 222 3333",
    "zone": "north",
}


@pytest.fixture(scope="module")
def seller(gateway: GatewaySession, admin: dict[str, str]) -> dict[str, str]:
    headers, _ = new_staff(gateway, admin, "seller", "Shop keeper", shop_name="Delivery shop")
    return headers


def place_order(
    gateway: GatewaySession, buyer: dict[str, str], product_id: str, quantity: int = 1
) -> dict:
    added = gateway.post(
        "/api/cart", json={"product_id": product_id, "quantity": quantity}, headers=buyer
    )
    assert added.status_code == 201, added.text
    placed = gateway.post(
        "/api/orders",
        json={"shipping_address": ADDRESS, "shipping_method": "standard"},
        headers=buyer,
    )
    assert placed.status_code == 201, placed.text
    return placed.json()


def order_detail(gateway: GatewaySession, buyer: dict[str, str], order_id: str) -> dict:
    answer = gateway.get(f"/api/orders/{order_id}", headers=buyer)
    assert answer.status_code == 200, answer.text
    return answer.json()


def shipment_of(gateway: GatewaySession, buyer: dict[str, str], order_id: str) -> dict:
    """The order's shipment, as the buyer sees it (created by the checkout saga)."""
    found: list[dict] = []

    def listed() -> bool:
        answer = gateway.get(f"/api/shipping/shipments?order_id={order_id}", headers=buyer)
        assert answer.status_code == 200, answer.text
        found[:] = answer.json()["items"]
        return bool(found)

    wait_until(listed, 20, "the order's shipment")
    return found[0]


def test_an_order_is_picked_up_taken_out_and_delivered_with_the_order_following(
    gateway, admin, seller
):
    courier, courier_id = new_staff(gateway, admin, "courier", "Karim Courier", zone="north")
    buyer = new_customer(gateway)
    product = new_product(gateway, seller)

    quoted = gateway.post(
        "/api/shipping/quote",
        json={"items": [{"product_id": product, "quantity": 2}], "zone": "north"},
    )
    assert quoted.status_code == 200, quoted.text
    order = place_order(gateway, buyer, product, quantity=2)
    order_id = order["order_id"]
    assert order["status"] == "paid"
    assert Decimal(order_detail(gateway, buyer, order_id)["shipping_cost"]) == Decimal(
        quoted.json()["cost"]
    )

    shipment = shipment_of(gateway, buyer, order_id)
    assert shipment["status"] == "pending"
    assert shipment["zone"] == "north"
    tracking = f"/api/shipping/track/{shipment['tracking_number']}"
    assert gateway.get(tracking).json()["status"] == "pending"

    pool = gateway.get("/api/shipping/shipments", headers=courier)
    assert shipment["id"] in {s["id"] for s in pool.json()["items"]}

    for action, status in [
        ("pickup", "picked_up"),
        ("out-for-delivery", "out_for_delivery"),
        ("deliver", "delivered"),
    ]:
        answer = gateway.post(f"/api/shipping/shipments/{shipment['id']}/{action}", headers=courier)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status
        wait_until(
            lambda status=status: order_detail(gateway, buyer, order_id)["status"] == status,
            20,
            f"the order to become {status}",
        )
        detail = order_detail(gateway, buyer, order_id)
        assert status in [step["status"] for step in detail["history"]]
        assert detail["shipment"]["status"] == status
        tracked = gateway.get(tracking)
        assert tracked.status_code == 200
        assert tracked.json()["status"] == status
        assert tracked.json()["events"][-1]["status"] == status

    text = gateway.get(tracking).text
    for private in ["Rania", "Spice Market", "Alexandria", "111 222", "Karim", courier_id]:
        assert private not in text

    mine = gateway.get(f"/api/shipping/shipments/{shipment['id']}", headers=buyer).json()
    assert mine["courier"] == {"id": courier_id, "name": "Karim Courier"}
    assert [e["status"] for e in mine["events"]] == [
        "pending",
        "picked_up",
        "out_for_delivery",
        "delivered",
    ]
    stranger = gateway.get(
        f"/api/shipping/shipments/{shipment['id']}", headers=new_customer(gateway)
    )
    assert stranger.status_code == 404

    _, idle_id = new_staff(gateway, admin, "courier", "Idle Courier", zone="south")
    board = gateway.get("/api/shipping/couriers?per_page=100", headers=admin).json()["items"]
    mine_on_board = next(c for c in board if c["courier_id"] == courier_id)
    assert mine_on_board["completed_deliveries"] == 1
    assert mine_on_board["active_deliveries"] == 0
    assert mine_on_board["name"] == "Karim Courier"
    idle_on_board = next(c for c in board if c["courier_id"] == idle_id)
    assert idle_on_board["name"] == "Idle Courier" and idle_on_board["zone"] == "south"
    assert idle_on_board["active_deliveries"] == idle_on_board["completed_deliveries"] == 0

    again = gateway.post(f"/api/shipping/shipments/{shipment['id']}/deliver", headers=courier)
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"


def test_the_wrong_people_and_the_wrong_order_of_steps_are_refused(gateway, admin, seller):
    courier, _ = new_staff(gateway, admin, "courier", "First Courier", zone="north")
    other, _ = new_staff(gateway, admin, "courier", "Other Courier", zone="north")
    buyer = new_customer(gateway)
    order = place_order(gateway, buyer, new_product(gateway, seller))
    shipment = shipment_of(gateway, buyer, order["order_id"])
    path = f"/api/shipping/shipments/{shipment['id']}"

    early = gateway.post(f"{path}/deliver", headers=courier)
    assert early.status_code == 409
    assert early.json()["code"] == "illegal_transition"
    assert gateway.post(f"{path}/pickup", headers=buyer).status_code == 403
    assert gateway.post(f"{path}/pickup", headers=courier).status_code == 200
    taken = gateway.post(f"{path}/pickup", headers=other)
    assert taken.status_code == 409
    assert taken.json()["code"] == "already_picked_up"
    assert gateway.post(f"{path}/out-for-delivery", headers=other).status_code == 403

    wait_until(
        lambda: order_detail(gateway, buyer, order["order_id"])["status"] == "picked_up",
        20,
        "the order to be picked up",
    )
    cancelled = gateway.post(f"/api/orders/{order['order_id']}/cancel", headers=buyer)
    assert cancelled.status_code == 409
    assert gateway.get("/api/shipping/track/SKAAAAAAAAAAAA").status_code == 404


def test_ten_couriers_race_for_one_parcel_and_exactly_one_gets_it(gateway, admin, seller):
    couriers = [new_staff(gateway, admin, "courier", f"Racer {n}", zone="north") for n in range(10)]
    buyer = new_customer(gateway)
    order = place_order(gateway, buyer, new_product(gateway, seller))
    shipment = shipment_of(gateway, buyer, order["order_id"])

    barrier = threading.Barrier(len(couriers))
    results: list[tuple[int, str | None, str]] = []
    lock = threading.Lock()

    def pick_up(headers: dict[str, str], courier_id: str) -> None:
        with GatewaySession(gateway.base_url) as own:
            barrier.wait()
            answer = own.post(f"/api/shipping/shipments/{shipment['id']}/pickup", headers=headers)
        with lock:
            results.append((answer.status_code, answer.json().get("code"), courier_id))

    threads = [threading.Thread(target=pick_up, args=courier) for courier in couriers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _, _ in results)
    assert statuses == [200] + [409] * 9
    assert {code for status, code, _ in results if status == 409} == {"already_picked_up"}
    winner = next(courier_id for status, _, courier_id in results if status == 200)

    wait_until(
        lambda: order_detail(gateway, buyer, order["order_id"])["status"] == "picked_up",
        20,
        "the order to be picked up",
    )
    seen = gateway.get(f"/api/shipping/shipments/{shipment['id']}", headers=admin).json()
    assert seen["courier"]["id"] == winner
    assert [e["status"] for e in seen["events"]] == ["pending", "picked_up"]
