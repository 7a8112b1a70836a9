"""The transactional outbox: side effects for other services are written in the same
transaction as the change, then delivered by a background relay with retries, in batches,
and applied once by the receiver (`apply_once`), however often they arrive.

A message the receiver refuses outright (400, 404, 422, …: sending it again cannot help) is
set aside as a dead letter — kept in the table with `dead_at` and `last_error`, logged at
error level and counted in `souk_outbox_dead_letters_total` — after being retried on its own,
so it never holds back the messages batched with it. Once the cause is fixed, an operator
requeues it with `UPDATE <schema>.outbox SET dead_at = NULL, next_attempt_at = now()`."""

import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from flask import Flask, Response, g, has_request_context
from prometheus_client import Counter
from pydantic import BaseModel, Field
from sqlalchemy import (
    BigInteger,
    DateTime,
    Identity,
    Index,
    String,
    Table,
    Uuid,
    delete,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from souk_kit.background import start_periodic
from souk_kit.db import (
    Database,
    driver_connection,
    driver_rows,
    rows_affected,
    table_of,
    transaction,
)
from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings
from souk_kit.validation import json_body, parse_model

log = logging.getLogger("souk.outbox")
BATCH_SIZE = 200
# What a receiver takes at once: the relay sends BATCH_SIZE at most; bulk senders (the
# benchmark's event ingestion) send more.
MAX_RECEIVED_BATCH = 1000
# Answers that refuse the message itself. Others are retried: a 401/403 is a token mix-up an
# operator fixes, a 408/409/429/5xx or no answer is passing.
REFUSED = frozenset({400, 404, 405, 410, 413, 415, 422})
# How long a server-side activity event may wait in the outbox for others to travel with.
EVENT_WAIT_SECONDS = 1.0

DEAD_LETTERS = Counter(
    "souk_outbox_dead_letters_total",
    "Outbox messages set aside because their receiver refused them",
    ["destination", "path"],
)


class OutboxMixin:
    """Columns of a service's `outbox` table: `class OutboxMessage(OutboxMixin, Base)`."""

    __tablename__ = "outbox"

    if TYPE_CHECKING:  # the declarative base the service mixes this into gives the constructor

        def __init__(self, **columns: Any) -> None: ...

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, unique=True)
    destination: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    dead_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (Index(f"ix_{cls.__tablename__}_due", "next_attempt_at", "id"),)


class ProcessedMessageMixin:
    """Ids of messages a receiver has applied: `class ProcessedMessage(ProcessedMessageMixin, Base)`."""

    __tablename__ = "processed_messages"

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


def send_later(
    session: Session,
    model: type[OutboxMixin],
    destination: str,
    path: str,
    payload: dict[str, Any],
    *,
    before_answer: bool = False,
    may_wait: float = 0.0,
) -> None:
    """Queue a message for `POST /internal/<destination><path>`, committed with the caller's work.

    With `before_answer`, the request that wrote it also delivers it once its work is
    committed and before it answers, so the caller's next request sees the effect (the relay
    still retries it if that delivery fails). Otherwise the relay is woken to send it at
    once, unless it `may_wait` that many seconds: then the relay's next rounds pick it up
    when it is due, in one batch with whatever else is due (for messages nobody waits on,
    such as activity events and sales counts: one request for many checkouts' worth)."""
    event_id = uuid.uuid4()
    driver_rows(
        driver_connection(session),
        _queueing(table_of(model)),
        {
            "event_id": str(event_id),
            "destination": destination,
            "path": path,
            "payload": orjson.dumps(payload).decode(),
            "wait": max(may_wait, 0.0),
        },
    )
    if has_request_context():
        if may_wait <= 0:
            g.souk_outbox_written = True
        if before_answer:
            g.setdefault("souk_outbox_before_answer", []).append(event_id)


@functools.cache
def _queueing(outbox: Table) -> str:
    """The insert of one message into `outbox`, run straight through the driver: through the
    ORM's unit of work a message cost ~0.3 ms of CPU, through a session's execute ~0.15 ms
    (a checkout writes a dozen, over five services)."""
    return (
        f"INSERT INTO {outbox.fullname} (event_id, destination, path, payload, attempts,"
        " next_attempt_at) VALUES (%(event_id)s::uuid, %(destination)s, %(path)s,"
        " %(payload)s::jsonb, 0, now() + make_interval(secs => %(wait)s))"
    )


def apply_once(session: Session, model: type[ProcessedMessageMixin], event_id: str) -> bool:
    """True the first time `event_id` is seen (in this transaction's view); False on a repeat."""
    inserted = session.execute(
        insert(model.__table__)  # type: ignore[attr-defined]
        .values(event_id=uuid.UUID(event_id))
        .on_conflict_do_nothing()
        .returning(model.__table__.c.event_id)  # type: ignore[attr-defined]
    ).first()
    return inserted is not None


class RelayedMessage(BaseModel):
    event_id: uuid.UUID
    payload: dict[str, Any]


class RelayBatch(BaseModel):
    """What the relay posts to a receiver: `{"messages": [{"event_id", "payload"}]}`."""

    messages: list[RelayedMessage] = Field(max_length=MAX_RECEIVED_BATCH)


P = TypeVar("P", bound=BaseModel)


def receive(
    processed: type[ProcessedMessageMixin],
    payload_model: type[P],
    apply: Callable[[Session, P], object],
) -> dict[str, int]:
    """The whole of an outbox receiver route: the relay's batch from the request body, every
    payload checked before any is applied, each message applied once, all in one transaction.

    A malformed batch or payload is refused with a 400 and nothing is applied; the relay then
    sends the batch's messages one by one and sets the refused one aside as a dead letter, so
    the others still arrive. Answers `{"applied": n}`, the messages not seen before."""
    batch = parse_model(RelayBatch, json_body(), "message batch")
    payloads = [parse_model(payload_model, m.payload, "message payload") for m in batch.messages]
    applied = 0
    with transaction() as session:
        for message, payload in zip(batch.messages, payloads, strict=True):
            if apply_once(session, processed, str(message.event_id)):
                apply(session, payload)
                applied += 1
    return {"applied": applied}


class OutboxRelay:
    def __init__(self, database: Database, model: type[OutboxMixin], settings: ServiceSettings):
        self._database = database
        self._model = model
        self._settings = settings
        self._clients: dict[str, ServiceClient] = {}

    def _client(self, destination: str) -> ServiceClient:
        if destination not in self._clients:
            self._clients[destination] = ServiceClient(self._settings, destination)
        return self._clients[destination]

    def deliver_due(self) -> int:
        """Deliver one batch of due messages; returns how many were delivered."""
        model = self._model
        with self._database.transaction() as session:
            due = session.scalars(
                select(model)
                .where(model.next_attempt_at <= func.now(), model.dead_at.is_(None))
                .order_by(model.id)
                .limit(BATCH_SIZE)
                .with_for_update(skip_locked=True)
            ).all()
            return self._deliver_grouped(session, due)

    def deliver_now(self, event_ids: Iterable[uuid.UUID]) -> int:
        """Deliver these messages now, due or not; returns how many were delivered. Waits for
        a relay round that holds any of them (it delivers them, or leaves them here to try)."""
        model = self._model
        with self._database.transaction() as session:
            messages = session.scalars(
                select(model)
                .where(model.event_id.in_(list(event_ids)), model.dead_at.is_(None))
                .order_by(model.id)
                .with_for_update()
            ).all()
            return self._deliver_grouped(session, messages)

    def _deliver_grouped(self, session: Session, messages: Iterable[OutboxMixin]) -> int:
        groups: dict[tuple[str, str], list[OutboxMixin]] = defaultdict(list)
        for message in messages:
            groups[(message.destination, message.path)].append(message)
        return sum(
            self._deliver(session, destination, path, batch)
            for (destination, path), batch in groups.items()
        )

    def _deliver(
        self, session: Session, destination: str, path: str, messages: list[OutboxMixin]
    ) -> int:
        """POST one batch; delete it when accepted, else retry or set aside. Returns how many
        messages were delivered."""
        body = {"messages": [{"event_id": str(m.event_id), "payload": m.payload} for m in messages]}
        try:
            answer = self._client(destination).post(
                path, body, idempotency_key=str(messages[0].event_id)
            )
            status, said = answer.status, str(answer.data)[:300]
        except Exception as error:
            status, said = None, repr(error)[:300]
        if status is not None and 200 <= status < 300:
            session.execute(delete(self._model).where(self._model.id.in_([m.id for m in messages])))
            return len(messages)
        if status in REFUSED and len(messages) > 1:
            # Find the refused ones: each message on its own, so the others still arrive.
            return sum(self._deliver(session, destination, path, [m]) for m in messages)
        for message in messages:
            message.attempts += 1
            message.last_error = f"{status or 'failed'}: {said}"[:500]
        if status in REFUSED:
            [message] = messages
            message.dead_at = datetime.now().astimezone()
            DEAD_LETTERS.labels(destination, path).inc()
            log.error(
                "outbox message %s to %s%s refused with %s; set aside as a dead letter: %s",
                message.event_id,
                destination,
                path,
                status,
                said,
            )
            return 0
        log.warning("outbox delivery to %s%s failed (%s); will retry", destination, path, status)
        for message in messages:
            backoff = min(60.0, 0.5 * 2 ** min(message.attempts, 7))
            message.next_attempt_at = datetime.now().astimezone() + timedelta(seconds=backoff)
        return 0

    def run_until_idle(self) -> None:
        while self.deliver_due() == BATCH_SIZE:
            pass


def forget_processed(
    session: Session, model: type[ProcessedMessageMixin], keep_days: float, batch: int = 10_000
) -> int:
    """Delete up to `batch` processed-message ids older than `keep_days`; returns how many."""
    table = model.__table__  # type: ignore[attr-defined]
    cutoff = func.now() - timedelta(days=keep_days)
    old = select(table.c.event_id).where(table.c.processed_at < cutoff).limit(batch)
    return rows_affected(session, delete(table).where(table.c.event_id.in_(old)))


def init_outbox(
    app: Flask,
    database: Database,
    model: type[OutboxMixin],
    settings: ServiceSettings,
    processed: type[ProcessedMessageMixin] | None = None,
) -> OutboxRelay:
    """The relay for this service's outbox; with `processed` (a receiver's table of applied
    message ids), also the task that forgets ids older than `processed_keep_days`."""
    relay = OutboxRelay(database, model, settings)
    app.extensions["souk_outbox"] = relay
    task = start_periodic(app, "outbox", settings.outbox_poll_seconds, relay.run_until_idle)
    if processed is not None:
        receiver: type[ProcessedMessageMixin] = processed

        def forget() -> None:
            while True:
                with database.transaction() as session:
                    if forget_processed(session, receiver, settings.processed_keep_days) == 0:
                        return

        start_periodic(app, "processed-messages", settings.processed_prune_seconds, forget)

    @app.after_request
    def deliver_before_answering(response: Response) -> Response:
        event_ids = g.pop("souk_outbox_before_answer", None)
        if event_ids and app.config.get("SOUK_BACKGROUND_WORKERS", True):
            try:
                relay.deliver_now(event_ids)
            except Exception:
                log.warning(
                    "could not deliver %s at once; the relay will", event_ids, exc_info=True
                )
        return response

    @app.teardown_request
    def wake_relay(_exc: BaseException | None) -> None:
        if g.pop("souk_outbox_written", False):
            task.wake()

    return relay


def record_event(
    session: Session,
    model: type[OutboxMixin],
    event_type: str,
    *,
    user_id: uuid.UUID | str | None = None,
    product_id: uuid.UUID | str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Queue a server-side activity event (`order_placed`, `login`, …) for the activity service;
    it may wait `EVENT_WAIT_SECONDS` to travel with others (events feed the statistics, which
    nobody reads within a second)."""
    payload = {
        "type": event_type,
        "user_id": str(user_id) if user_id else None,
        "product_id": str(product_id) if product_id else None,
        "metadata": metadata or {},
        "at": datetime.now().astimezone().isoformat(),
    }
    send_later(session, model, "activity", "/events", payload, may_wait=EVENT_WAIT_SECONDS)


def send_live_event(
    session: Session,
    model: type[OutboxMixin],
    kind: str,
    data: dict[str, Any],
    *,
    user_id: uuid.UUID | str | None = None,
    product_id: uuid.UUID | str | None = None,
) -> None:
    """Queue a live update (`order.status`, `stock.level`, …) for the activity service, which
    streams it as a server-sent event to `user_id`, or to everyone watching `product_id`."""
    payload = {
        "kind": kind,
        "user_id": str(user_id) if user_id else None,
        "product_id": str(product_id) if product_id else None,
        "data": data,
        "at": datetime.now().astimezone().isoformat(),
    }
    send_later(session, model, "activity", "/live", payload)
