import re
import uuid

from souk_kit.testing import schema_drift
from sqlalchemy import select

from services.shipping.clients import ZoneCache
from services.shipping.models import Base, OutboxMessage


def test_checkout_creates_a_pending_shipment_with_an_unguessable_tracking_number(new_shipment):
    first, second = new_shipment(), new_shipment()
    assert first["status"] == "pending"
    assert re.fullmatch(r"SK[A-Z2-7]{12}", first["tracking_number"])
    assert first["tracking_number"] != second["tracking_number"]


def test_the_same_order_again_answers_200_with_the_same_shipment(client, internal_headers):
    body = {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "zone": "north"}
    first = client.post("/internal/shipping/shipments", json=body, headers=internal_headers)
    again = client.post("/internal/shipping/shipments", json=body, headers=internal_headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json


def test_a_shipment_to_an_unknown_zone_or_without_an_order_is_refused(client, internal_headers):
    base = {"order_id": str(uuid.uuid4()), "user_id": str(uuid.uuid4())}
    unknown = client.post(
        "/internal/shipping/shipments", json={**base, "zone": "mars"}, headers=internal_headers
    )
    assert unknown.status_code == 400
    assert unknown.json["code"] == "unknown_zone"
    missing = client.post(
        "/internal/shipping/shipments", json={"user_id": base["user_id"]}, headers=internal_headers
    )
    assert missing.status_code == 400
    assert "order_id" in missing.json["details"]["fields"]


def test_the_internal_lookup_by_order_shows_status_courier_and_events(
    client, internal_headers, new_shipment
):
    shipment = new_shipment()
    answer = client.get(
        f"/internal/shipping/shipments/by-order/{shipment['order_id']}", headers=internal_headers
    )
    assert answer.status_code == 200
    assert answer.json["id"] == shipment["id"]
    assert answer.json["tracking_number"] == shipment["tracking_number"]
    assert answer.json["courier_id"] is None
    assert [e["status"] for e in answer.json["events"]] == ["pending"]
    for unknown in [str(uuid.uuid4()), "not-an-id"]:
        missing = client.get(
            f"/internal/shipping/shipments/by-order/{unknown}", headers=internal_headers
        )
        assert missing.status_code == 404


def test_cancelling_a_pending_shipment_is_idempotent(client, internal_headers, new_shipment):
    shipment = new_shipment()
    path = f"/internal/shipping/shipments/by-order/{shipment['order_id']}/cancel"
    first = client.post(path, headers=internal_headers)
    again = client.post(path, headers=internal_headers)
    assert first.status_code == again.status_code == 200
    assert first.json == {"status": "cancelled"}
    lookup = client.get(
        f"/internal/shipping/shipments/by-order/{shipment['order_id']}", headers=internal_headers
    ).json
    assert lookup["status"] == "cancelled"
    assert [e["status"] for e in lookup["events"]] == ["pending", "cancelled"]


def test_a_picked_up_shipment_cannot_be_cancelled(
    client, internal_headers, new_shipment, tokens, fake_users
):
    shipment = new_shipment()
    courier = fake_users.courier()
    client.post(
        f"/api/shipping/shipments/{shipment['id']}/pickup",
        headers=tokens.headers("courier", user_id=str(courier)),
    )
    answer = client.post(
        f"/internal/shipping/shipments/by-order/{shipment['order_id']}/cancel",
        headers=internal_headers,
    )
    assert answer.status_code == 409
    assert answer.json["code"] == "already_picked_up"


def test_cancelling_an_unknown_order_is_404(client, internal_headers):
    answer = client.post(
        f"/internal/shipping/shipments/by-order/{uuid.uuid4()}/cancel", headers=internal_headers
    )
    assert answer.status_code == 404


def test_a_cancelled_shipment_cannot_be_picked_up(
    client, internal_headers, new_shipment, tokens, fake_users
):
    shipment = new_shipment()
    client.post(
        f"/internal/shipping/shipments/by-order/{shipment['order_id']}/cancel",
        headers=internal_headers,
    )
    answer = client.post(
        f"/api/shipping/shipments/{shipment['id']}/pickup",
        headers=tokens.headers("courier", user_id=str(fake_users.courier())),
    )
    assert answer.status_code == 409
    assert answer.json["code"] == "illegal_transition"


def test_creating_and_cancelling_tell_nobody_through_the_outbox(
    client, internal_headers, new_shipment, db_session
):
    shipment = new_shipment()
    client.post(
        f"/internal/shipping/shipments/by-order/{shipment['order_id']}/cancel",
        headers=internal_headers,
    )
    assert db_session.scalars(select(OutboxMessage)).all() == []


def test_public_tracking_shows_the_steps_and_nothing_personal(client, new_shipment):
    shipment = new_shipment()
    answer = client.get(f"/api/shipping/track/{shipment['tracking_number']}")
    assert answer.status_code == 200
    assert set(answer.json) == {"tracking_number", "status", "events"}
    assert answer.json["status"] == "pending"
    assert answer.json["events"][0]["at"].endswith("Z")
    text = answer.get_data(as_text=True)
    for secret in ["Souk Street", "Cairo", "+20", shipment["user_id"], shipment["order_id"]]:
        assert secret not in text
    lower = client.get(f"/api/shipping/track/{shipment['tracking_number'].lower()}")
    assert lower.status_code == 200


def test_an_unknown_or_malformed_tracking_number_is_404(client):
    for number in ["SKAAAAAAAAAAAA", "nope", "SK' OR 1=1 --"]:
        answer = client.get(f"/api/shipping/track/{number}")
        assert answer.status_code == 404
        assert answer.json["code"] == "not_found"


def test_the_zone_cache_asks_again_only_after_a_minute():
    clock = [100.0]
    cache = ZoneCache(60.0, clock=lambda: clock[0])
    asked: list[str] = []
    courier = uuid.uuid4()

    def fetch(zone: str):
        def answer() -> str:
            asked.append(zone)
            return zone

        return answer

    assert cache.get(courier, fetch("north")) == "north"
    clock[0] += 59
    assert cache.get(courier, fetch("south")) == "north"
    clock[0] += 2
    assert cache.get(courier, fetch("south")) == "south"
    assert asked == ["north", "south"]


def test_health_and_openapi_answer(client):
    assert client.get("/api/shipping/health").json["status"] == "ok"
    doc = client.get("/api/shipping/openapi.json").json
    assert "/api/shipping/shipments/{shipment_id}/pickup" in doc["paths"]
    assert "QuoteBody" in doc["components"]["schemas"]


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []
