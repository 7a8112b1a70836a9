"""Taking events in.

Server-side events arrive from every service's outbox in batches and are applied once: each
row carries the outbox message's id in a unique `event_id` column and is inserted with
`ON CONFLICT DO NOTHING`, so a redelivered batch changes nothing. Client events are typed,
small and rate limited, and can never claim a server-side type.
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from souk_kit.db import table_of
from souk_kit.errors import ValidationError
from souk_kit.outbox import RelayedMessage
from souk_kit.validation import maybe_uuid
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.activity.errors import MetadataTooLargeError
from services.activity.models import Event
from services.activity.schemas import ClientEventBody
from services.activity.settings import ActivitySettings

log = logging.getLogger("souk.activity")

CLIENT_TYPES = frozenset({"product_view", "search", "product_click"})
NEEDS_PRODUCT = frozenset({"product_view", "product_click"})
# Recorded by the services themselves; a client claiming one is refused.
SERVER_TYPES = frozenset(
    {
        "register",
        "login",
        "add_to_cart",
        "remove_from_cart",
        "order_placed",
        "order_paid",
        "order_cancelled",
        "order_failed",
        "review_added",
        "shipment_picked_up",
        "shipment_delivered",
    }
)
TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def now() -> datetime:
    return datetime.now(UTC)


def _check_type(body: ClientEventBody) -> None:
    if body.type in SERVER_TYPES:
        raise ValidationError(
            "This event type is recorded by the services themselves",
            code="server_side_event_type",
            details={"fields": {"type": "not a client event type"}},
        )
    if body.type not in CLIENT_TYPES:
        raise ValidationError(
            "Unknown event type",
            code="unknown_event_type",
            details={"fields": {"type": f"one of {', '.join(sorted(CLIENT_TYPES))}"}},
        )
    if body.type in NEEDS_PRODUCT and body.product_id is None:
        raise ValidationError(
            f"A {body.type} event names a product",
            details={"fields": {"product_id": "required for this type"}},
        )


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in `value` (a scalar is 0, `{}` is 1); iterative,
    so no nesting can exhaust the stack."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth) for child in children)
    return deepest


def _check_metadata(settings: ActivitySettings, metadata: dict[str, Any]) -> None:
    # Deep nesting is refused first: the event log could not serialize it back out.
    if _depth(metadata) > settings.metadata_max_depth:
        raise ValidationError(
            f"metadata may nest objects and arrays at most {settings.metadata_max_depth} deep",
            details={"fields": {"metadata": "nested too deeply"}},
        )
    if len(metadata) > settings.metadata_max_keys:
        raise ValidationError(
            f"metadata may hold at most {settings.metadata_max_keys} keys",
            details={"fields": {"metadata": "too many keys"}},
        )
    size = len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())
    if size > settings.metadata_max_bytes:
        raise MetadataTooLargeError(
            f"metadata may be at most {settings.metadata_max_bytes} bytes as JSON",
            details={"fields": {"metadata": "too large"}, "bytes": size},
        )


def record_client_event(
    session: Session, settings: ActivitySettings, user_id: uuid.UUID | None, body: ClientEventBody
) -> uuid.UUID:
    """Store a client's event (timed by the server, never by the client); its new id."""
    _check_type(body)
    metadata = body.metadata or {}
    _check_metadata(settings, metadata)
    event_id = uuid.uuid4()
    session.execute(
        insert(Event).values(
            event_id=event_id,
            type=body.type,
            user_id=user_id,
            product_id=body.product_id,
            meta=metadata,
            at=now(),
        )
    )
    return event_id


def _time(raw: Any) -> datetime:
    if isinstance(raw, str):
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            return now()
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return now()


def _row(message: RelayedMessage) -> dict[str, Any] | None:
    payload = message.payload
    event_type = payload.get("type")
    if not isinstance(event_type, str) or not TYPE_NAME.match(event_type):
        return None
    metadata = payload.get("metadata")
    return {
        "event_id": message.event_id,
        "type": event_type,
        "user_id": maybe_uuid(payload.get("user_id")),
        "product_id": maybe_uuid(payload.get("product_id")),
        "metadata": metadata if isinstance(metadata, dict) else {},
        "at": _time(payload.get("at")),
    }


_EVENTS = table_of(Event)
# One statement run with many parameter sets (compiled once, not once per batch size).
_INGEST = (
    insert(_EVENTS)
    .on_conflict_do_nothing(index_elements=[_EVENTS.c.event_id])
    .returning(_EVENTS.c.id)
)


def ingest_batch(session: Session, messages: list[RelayedMessage]) -> tuple[int, int]:
    """Store a relay batch, each event once however often it arrives: (applied, skipped).

    A message that is not an event (no usable `type`) is skipped and logged rather than
    refused, so one bad message cannot hold up its whole batch forever.
    """
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    skipped = 0
    for message in messages:
        row = _row(message)
        if row is None:
            skipped += 1
            log.warning("skipped an event without a usable type: %s", message.event_id)
        else:
            rows.setdefault(message.event_id, row)
    if not rows:
        return 0, skipped
    inserted = session.execute(_INGEST, list(rows.values())).all()
    return len(inserted), skipped
