"""Redelivery races with real commits: the outbox relay of two replicas may hand the same
batch over at the same moment."""

import threading
import uuid
from datetime import UTC, datetime

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
        assert answer.status_code == 200
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
        app.extensions["souk_db"].engine.dispose()
        engine = create_engine(migrated_url)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM activity.events WHERE user_id = :u"), {"u": user})
        engine.dispose()
