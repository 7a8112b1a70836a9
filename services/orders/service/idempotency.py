"""`Idempotency-Key` for `POST /api/orders`: the same key and body get the first answer again.

The key row is committed first (unique per user and key). Whoever then holds the row's lock
while it has no answer runs the checkout and stores the answer before letting go; duplicates
sent meanwhile wait on that lock (`SELECT ... FOR UPDATE`) and then replay the stored answer.
Answers of 5xx are not stored, so a retry after an outage runs again.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from souk_kit.db import rows_affected, table_of
from souk_kit.errors import ApiError, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.orders.errors import IdempotencyKeyInProgressError, IdempotencyKeyReusedError
from services.orders.models import IdempotencyKey, Order, utcnow

_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Failures that are the buyer's answer (4xx); any other failure reason was an outage.
FINAL_FAILURE_REASONS = ("payment_declined", "out_of_stock", "reservation_expired")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def check_key(raw: str | None) -> str | None:
    """The header's key, or None when absent; 400 unless it is 1-255 visible ASCII characters."""
    if raw is None:
        return None
    if not _VALID_KEY.match(raw):
        raise ValidationError(
            "The Idempotency-Key header must be 1 to 255 visible ASCII characters",
            code="invalid_idempotency_key",
            details={"fields": {"Idempotency-Key": "1 to 255 visible ASCII characters"}},
        )
    return raw


def request_hash(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def error_answer(error: ApiError) -> Answer:
    return Answer(error.status, dict(error.body))


# Built once, on the table (not the ORM's bulk insert path).
_CLAIM_KEY = insert(table_of(IdempotencyKey)).on_conflict_do_nothing()


def run_once(
    new_session: Callable[[], Session],
    user_id: uuid.UUID,
    key: str,
    body_hash: str,
    ttl: timedelta,
    run: Callable[[], Answer],
    answer_for_order: Callable[[uuid.UUID], Answer | None],
) -> Answer:
    """Run `run()` once per (user, key); later calls with the same body get its answer.

    `answer_for_order(order_id)` settles a key whose first attempt died mid-checkout: the
    order's answer when it has one, else None (the key is then reported as in progress).
    """
    with new_session() as session:
        with session.begin():
            session.execute(
                _CLAIM_KEY,
                {"user_id": user_id, "key": key, "request_hash": body_hash, "created_at": utcnow()},
            )
        with session.begin():
            row = _locked_key(session, user_id, key, body_hash, ttl)
            if row.response_status is not None and row.response_body is not None:
                return Answer(row.response_status, row.response_body)
            earlier = _earlier_order(session, user_id, key, row.created_at)
            if earlier is not None:
                settled = answer_for_order(earlier)
                if settled is None:
                    raise IdempotencyKeyInProgressError(details={"order_id": str(earlier)})
                answer, failure = settled, None
            else:
                answer, failure = _run(run)
            if failure is None:
                row.response_status, row.response_body = answer.status, answer.body
                row.completed_at = utcnow()
        # The key's own transaction has ended normally, releasing the lock, before a failure
        # that is not the buyer's answer (an outage) is raised: a retry runs afresh.
        if failure is not None:
            raise failure
        return answer


def _locked_key(
    session: Session, user_id: uuid.UUID, key: str, body_hash: str, ttl: timedelta
) -> IdempotencyKey:
    """The key's row, locked until the transaction ends; an expired key starts a new life."""
    row = session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .with_for_update()
    )
    if row is None:  # swept away between the two statements: start over
        raise IdempotencyKeyInProgressError()
    if row.created_at < utcnow() - ttl:
        row.request_hash, row.created_at = body_hash, utcnow()
        row.response_status = row.response_body = row.completed_at = None
    if row.request_hash != body_hash:
        raise IdempotencyKeyReusedError()
    return row


def _earlier_order(
    session: Session, user_id: uuid.UUID, key: str, since: datetime
) -> uuid.UUID | None:
    """The order an earlier attempt with this key placed, if it may be answered again."""
    return session.scalar(
        select(Order.id)
        .where(
            Order.user_id == user_id,
            Order.idempotency_key == key,
            Order.created_at >= since,
            # An order that failed because a dependency was away answered 5xx, which is not
            # stored: the retry runs the checkout again.
            ~((Order.status == "failed") & Order.failure_reason.not_in(FINAL_FAILURE_REASONS)),
        )
        .order_by(Order.created_at.desc())
        .limit(1)
    )


def _run(run: Callable[[], Answer]) -> tuple[Answer, Exception | None]:
    """The checkout's answer, and the failure to raise instead of storing it (an outage: a
    5xx or an unexpected error). A 4xx is the buyer's answer and is stored."""
    try:
        return run(), None
    except ApiError as error:
        return error_answer(error), error if error.status >= 500 else None
    except Exception as error:
        return error_answer(ApiError()), error


def settle_key(session: Session, user_id: uuid.UUID, key: str, answer: Answer | None) -> None:
    """After recovery settled a crashed checkout: store its answer, or (None) free the key so
    a retry runs afresh. A key still locked by a live request is left alone."""
    row = session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .with_for_update(skip_locked=True)
    )
    if row is None or row.response_status is not None:
        return
    if answer is None:
        session.delete(row)
    else:
        row.response_status, row.response_body = answer.status, answer.body
        row.completed_at = utcnow()


def forget_old_keys(session: Session, ttl: timedelta) -> int:
    return rows_affected(
        session, delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - ttl)
    )
