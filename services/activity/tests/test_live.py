"""Live updates as the activity service stores them for its streams."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from souk_kit.db import database_of
from sqlalchemy import make_url, update

from services.activity.models import LiveEvent
from services.activity.service import live
from services.activity.service.live import StreamEvent
from services.activity.stream.hub import LiveHub
from services.activity.tests.conftest import iso

NOW = datetime.now(UTC)


def live_message(kind: str, data: dict, *, user_id=None, product_id=None, at=NOW) -> dict:
    """One outbox message as `souk_kit.outbox.send_live_event` writes it."""
    return {
        "event_id": str(uuid.uuid4()),
        "payload": {
            "kind": kind,
            "user_id": str(user_id) if user_id else None,
            "product_id": str(product_id) if product_id else None,
            "data": data,
            "at": iso(at),
        },
    }


def send(client, internal_headers, *messages: dict):
    return client.post(
        "/internal/activity/live", json={"messages": list(messages)}, headers=internal_headers
    )


def test_each_message_is_stored_once_in_arrival_order(app, client, internal_headers):
    buyer, lamp = uuid.uuid4(), uuid.uuid4()
    paid = live_message("order.status", {"status": "paid"}, user_id=buyer)
    level = live_message("stock.level", {"available": 3}, product_id=lamp)
    shipped = live_message("order.status", {"status": "picked_up"}, user_id=buyer)

    assert send(client, internal_headers, paid, level).json == {"received": 2, "applied": 2}
    assert send(client, internal_headers, paid, shipped).json == {"received": 2, "applied": 1}

    with database_of(app).new_session() as session:
        connection = session.connection()
        everything = live.events_after(connection, 0, 100)
        for_buyer = live.missed(connection, buyer, [], 0, everything[-1].seq, 100)
        for_watcher = live.missed(connection, None, [lamp], 0, everything[-1].seq, 100)
        both = live.missed(connection, buyer, [lamp], everything[0].seq, everything[-1].seq, 100)
    assert [e.kind for e in everything][-3:] == ["order.status", "stock.level", "order.status"]
    assert [e.data["status"] for e in for_buyer] == ["paid", "picked_up"]
    assert [e.data for e in for_watcher] == [{"available": 3}]
    assert [e.kind for e in both] == ["stock.level", "order.status"]  # after the first only


def test_a_message_without_an_audience_or_kind_is_refused_and_nothing_is_stored(
    app, client, internal_headers
):
    good = live_message("order.status", {"status": "paid"}, user_id=uuid.uuid4())
    nobody = live_message("order.status", {"status": "paid"})
    no_kind = live_message("Order Status!", {"status": "paid"}, user_id=uuid.uuid4())
    for bad in (nobody, no_kind):
        answer = send(client, internal_headers, good, bad)
        assert answer.status_code == 400
        assert answer.json["code"] == "validation_error"
    with database_of(app).new_session() as session:
        assert live.events_after(session.connection(), 0, 100) == []


def test_events_older_than_the_keeping_time_are_forgotten(app, client, internal_headers):
    old = live_message("stock.level", {"available": 1}, product_id=uuid.uuid4())
    new = live_message("stock.level", {"available": 2}, product_id=uuid.uuid4())
    send(client, internal_headers, old, new)
    db = database_of(app)
    with db.transaction() as session:
        session.execute(
            update(LiveEvent)
            .where(LiveEvent.message_id == uuid.UUID(old["event_id"]))
            .values(at=NOW - timedelta(hours=25))
        )
        assert live.forget_old(session, keep_hours=24) == 1
    with db.new_session() as session:
        assert [e.data for e in live.events_after(session.connection(), 0, 100)] == [
            {"available": 2}
        ]


class FakeListener:
    """The hub's LISTEN connection, as far as `LiveHub._notified` uses it."""

    def __init__(self) -> None:
        self.notifies: list[SimpleNamespace] = []

    def poll(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_a_hub_with_no_stream_open_follows_the_notifications_without_reading(monkeypatch):
    buyer = uuid.uuid4()
    stored = [StreamEvent(8, "order.paid", buyer, None, {"n": 2})]
    reads: list[int] = []

    def read_after(hub: LiveHub, seq: int) -> list[StreamEvent]:
        reads.append(seq)
        return [event for event in stored if event.seq > seq]

    monkeypatch.setattr(LiveHub, "_read_after", read_after)

    async def scenario() -> list[StreamEvent | None]:
        database = SimpleNamespace(engine=SimpleNamespace(url=make_url("postgresql:///unused")))
        hub = LiveHub(database, revocations=None, refresh_seconds=60)  # type: ignore[arg-type]
        hub._listener = listener = FakeListener()  # type: ignore[assignment]
        hand_out = asyncio.create_task(hub._hand_out())
        try:
            listener.notifies.append(SimpleNamespace(payload="7"))
            hub._notified()
            await until(lambda: hub.cursor == 7)
            assert reads == []  # nobody listening: the cursor moved without a read

            subscription = hub.subscribe(buyer, [])
            listener.notifies.append(SimpleNamespace(payload="8"))
            hub._notified()
            event = await asyncio.wait_for(subscription.queue.get(), 5)
            assert reads == [7]
            return [event]
        finally:
            hand_out.cancel()
            await asyncio.gather(hand_out, return_exceptions=True)

    assert asyncio.run(scenario()) == stored


async def until(condition) -> None:
    """Lets the event loop run (at most 5 s) until `condition` holds."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)
