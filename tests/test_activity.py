"""Activity through the gateway: a customer's journey (views, a search, cart, order) shows up
in the staff's log, the stats and the recommendations, and in the customer's recent views."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PASSWORD, GatewaySession, new_staff, sign_in, wait_until

pytestmark = pytest.mark.e2e


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def seller(gateway: GatewaySession, admin: dict[str, str]) -> dict[str, str]:
    return new_staff(gateway, admin, "seller", "Shop keeper", shop_name="Activity shop")[0]


def new_customer(gateway: GatewaySession) -> tuple[dict[str, str], str]:
    email = f"activity-buyer-{uuid.uuid4().hex[:8]}@example.com"
    registered = gateway.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Browser"}
    )
    assert registered.status_code == 201, registered.text
    return sign_in(gateway, email), registered.json()["user_id"]


def new_product(gateway: GatewaySession, seller: dict[str, str], name: str) -> str:
    answer = gateway.post(
        "/api/products",
        json={"name": f"{name} {uuid.uuid4().hex[:6]}", "price": "12.50", "stock": 10},
        headers=seller,
    )
    assert answer.status_code == 201, answer.text
    product_id = answer.json()["id"]
    wait_until(
        lambda: gateway.get(f"/api/inventory/{product_id}", headers=seller).status_code == 200,
        20,
        "inventory to hold the new product's stock",
    )
    return product_id


def track(gateway: GatewaySession, headers: dict[str, str] | None, body: dict) -> None:
    answer = gateway.post("/api/activity/events", json=body, headers=headers or {})
    assert answer.status_code == 202, answer.text


def logged_types(gateway: GatewaySession, admin: dict[str, str], user_id: str) -> list[str]:
    answer = gateway.get(f"/api/activity/events?user_id={user_id}&per_page=100", headers=admin)
    assert answer.status_code == 200, answer.text
    return [event["type"] for event in answer.json()["items"]]


def test_a_shopping_journey_shows_up_in_the_log_stats_and_recommendations(gateway, admin, seller):
    started = datetime.now(UTC) - timedelta(seconds=5)
    buyer, user_id = new_customer(gateway)
    lamp = new_product(gateway, seller, "Lamp")
    shade = new_product(gateway, seller, "Shade")
    bulb = new_product(gateway, seller, "Bulb")

    track(gateway, buyer, {"type": "search", "metadata": {"q": "lamp"}})
    track(gateway, buyer, {"type": "product_view", "product_id": lamp})
    track(gateway, buyer, {"type": "product_view", "product_id": shade})
    for product in (lamp, bulb):
        added = gateway.post(
            "/api/cart", json={"product_id": product, "quantity": 1}, headers=buyer
        )
        assert added.status_code == 201, added.text
    placed = gateway.post("/api/orders", json={}, headers=buyer)
    assert placed.status_code == 201, placed.text

    # Server-side events travel by the outbox of auth, cart and orders (each replica's relay
    # sends its own, so they may arrive in any order).
    def journey_logged() -> bool:
        types = logged_types(gateway, admin, user_id)
        return {"login", "order_placed"} <= set(types) and types.count("add_to_cart") == 2

    wait_until(journey_logged, 30, "the journey's server-side events to reach the log")
    types = logged_types(gateway, admin, user_id)
    assert types.count("product_view") == 2
    assert "search" in types

    recent = gateway.get("/api/activity/me/recent", headers=buyer)
    assert recent.status_code == 200, recent.text
    assert [item["product_id"] for item in recent.json()["items"]] == [shade, lamp]
    assert recent.json()["items"][0]["product"]["name"].startswith("Shade")

    together = gateway.get(f"/api/activity/recommendations?product_id={lamp}")
    assert together.status_code == 200, together.text
    ranked = {item["product_id"]: item for item in together.json()["items"]}
    assert ranked[bulb]["bought_together"] >= 1
    assert ranked[shade]["viewed_together"] >= 1
    order = [item["product_id"] for item in together.json()["items"]]
    assert order.index(bulb) < order.index(shade)

    stats = gateway.get(
        "/api/activity/stats",
        params={"from": iso(started), "to": iso(datetime.now(UTC) + timedelta(minutes=1))},
        headers=admin,
    )
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["by_type"]["product_view"] >= 2
    assert body["by_type"]["order_placed"] >= 1
    assert body["by_day"][-1]["day"] == datetime.now(UTC).date().isoformat()
    funnel = {step["type"]: step for step in body["funnel"]}
    assert funnel["product_view"]["users"] >= 1
    assert funnel["add_to_cart"]["events"] >= 2
    assert funnel["order_placed"]["users"] >= 1


def test_clients_may_only_send_client_events(gateway):
    buyer, _ = new_customer(gateway)
    anonymous = gateway.post(
        "/api/activity/events", json={"type": "product_view", "product_id": str(uuid.uuid4())}
    )
    assert anonymous.status_code == 202
    forged = gateway.post(
        "/api/activity/events",
        json={"type": "order_placed", "metadata": {"product_ids": []}},
        headers=buyer,
    )
    assert forged.status_code == 400
    assert forged.json()["code"] == "server_side_event_type"
    unknown = gateway.post("/api/activity/events", json={"type": "teleport"})
    assert unknown.status_code == 400
    big = gateway.post(
        "/api/activity/events", json={"type": "search", "metadata": {"q": "x" * 3000}}
    )
    assert big.status_code == 413
    assert big.json()["code"] == "metadata_too_large"


def test_the_log_and_stats_are_for_staff_and_recent_views_for_signed_in_users(gateway):
    buyer, _ = new_customer(gateway)
    assert gateway.get("/api/activity/stats", headers=buyer).status_code == 403
    assert gateway.get("/api/activity/events", headers=buyer).status_code == 403
    assert gateway.get("/api/activity/me/recent").status_code == 401
    assert gateway.get("/api/activity/recommendations?product_id=nope").status_code == 400
