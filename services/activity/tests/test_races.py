"""Redelivery races with real commits: the outbox relay of two replicas may hand the same
batch over at the same moment."""

import threading
import uuid
from datetime import UTC, datetime

from souk_kit.db import database_of
from sqlalchemy import create_engine, text

from services.activity.app import create_app
from services.activity.tests.conftest import message


def test_the_same_batch_delivered_concurrently_is_stored_once(
    service_env, migrated_url, internal_headers
):
    app = create_app()
    user = uuid.uuid4()
    batch = {"messages": [message("login", datetime.now(UTC), user_id=user) for _ in range(50)]}
    barrier = threading.Barrier(6)
    answers: list[dict] = []

    def deliver() -> None:
        barrier.wait()
        answer = app.test_client().post(
            "/internal/activity/events", json=batch, headers=internal_headers
        )
        assert answer.status_code == 200 and answer.json is not None
        answers.append(answer.json)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(answers) == 6
        assert sum(a["applied"] for a in answers) == 50
        engine = create_engine(migrated_url)
        with engine.connect() as connection:
            stored = connection.scalar(
                text("SELECT count(*) FROM activity.events WHERE user_id = :u"), {"u": user}
            )
        assert stored == 50
    finally:
        database_of(app).engine.dispose()
        engine = create_engine(migrated_url)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM activity.events WHERE user_id = :u"), {"u": user})
        engine.dispose()


def at_once(calls: list) -> list:
    """Run every call in its own thread, released together; their answers."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_two_switches_turned_at_once_both_hold(service_env, migrated_url, tokens):
    app = create_app()
    user = uuid.uuid4()
    headers = tokens.headers(user_id=str(user))
    path = "/api/notifications/preferences/order_delivered"
    try:
        answers = at_once(
            [
                lambda: app.test_client().put(path, json={"inbox": False}, headers=headers),
                lambda: app.test_client().put(path, json={"email": False}, headers=headers),
            ]
        )
        assert [a.status_code for a in answers] == [200, 200]
        listed = app.test_client().get("/api/notifications/preferences", headers=headers).json
        assert listed is not None
        delivered = next(p for p in listed["items"] if p["kind"] == "order_delivered")
        assert (delivered["inbox"], delivered["email"]) == (False, False)
    finally:
        database_of(app).engine.dispose()
        engine = create_engine(migrated_url)
        with engine.begin() as connection:
            connection.execute(
                text("DELETE FROM activity.notification_preferences WHERE user_id = :u"),
                {"u": user},
            )
        engine.dispose()


def test_registering_at_once_cannot_pass_the_shops_endpoint_limit(
    service_env, migrated_url, tokens, monkeypatch
):
    monkeypatch.setenv("SOUK_WEBHOOKS_ALLOW_LOOPBACK", "1")
    app = create_app()
    seller = uuid.uuid4()
    headers = tokens.headers("seller", user_id=str(seller))

    def register(n: int):
        body = {"url": f"http://127.0.0.1:9/{n}", "events": ["order.created"]}
        return lambda: app.test_client().post("/api/webhooks", json=body, headers=headers)

    try:
        answers = at_once([register(n) for n in range(14)])
        codes = sorted(a.status_code for a in answers)
        assert codes == [201] * 10 + [409] * 4
    finally:
        database_of(app).engine.dispose()
        engine = create_engine(migrated_url)
        with engine.begin() as connection:
            connection.execute(
                text("DELETE FROM activity.webhook_endpoints WHERE seller_id = :s"), {"s": seller}
            )
        engine.dispose()
