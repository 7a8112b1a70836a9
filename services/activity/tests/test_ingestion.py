import json
import uuid
from datetime import UTC, datetime, timedelta

from souk_kit.db import database_of
from souk_kit.testing import schema_drift
from sqlalchemy import func, select

from services.activity.models import Base, Event
from services.activity.service import FixedWindowLimiter
from services.activity.tests.conftest import message

NOW = datetime.now(UTC)


def count_events(app, **filters) -> int:
    with database_of(app).new_session() as session:
        statement = select(func.count()).select_from(Event)
        for name, value in filters.items():
            statement = statement.where(getattr(Event, name) == value)
        return session.scalar(statement) or 0


def stored(app, event_id: str) -> Event | None:
    with database_of(app).new_session() as session:
        return session.scalar(select(Event).where(Event.event_id == uuid.UUID(event_id)))


def test_a_redelivered_batch_is_stored_only_once(app, deliver):
    user = uuid.uuid4()
    batch = [message("login", NOW, user_id=user) for _ in range(3)]
    assert deliver(*batch) == {"received": 3, "applied": 3, "skipped": 0}
    extra = message("order_placed", NOW, user_id=user)
    assert deliver(*batch, extra) == {"received": 4, "applied": 1, "skipped": 0}
    assert count_events(app, user_id=user) == 4


def test_the_same_event_twice_in_one_batch_counts_once(app, deliver):
    twice = message("register", NOW, user_id=uuid.uuid4())
    assert deliver(twice, twice)["applied"] == 1


def test_server_events_keep_their_user_product_metadata_and_time(app, deliver):
    user, product = uuid.uuid4(), uuid.uuid4()
    at = NOW - timedelta(days=3)
    sent = message("add_to_cart", at, user_id=user, product_id=product, metadata={"quantity": 2})
    deliver(sent)
    event = stored(app, sent["event_id"])
    assert event is not None
    assert (event.type, event.user_id, event.product_id) == ("add_to_cart", user, product)
    assert event.meta == {"quantity": 2}
    assert abs(event.at - at) < timedelta(milliseconds=1)


def test_a_message_that_is_not_an_event_is_skipped_not_refused(app, deliver):
    bad = message("x", NOW)
    bad["payload"]["type"] = "DROP TABLE"
    missing = {"event_id": str(uuid.uuid4()), "payload": {"user_id": None}}
    good = message("login", NOW, user_id=uuid.uuid4())
    assert deliver(bad, missing, good) == {"received": 3, "applied": 1, "skipped": 2}


def test_malformed_ids_and_times_in_a_payload_are_tolerated(app, deliver):
    odd = message("login", NOW)
    odd["payload"].update(user_id="not-a-uuid", product_id=42, at="yesterday", metadata=[1])
    deliver(odd)
    event = stored(app, odd["event_id"])
    assert event is not None
    assert event.user_id is None and event.product_id is None
    assert event.meta == {}
    assert abs(event.at - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_malformed_batch_is_a_400(client, internal_headers):
    for body in [{"messages": [{"event_id": "nope", "payload": {}}]}, {"nothing": []}]:
        answer = client.post("/internal/activity/events", json=body, headers=internal_headers)
        assert answer.status_code == 400


def test_the_receiver_needs_the_service_token(client):
    answer = client.post("/internal/activity/events", json={"messages": []})
    assert answer.status_code == 404


def test_anyone_may_post_a_product_view_and_the_server_sets_the_time(app, client):
    product = uuid.uuid4()
    answer = client.post(
        "/api/activity/events",
        json={"type": "product_view", "product_id": str(product), "at": "2001-01-01T00:00:00Z"},
    )
    assert answer.status_code == 202
    assert answer.json["status"] == "accepted"
    event = stored(app, answer.json["event_id"])
    assert event is not None
    assert event.user_id is None
    assert event.product_id == product
    assert event.at.year == datetime.now(UTC).year


def test_the_user_comes_from_the_token_never_from_the_body(app, client, tokens):
    user = uuid.uuid4()
    answer = client.post(
        "/api/activity/events",
        json={"type": "search", "metadata": {"q": "lamp"}, "user_id": str(uuid.uuid4())},
        headers=tokens.headers("customer", user_id=str(user)),
    )
    assert answer.status_code == 202
    event = stored(app, answer.json["event_id"])
    assert event is not None
    assert event.user_id == user
    assert event.meta == {"q": "lamp"}


def test_a_bad_token_is_refused_even_though_a_token_is_optional(client):
    answer = client.post(
        "/api/activity/events",
        json={"type": "search"},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert answer.status_code == 401


def test_unknown_and_server_side_types_are_refused_from_clients(app, client):
    unknown = client.post("/api/activity/events", json={"type": "teleport"})
    assert unknown.status_code == 400
    assert unknown.json["code"] == "unknown_event_type"
    for server_type in ["order_placed", "login", "add_to_cart", "shipment_delivered"]:
        answer = client.post(
            "/api/activity/events", json={"type": server_type, "product_id": str(uuid.uuid4())}
        )
        assert answer.status_code == 400
        assert answer.json["code"] == "server_side_event_type"
        assert "type" in answer.json["details"]["fields"]
    assert count_events(app) == 0


def test_product_events_must_name_a_valid_product(client):
    for body in [
        {"type": "product_view"},
        {"type": "product_click", "product_id": None},
        {"type": "product_view", "product_id": "nope"},
    ]:
        answer = client.post("/api/activity/events", json=body)
        assert answer.status_code == 400
        assert "product_id" in answer.json["details"]["fields"]


def test_metadata_must_be_a_small_json_object(client):
    too_many = {f"k{i}": i for i in range(21)}
    answer = client.post("/api/activity/events", json={"type": "search", "metadata": too_many})
    assert answer.status_code == 400
    assert "metadata" in answer.json["details"]["fields"]

    twenty = {f"k{i}": i for i in range(20)}
    assert (
        client.post("/api/activity/events", json={"type": "search", "metadata": twenty}).status_code
        == 202
    )

    big = {"q": "x" * 2048}
    assert len(json.dumps(big)) > 2048
    answer = client.post("/api/activity/events", json={"type": "search", "metadata": big})
    assert answer.status_code == 413
    assert answer.json["code"] == "metadata_too_large"

    # Multi-byte characters count as the bytes they take.
    wide = {"q": "é" * 1025}
    assert (
        client.post("/api/activity/events", json={"type": "search", "metadata": wide}).status_code
        == 413
    )

    for not_an_object in [["a"], "text", 3]:
        answer = client.post(
            "/api/activity/events", json={"type": "search", "metadata": not_an_object}
        )
        assert answer.status_code == 400


def nested(arrays: int) -> dict[str, object]:
    """Metadata nesting 1 + `arrays` deep: an object holding arrays inside one another."""
    value: object = "x"
    for _ in range(arrays):
        value = [value]
    return {"a": value}


def test_deeply_nested_metadata_is_refused_so_the_event_log_stays_readable(client, tokens):
    # 300 levels fit in 2 KB but could not be serialized back out of the event log.
    deep: object = "bottom"
    for _ in range(300):
        deep = {"d": deep}
    # The kit refuses any body nested past its own limit before the service looks at it.
    answer = client.post("/api/activity/events", json={"type": "search", "metadata": deep})
    assert answer.status_code == 400
    answer = client.post("/api/activity/events", json={"type": "search", "metadata": nested(8)})
    assert answer.status_code == 400
    assert answer.json["details"]["fields"] == {"metadata": "nested too deeply"}

    accepted = client.post("/api/activity/events", json={"type": "search", "metadata": nested(7)})
    assert accepted.status_code == 202
    log = client.get("/api/activity/events", headers=tokens.headers("admin"))
    assert log.status_code == 200
    assert [e["metadata"] for e in log.json["items"]] == [nested(7)]


def test_client_events_are_rate_limited_per_user_and_per_ip(app, client, tokens):
    clock = [0.0]
    app.extensions["activity_limiter"] = FixedWindowLimiter(3, 60.0, clock=lambda: clock[0])
    user = tokens.headers("customer")
    for _ in range(3):
        assert (
            client.post("/api/activity/events", json={"type": "search"}, headers=user).status_code
            == 202
        )
    limited = client.post("/api/activity/events", json={"type": "search"}, headers=user)
    assert limited.status_code == 429
    assert limited.json["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60

    # Another user, and an anonymous visitor from some IP, have their own counts.
    assert (
        client.post(
            "/api/activity/events", json={"type": "search"}, headers=tokens.headers("customer")
        ).status_code
        == 202
    )
    ip = {"X-Real-IP": "203.0.113.9"}
    for _ in range(3):
        assert (
            client.post("/api/activity/events", json={"type": "search"}, headers=ip).status_code
            == 202
        )
    assert (
        client.post("/api/activity/events", json={"type": "search"}, headers=ip).status_code == 429
    )
    assert (
        client.post(
            "/api/activity/events", json={"type": "search"}, headers={"X-Real-IP": "203.0.113.10"}
        ).status_code
        == 202
    )

    clock[0] += 61
    assert (
        client.post("/api/activity/events", json={"type": "search"}, headers=user).status_code
        == 202
    )


def test_health_and_openapi_answer(client):
    assert client.get("/api/activity/health").json["status"] == "ok"
    doc = client.get("/api/activity/openapi.json").json
    assert "/api/activity/recommendations" in doc["paths"]
    assert "ClientEventBody" in doc["components"]["schemas"]
    stats_parameters = doc["paths"]["/api/activity/stats"]["get"]["parameters"]
    assert {p["name"] for p in stats_parameters} == {"from", "to"}


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []
