"""Live updates: stored from the outbox in commit order, read back by the stream.

Every insert takes one transaction-level advisory lock first, so the rows' `seq` values
commit in order (two batches never interleave), and the insert's transaction ends with a
`NOTIFY` that wakes every stream process once it commits; its payload is the newest `seq`
stored, so a process with no stream open needs no read to know where the events end.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from souk_kit.db import rows_affected, table_of
from sqlalchemy import Connection, delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.activity.models import LiveEvent
from services.activity.schemas import LiveEventMessage

CHANNEL = "souk_live"
# Any constant unique to this purpose among the activity schema's advisory locks.
_ORDER_LOCK = 0x50C4_11FE


@dataclass(frozen=True)
class StreamEvent:
    seq: int
    kind: str
    user_id: uuid.UUID | None
    product_id: uuid.UUID | None
    data: dict[str, Any]


# One statement run with many parameter sets (compiled once, not once per batch size).
_STORE = (
    insert(table_of(LiveEvent))
    .on_conflict_do_nothing(index_elements=["message_id"])
    .returning(LiveEvent.message_id, LiveEvent.seq)
)


def store(
    session: Session, messages: Sequence[tuple[uuid.UUID, LiveEventMessage]]
) -> list[tuple[uuid.UUID, LiveEventMessage]]:
    """Store each message once (by its outbox id) and wake the streams; returns the messages
    that were new."""
    rows = [
        {
            "message_id": message_id,
            "kind": event.kind,
            "user_id": event.user_id,
            "product_id": event.product_id,
            "data": event.data,
            "at": event.at,
        }
        for message_id, event in messages
    ]
    if not rows:
        return []
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ORDER_LOCK})
    stored: dict[uuid.UUID, int] = {id_: seq for id_, seq in session.execute(_STORE, rows)}
    if stored:
        session.execute(select(func.pg_notify(CHANNEL, str(max(stored.values())))))
    return [(message_id, event) for message_id, event in messages if message_id in stored]


_COLUMNS = (LiveEvent.seq, LiveEvent.kind, LiveEvent.user_id, LiveEvent.product_id, LiveEvent.data)


def latest_seq(connection: Connection) -> int:
    return connection.scalar(select(func.coalesce(func.max(LiveEvent.seq), 0))) or 0


def events_after(connection: Connection, seq: int, limit: int) -> list[StreamEvent]:
    """Every stored event after `seq`, oldest first, at most `limit`."""
    rows = connection.execute(
        select(*_COLUMNS).where(LiveEvent.seq > seq).order_by(LiveEvent.seq).limit(limit)
    )
    return [StreamEvent(*row) for row in rows]


def missed(
    connection: Connection,
    user_id: uuid.UUID | None,
    products: Sequence[uuid.UUID],
    after: int,
    up_to: int,
    limit: int,
) -> list[StreamEvent]:
    """The events of one stream's audience in `(after, up_to]`, oldest first, at most `limit`."""
    audience = []
    if user_id is not None:
        audience.append(LiveEvent.user_id == user_id)
    if products:
        audience.append(LiveEvent.product_id.in_(list(products)))
    rows = connection.execute(
        select(*_COLUMNS)
        .where(or_(*audience), LiveEvent.seq > after, LiveEvent.seq <= up_to)
        .order_by(LiveEvent.seq)
        .limit(limit)
    )
    return [StreamEvent(*row) for row in rows]


def forget_old(session: Session, keep_hours: float, batch: int = 10_000) -> int:
    """Delete up to `batch` events older than `keep_hours`; returns how many."""
    cutoff = func.now() - timedelta(hours=keep_hours)
    old = select(LiveEvent.seq).where(LiveEvent.at < cutoff).limit(batch)
    return rows_affected(session, delete(LiveEvent).where(LiveEvent.seq.in_(old)))
