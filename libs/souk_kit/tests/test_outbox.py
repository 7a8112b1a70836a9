"""The outbox against real PostgreSQL (schema `kit_test`) and a real local HTTP receiver."""

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Blueprint, Flask
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import func, select, text

from souk_kit.outbox import (
    MAX_RECEIVED_BATCH,
    OutboxRelay,
    forget_processed,
    init_outbox,
    receive,
    record_event,
    send_later,
)
from souk_kit.tests.conftest import Reply
from souk_kit.tests.models import OutboxMessage, ProcessedMessage


@pytest.fixture
def database(kit_tables, make_database, fake_service):
    return make_database(internal_url=fake_service.url)


@pytest.fixture
def relay(database, make_settings, fake_service) -> OutboxRelay:
    return OutboxRelay(database, OutboxMessage, make_settings(internal_url=fake_service.url))


def queue(database, *messages: tuple[str, str, dict]) -> list[str]:
    """Commits `send_later` for each (destination, path, payload); returns their event ids."""
    with database.transaction() as session:
        for destination, path, payload in messages:
            send_later(session, OutboxMessage, destination, path, payload)
    with database.new_session() as session:
        ids = session.scalars(select(OutboxMessage.event_id).order_by(OutboxMessage.id)).all()
    return [str(event_id) for event_id in ids]


def outbox_rows(database) -> list[OutboxMessage]:
    with database.new_session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_send_later_is_committed_with_the_callers_work_and_not_without_it(database):
    with database.new_session() as session:
        with session.begin():
            send_later(session, OutboxMessage, "products", "/stock", {"n": 1})
        try:
            with session.begin():
                send_later(session, OutboxMessage, "products", "/stock", {"n": 2})
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert [row.payload for row in outbox_rows(database)] == [{"n": 1}]


def test_deliver_due_posts_one_batch_per_destination_and_path_and_deletes_them(
    database, relay, fake_service
):
    ids = queue(
        database,
        ("inventory", "/stock-changes", {"n": 1}),
        ("products", "/stock-levels", {"n": 2}),
        ("inventory", "/stock-changes", {"n": 3}),
        ("products", "/other", {"n": 4}),
    )
    assert relay.deliver_due() == 4

    batches = {(hit.method, hit.path): hit for hit in fake_service.hits}
    assert len(fake_service.hits) == 3
    inventory = batches[("POST", "/internal/inventory/stock-changes")]
    assert inventory.body == {
        "messages": [
            {"event_id": ids[0], "payload": {"n": 1}},
            {"event_id": ids[2], "payload": {"n": 3}},
        ]
    }
    assert inventory.headers["idempotency-key"] == ids[0]
    assert batches[("POST", "/internal/products/stock-levels")].body["messages"] == [
        {"event_id": ids[1], "payload": {"n": 2}}
    ]
    assert batches[("POST", "/internal/products/other")].body["messages"][0]["event_id"] == ids[3]
    assert outbox_rows(database) == []


def test_a_failing_receiver_leaves_the_rows_for_a_later_attempt(database, relay, fake_service):
    fake_service.default = Reply(500, {"error": "down"})
    queue(database, ("activity", "/events", {"n": 1}), ("activity", "/events", {"n": 2}))

    assert relay.deliver_due() == 0
    assert len(fake_service.hits) == 1
    rows = outbox_rows(database)
    assert [row.attempts for row in rows] == [1, 1]
    with database.new_session() as session:
        later = session.scalar(
            select(func.count()).where(OutboxMessage.next_attempt_at > func.now())
        )
    assert later == 2

    # Not due yet: nothing is sent again right away.
    assert relay.deliver_due() == 0
    assert len(fake_service.hits) == 1


def dead_letters(destination: str, path: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "souk_outbox_dead_letters_total", {"destination": destination, "path": path}
        )
        or 0.0
    )


def test_a_message_its_receiver_refuses_is_set_aside_and_not_sent_again(
    database, relay, fake_service
):
    fake_service.default = Reply(400, {"code": "validation_error"})
    counted = dead_letters("activity", "/refused")
    queue(database, ("activity", "/refused", {"n": 1}))

    assert relay.deliver_due() == 0
    [row] = outbox_rows(database)
    assert row.attempts == 1 and row.dead_at is not None
    assert row.last_error is not None
    assert row.last_error.startswith("400: ") and "validation_error" in row.last_error
    assert dead_letters("activity", "/refused") == counted + 1

    with database.transaction() as session:
        session.execute(text("UPDATE kit_test.outbox SET next_attempt_at = now() - interval '1h'"))
    assert relay.deliver_due() == 0
    assert len(fake_service.hits) == 1  # a dead letter is never due again


def test_one_refused_message_does_not_hold_back_the_messages_batched_with_it(
    database, relay, fake_service
):
    def refuse_poison(hit) -> Reply:
        poisoned = any(m["payload"].get("poison") for m in hit.body["messages"])
        return Reply(422, {"code": "bad_payload"}) if poisoned else Reply()

    fake_service.responder = refuse_poison
    ids = queue(
        database,
        ("products", "/stock-levels", {"n": 1}),
        ("products", "/stock-levels", {"poison": True}),
        ("products", "/stock-levels", {"n": 3}),
    )

    assert relay.deliver_due() == 2
    [row] = outbox_rows(database)
    assert str(row.event_id) == ids[1] and row.dead_at is not None
    delivered = [m["event_id"] for hit in fake_service.hits[1:] for m in hit.body["messages"]]
    assert delivered == ids  # the whole batch once, then each message on its own


@pytest.mark.parametrize(
    ("status", "recorded"),
    [(401, "401: "), (403, "403: "), (409, "409: "), (429, "429: "), (500, "failed: ")],
)
def test_answers_that_may_change_are_retried_not_set_aside(
    database, relay, fake_service, status, recorded
):
    fake_service.default = Reply(status, {})
    queue(database, ("activity", "/events", {"n": 1}))
    assert relay.deliver_due() == 0
    [row] = outbox_rows(database)
    assert row.dead_at is None and row.attempts == 1
    assert (row.last_error or "").startswith(recorded)


def test_a_failed_message_is_delivered_once_it_is_due_again(database, relay, fake_service):
    fake_service.script(Reply(500, {}))
    [event_id] = queue(database, ("activity", "/events", {"n": 1}))
    relay.deliver_due()
    with database.transaction() as session:
        session.execute(text("UPDATE kit_test.outbox SET next_attempt_at = now() - interval '1s'"))

    assert relay.deliver_due() == 1
    assert fake_service.hits[-1].body["messages"][0]["event_id"] == event_id
    assert outbox_rows(database) == []


def test_one_failing_destination_does_not_hold_back_another(database, relay, fake_service):
    queue(database, ("activity", "/events", {"n": 1}), ("products", "/stock", {"n": 2}))
    replies = {"/internal/activity/events": Reply(500, {}), "/internal/products/stock": Reply()}
    fake_service.script(*[replies[path] for path in sorted(replies)])  # groups go in id order
    assert relay.deliver_due() == 1
    assert [row.destination for row in outbox_rows(database)] == ["activity"]


def test_record_event_queues_an_activity_event(database):
    with database.transaction() as session:
        record_event(session, OutboxMessage, "order_placed", user_id="u1", metadata={"total": "9"})
    [row] = outbox_rows(database)
    assert (row.destination, row.path) == ("activity", "/events")
    assert row.payload["type"] == "order_placed"
    assert row.payload["user_id"] == "u1"
    assert row.payload["product_id"] is None
    assert row.payload["metadata"] == {"total": "9"}
    assert row.payload["at"]


def test_a_message_that_may_wait_is_sent_when_due_with_the_others_due_then(
    database, relay, fake_service
):
    with database.transaction() as session:
        for n in (1, 2):
            send_later(session, OutboxMessage, "activity", "/events", {"n": n}, may_wait=60)
    with database.transaction() as session:
        record_event(session, OutboxMessage, "login", user_id="u1")
    assert relay.deliver_due() == 0  # none is due yet
    assert fake_service.hits == []

    with database.transaction() as session:
        session.execute(text("UPDATE kit_test.outbox SET next_attempt_at = now() - interval '1s'"))
    assert relay.deliver_due() == 3
    [hit] = fake_service.hits  # one request for all three
    assert [m["payload"].get("n") for m in hit.body["messages"]] == [1, 2, None]


def test_a_message_that_may_wait_does_not_wake_the_relay(database, make_settings, fake_service):
    app = Flask("waiting-sender")
    settings = make_settings(internal_url=fake_service.url, outbox_poll_seconds=3600)
    init_outbox(app, database, OutboxMessage, settings)
    woken: list[str] = []
    app.extensions["souk_tasks"]["outbox"].wake = lambda: woken.append("outbox")

    @app.post("/write/<kind>")
    def write(kind: str) -> tuple[dict, int]:
        with database.transaction() as session:
            send_later(session, OutboxMessage, "activity", "/events", {}, may_wait=float(kind))
        return {}, 201

    assert app.test_client().post("/write/1").status_code == 201
    assert woken == []
    assert app.test_client().post("/write/0").status_code == 201
    assert woken == ["outbox"]


def test_deliver_now_sends_just_the_named_messages_due_or_not(database, relay, fake_service):
    ids = queue(
        database,
        ("cart", "/checked-out", {"n": 1}),
        ("cart", "/checked-out", {"n": 2}),
        ("activity", "/events", {"n": 3}),
    )
    with database.transaction() as session:
        session.execute(text("UPDATE kit_test.outbox SET next_attempt_at = now() + interval '1h'"))

    assert relay.deliver_now([uuid.UUID(ids[0]), uuid.UUID(ids[2])]) == 2

    sent = sorted(m["event_id"] for hit in fake_service.hits for m in hit.body["messages"])
    assert sent == sorted([ids[0], ids[2]])
    assert [str(row.event_id) for row in outbox_rows(database)] == [ids[1]]
    assert relay.deliver_now([uuid.UUID(ids[0])]) == 0  # already delivered: nothing to send
    assert len(fake_service.hits) == 2


def test_a_failed_delivery_now_is_left_to_the_relay(database, relay, fake_service):
    fake_service.default = Reply(503, {})
    [event_id] = queue(database, ("cart", "/checked-out", {"n": 1}))

    assert relay.deliver_now([uuid.UUID(event_id)]) == 0

    [row] = outbox_rows(database)
    assert row.attempts == 1 and row.dead_at is None


def receiving_app(database, make_settings, fake_service) -> Flask:
    """An app whose one route writes a message to be delivered before its answer (and raises
    after writing it when asked to)."""
    app = Flask("sender")
    settings = make_settings(internal_url=fake_service.url, outbox_poll_seconds=3600)
    init_outbox(app, database, OutboxMessage, settings)
    # Delivering before the answer is the relay's work: on once the (idle) relay is set up.
    app.config["SOUK_BACKGROUND_WORKERS"] = True

    @app.post("/write/<n>")
    def write(n: str) -> tuple[dict, int]:
        with database.transaction() as session:
            payload = {"n": int(n)}
            send_later(session, OutboxMessage, "cart", "/checked-out", payload, before_answer=True)
            send_later(session, OutboxMessage, "activity", "/events", payload)
            if int(n) < 0:
                raise ValueError("the change failed")
        return {}, 201

    @app.errorhandler(ValueError)
    def refused(_error: ValueError) -> tuple[dict, int]:
        return {"code": "refused"}, 400

    return app


def test_a_message_sent_before_the_answer_arrives_before_the_client_reads_it(
    database, make_settings, fake_service
):
    app = receiving_app(database, make_settings, fake_service)

    answer = app.test_client().post("/write/7")

    assert answer.status_code == 201
    delivered = [hit for hit in fake_service.hits if hit.path == "/internal/cart/checked-out"]
    assert [hit.body["messages"][0]["payload"] for hit in delivered] == [{"n": 7}]
    # Only the message asked for: the other one waits for the relay.
    assert [row.destination for row in outbox_rows(database)] == ["activity"]


def test_a_message_of_a_rolled_back_change_is_never_sent_before_the_answer(
    database, make_settings, fake_service
):
    app = receiving_app(database, make_settings, fake_service)

    answer = app.test_client().post("/write/-1")

    assert answer.status_code == 400
    assert fake_service.hits == []
    assert outbox_rows(database) == []


# --- the receiving side ----------------------------------------------------------------------


def batch_of(*payloads: dict) -> list[dict]:
    return [{"event_id": str(uuid.uuid4()), "payload": payload} for payload in payloads]


class Numbered(BaseModel):
    n: int


@dataclass
class Receiver:
    client: Any
    applied: list[int]
    fail_next: bool = False

    def post(self, messages: list[dict]) -> Any:
        return self.client.post("/receive", json={"messages": messages})


@pytest.fixture
def receiver(make_app, kit_tables) -> Receiver:
    """An app whose `/receive` route is a kit receiver recording each `n` it applies."""
    blueprint = Blueprint("receiver", __name__)
    state = Receiver(client=None, applied=[])

    def apply(_session, payload: Numbered) -> None:
        if state.fail_next:
            state.fail_next = False
            raise RuntimeError("the database went away")
        state.applied.append(payload.n)

    @blueprint.post("/receive")
    def receive_route() -> Any:
        return receive(ProcessedMessage, Numbered, apply)

    state.client = make_app(blueprint).test_client()
    return state


def test_a_batch_arriving_twice_is_applied_once(receiver):
    batch = batch_of({"n": 1}, {"n": 2})
    assert receiver.post(batch).json == {"applied": 2}
    assert receiver.post(batch).json == {"applied": 0}
    assert receiver.applied == [1, 2]


def test_a_message_repeated_within_one_batch_is_applied_once(receiver):
    [message] = batch_of({"n": 1})
    assert receiver.post([message, message]).json == {"applied": 1}
    assert receiver.applied == [1]


def test_a_batch_whose_transaction_failed_is_applied_when_it_arrives_again(receiver):
    batch = batch_of({"n": 1}, {"n": 2})
    receiver.fail_next = True
    assert receiver.post(batch).status_code == 500
    assert receiver.post(batch).json == {"applied": 2}  # the first try's marks were rolled back
    assert receiver.applied == [1, 2]


def test_a_partly_known_batch_applies_only_the_new_messages(receiver):
    old, new = batch_of({"n": 1}, {"n": 2})
    receiver.post([old])
    assert receiver.post([old, new]).json == {"applied": 1}
    assert receiver.applied == [1, 2]


def test_a_bad_payload_refuses_the_whole_batch_and_applies_nothing(receiver):
    good, bad = batch_of({"n": 1}, {"n": "one"})
    answer = receiver.post([good, bad])
    assert answer.status_code == 400
    assert answer.json["error"] == "The message payload is not valid"
    assert receiver.applied == []
    assert receiver.post([good]).json == {"applied": 1}  # refused means not marked as seen


def test_a_malformed_or_oversized_batch_is_refused(receiver):
    for body in ({}, {"messages": [{"event_id": "x", "payload": {"n": 1}}]}, {"messages": "no"}):
        answer = receiver.client.post("/receive", json=body)
        assert answer.status_code == 400, body
        assert answer.json["error"] == "The message batch is not valid"
    too_many = batch_of(*({"n": n} for n in range(MAX_RECEIVED_BATCH + 1)))
    assert receiver.post(too_many).status_code == 400
    assert receiver.applied == []


# --- two relays at once ----------------------------------------------------------------------


def test_two_relays_running_at_once_deliver_each_message_exactly_once(
    database, make_database, make_settings, fake_service
):
    count = 40
    ids = queue(database, *[("activity", "/events", {"n": n}) for n in range(count)])
    settings = make_settings(internal_url=fake_service.url)
    relays = [
        OutboxRelay(make_database(internal_url=fake_service.url), OutboxMessage, settings)
        for _ in range(2)
    ]

    # A batch is held at the receiver until the other relay has finished (it must skip the
    # locked rows rather than wait for them) or both relays are posting at once.
    state = {"finished": 0, "posting": 0}
    changed = threading.Condition()
    released_in_time: list[bool] = []

    def hold(_hit) -> None:
        with changed:
            state["posting"] += 1
            changed.notify_all()
            released_in_time.append(
                changed.wait_for(lambda: state["finished"] >= 1 or state["posting"] >= 2, 5)
            )

    fake_service.before_reply = hold
    start = threading.Barrier(2)
    delivered = [0, 0]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait(timeout=5)
            delivered[index] = relays[index].deliver_due()
        except BaseException as error:
            errors.append(error)
        finally:
            with changed:
                state["finished"] += 1
                changed.notify_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert errors == []
    received = [m["event_id"] for hit in fake_service.hits for m in hit.body["messages"]]
    assert sorted(received) == sorted(ids)  # every message, none twice
    assert sum(delivered) == count
    assert outbox_rows(database) == []
    assert released_in_time and all(released_in_time)


def test_processed_ids_older_than_the_keep_window_are_forgotten(database):
    with database.transaction() as session:
        for age_days in (45, 31, 29, 0):
            session.execute(
                text(
                    "INSERT INTO kit_test.processed_messages (event_id, processed_at) "
                    "VALUES (:id, now() - make_interval(days => :age))"
                ),
                {"id": uuid.uuid4(), "age": age_days},
            )
    with database.transaction() as session:
        assert forget_processed(session, ProcessedMessage, keep_days=30, batch=1) == 1
        assert forget_processed(session, ProcessedMessage, keep_days=30) == 1
        assert forget_processed(session, ProcessedMessage, keep_days=30) == 0
    with database.new_session() as session:
        ages = session.scalars(
            select(func.extract("day", func.now() - ProcessedMessage.processed_at))
        ).all()
    assert sorted(int(age) for age in ages) == [0, 29]


def test_a_receivers_relay_forgets_old_ids_in_the_background(database, make_settings):
    with database.transaction() as session:
        for age_days in (45, 0):
            session.execute(
                text(
                    "INSERT INTO kit_test.processed_messages (event_id, processed_at) "
                    "VALUES (:id, now() - make_interval(days => :age))"
                ),
                {"id": uuid.uuid4(), "age": age_days},
            )

    def remembered() -> int:
        with database.new_session() as session:
            return session.scalar(select(func.count()).select_from(ProcessedMessage))

    app = Flask("receiver")
    app.config["SOUK_BACKGROUND_WORKERS"] = False  # only the task under test is started
    settings = make_settings(processed_prune_seconds=0.05)
    init_outbox(app, database, OutboxMessage, settings, processed=ProcessedMessage)
    tasks = app.extensions["souk_tasks"]
    assert set(tasks) == {"outbox", "processed-messages"}
    tasks["processed-messages"].start()
    try:
        deadline = time.monotonic() + 10
        while remembered() > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert remembered() == 1
    finally:
        tasks["processed-messages"].stop()
