"""Holding stock for checkouts: reserve all lines or none, commit, release, expire.

Every statement that touches several products does so in ascending product id order, so two
transactions never wait on each other's rows in opposite orders (no deadlocks).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from souk_kit.db import table_of
from souk_kit.errors import ValidationError
from souk_kit.validation import parse_uuid
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.inventory.errors import (
    OutOfStockError,
    ReservationMismatchError,
    ReservationNotFoundError,
)
from services.inventory.models import Reservation, ReservationLine, StockItem
from services.inventory.schemas import MAX_UNITS, ReservationLineIn
from services.inventory.service.common import (
    alert_if_now_low,
    publish_level,
    record_movement,
    utcnow,
)

# The statements every checkout runs, built once and run on the tables (not through the ORM's
# bulk paths). (An UPDATE's parameters may not be named after its columns.)
stock_items = table_of(StockItem)
reservations = table_of(Reservation)
_CLAIM = (
    insert(reservations)
    .values(order_id=bindparam("order"), status="held", expires_at=bindparam("until"))
    .on_conflict_do_nothing(index_elements=["order_id"])
    .returning(reservations.c.order_id)
)
_ADD_LINES = insert(table_of(ReservationLine))
# Reserve `wanted` units of a product if that many are available (stock never goes negative).
_HOLD = (
    update(stock_items)
    .where(
        stock_items.c.product_id == bindparam("product"),
        stock_items.c.stock - stock_items.c.reserved >= bindparam("wanted"),
    )
    .values(
        reserved=stock_items.c.reserved + bindparam("wanted"), version=stock_items.c.version + 1
    )
    .returning(
        stock_items.c.stock - stock_items.c.reserved,
        stock_items.c.version,
        stock_items.c.seller_id,
        stock_items.c.low_stock_threshold,
    )
)
# A held line sold: stock and reserved both drop.
_SELL = (
    update(stock_items)
    .where(stock_items.c.product_id == bindparam("product"))
    .values(
        stock=stock_items.c.stock - bindparam("sold"),
        reserved=stock_items.c.reserved - bindparam("sold"),
    )
    .returning(stock_items.c.stock)
)


@dataclass(frozen=True)
class Reserved:
    reservation: Reservation
    lines: dict[uuid.UUID, int]
    created: bool


class _Level(NamedTuple):
    """A product's stock level just after a hold."""

    available: int
    version: int
    seller_id: uuid.UUID
    threshold: int


class _ShortError(Exception):
    def __init__(self, product_id: uuid.UUID) -> None:
        self.product_id = product_id


class _RepeatError(Exception):
    pass


def merge_lines(lines: Iterable[ReservationLineIn]) -> dict[uuid.UUID, int]:
    """Quantities per product; lines naming the same product are added up."""
    wanted: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        wanted[line.product_id] += line.quantity
    too_many = [str(p) for p, q in wanted.items() if q > MAX_UNITS]
    if too_many:
        raise ValidationError(
            "The request body is not valid",
            details={"fields": {"lines": f"at most {MAX_UNITS} units per product"}},
        )
    return dict(wanted)


def _lines_of(session: Session, order_ids: list[uuid.UUID]) -> list[ReservationLine]:
    return list(
        session.scalars(
            select(ReservationLine)
            .where(ReservationLine.order_id.in_(order_ids))
            .order_by(ReservationLine.product_id, ReservationLine.order_id)
        ).all()
    )


def _existing(session: Session, order_id: uuid.UUID, wanted: dict[uuid.UUID, int]) -> Reserved:
    reservation = session.get(Reservation, order_id, populate_existing=True)
    assert reservation is not None
    held = {line.product_id: line.quantity for line in _lines_of(session, [order_id])}
    if held != wanted:
        raise ReservationMismatchError(details={"order_id": str(order_id)})
    return Reserved(reservation, held, created=False)


def reserve_stock(
    session: Session,
    order_id: uuid.UUID,
    lines: Iterable[ReservationLineIn],
    ttl_seconds: int,
    now: datetime | None = None,
) -> Reserved:
    """Hold every line for `order_id`, or nothing (409 `out_of_stock` naming each short line).

    Each line is one conditional UPDATE (`stock - reserved >= q`), so stock never goes
    negative and two orders never get the same unit. Keyed by order id: a repeat, also a
    concurrent one, returns the first reservation (`created=False`) and holds nothing more;
    a repeat with other lines → 409 `reservation_mismatch`. A hold writes no ledger row.
    """
    wanted = merge_lines(lines)
    if session.get(Reservation, order_id) is not None:
        return _existing(session, order_id, wanted)
    expires_at = (now or utcnow()) + timedelta(seconds=ttl_seconds)
    levels: dict[uuid.UUID, _Level] = {}
    try:
        with session.begin_nested():
            # A concurrent first attempt with the same order id makes this wait for it; if
            # that one commits, the conflict leaves us nothing to do but answer with it.
            claimed = session.execute(_CLAIM, {"order": order_id, "until": expires_at}).first()
            if claimed is None:
                raise _RepeatError()
            for product_id in sorted(wanted):  # one order of locks for every checkout
                levels[product_id] = _hold(session, product_id, wanted[product_id])
            session.execute(
                _ADD_LINES,
                [{"order_id": order_id, "product_id": p, "quantity": q} for p, q in wanted.items()],
            )
    except _RepeatError:
        return _existing(session, order_id, wanted)
    except _ShortError as short:
        shortages = _shortages(session, wanted, short.product_id)
        raise OutOfStockError(details={"lines": shortages}) from None
    for product_id, level in sorted(levels.items()):
        publish_level(session, product_id, level.available, level.version)
        alert_if_now_low(
            session,
            level.seller_id,
            product_id,
            before=level.available + wanted[product_id],
            after=level.available,
            threshold=level.threshold,
        )
    reservation = session.get(Reservation, order_id)
    assert reservation is not None
    return Reserved(reservation, wanted, created=True)


def _hold(session: Session, product_id: uuid.UUID, quantity: int) -> _Level:
    """Reserve `quantity` of the product if that many are available (one conditional UPDATE)."""
    row = session.execute(_HOLD, {"product": product_id, "wanted": quantity}).first()
    if row is None:
        raise _ShortError(product_id)
    return _Level._make(row)


def _shortages(
    session: Session, wanted: dict[uuid.UUID, int], failed: uuid.UUID
) -> list[dict[str, object]]:
    """Every line that cannot be held now (always including the one that failed)."""
    available = dict(
        session.execute(
            select(StockItem.product_id, StockItem.stock - StockItem.reserved).where(
                StockItem.product_id.in_(list(wanted))
            )
        ).all()
    )
    return [
        {"product_id": str(p), "requested": q, "available": max(available.get(p, 0), 0)}
        for p, q in sorted(wanted.items())
        if p == failed or available.get(p, 0) < q
    ]


def _locked(session: Session, order_id: str) -> Reservation | None:
    key = parse_uuid(order_id, ReservationNotFoundError)
    return session.scalars(
        select(Reservation)
        .where(Reservation.order_id == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _free_holds(
    session: Session, reservations: list[Reservation], status: str, reason: str
) -> None:
    """Give the held units of `reservations` back to available stock (ledger `release`)."""
    lines = _lines_of(session, [r.order_id for r in reservations])
    per_product: dict[uuid.UUID, int] = defaultdict(int)
    for line in lines:
        per_product[line.product_id] += line.quantity
    stock_after: dict[uuid.UUID, int] = {}
    for product_id in sorted(per_product):
        stock, available, version = session.execute(
            update(StockItem)
            .where(StockItem.product_id == product_id)
            .values(
                reserved=StockItem.reserved - per_product[product_id],
                version=StockItem.version + 1,
            )
            .returning(StockItem.stock, StockItem.stock - StockItem.reserved, StockItem.version)
            .execution_options(synchronize_session=False)
        ).one()
        stock_after[product_id] = stock
        publish_level(session, product_id, available, version)
    for line in lines:
        record_movement(
            session,
            line.product_id,
            "release",
            new_stock=stock_after[line.product_id],
            quantity=0,
            reserved_change=-line.quantity,
            reason=reason,
            order_id=line.order_id,
        )
    for reservation in reservations:
        reservation.status = status
    session.flush()


def commit_reservation(session: Session, order_id: str, now: datetime | None = None) -> bool:
    """Turn a hold into a sale (stock and reserved both drop; ledger `purchase`).

    True when the reservation is committed (now or before: idempotent). False when it is
    gone: released, returned, expired, or past its expiry (then it is released here, in this
    transaction, and the caller answers 409 `reservation_gone` after committing). Unknown → 404.
    """
    reservation = _locked(session, order_id)
    if reservation is None:
        raise ReservationNotFoundError()
    if reservation.status == "committed":
        return True
    if reservation.status != "held":
        return False
    if reservation.expires_at <= (now or utcnow()):
        _free_holds(session, [reservation], "expired", "reservation expired")
        return False
    for line in _lines_of(session, [reservation.order_id]):
        # Stock and reserved both drop, so available stock is what it was: no level to publish.
        stock = session.execute(
            _SELL, {"product": line.product_id, "sold": line.quantity}
        ).scalar_one()
        record_movement(
            session,
            line.product_id,
            "purchase",
            new_stock=stock,
            quantity=-line.quantity,
            reserved_change=-line.quantity,
            reason="order paid",
            order_id=reservation.order_id,
        )
    reservation.status = "committed"
    session.flush()
    return True


def release_reservation(session: Session, order_id: str) -> str:
    """Undo a reservation; idempotent. A hold is released (`released`, ledger `release`); a
    committed one puts its units back on hand (`returned`, ledger `return`); unknown → `none`."""
    reservation = _locked(session, order_id)
    if reservation is None:
        return "none"
    if reservation.status == "held":
        _free_holds(session, [reservation], "released", "reservation released")
        return "released"
    if reservation.status in ("released", "expired"):
        return "released"
    if reservation.status == "returned":
        return "returned"
    for line in _lines_of(session, [reservation.order_id]):
        stock, available, version = session.execute(
            update(StockItem)
            .where(StockItem.product_id == line.product_id)
            .values(stock=StockItem.stock + line.quantity, version=StockItem.version + 1)
            .returning(StockItem.stock, StockItem.stock - StockItem.reserved, StockItem.version)
            .execution_options(synchronize_session=False)
        ).one()
        record_movement(
            session,
            line.product_id,
            "return",
            new_stock=stock,
            quantity=line.quantity,
            reason="order cancelled",
            order_id=reservation.order_id,
        )
        publish_level(session, line.product_id, available, version)
    reservation.status = "returned"
    session.flush()
    return "returned"


def expire_reservations(session: Session, limit: int, now: datetime | None = None) -> int:
    """Release up to `limit` holds past their expiry; returns how many.

    `SKIP LOCKED`: holds another worker (or a commit in flight) has locked are left to it.
    """
    due = list(
        session.scalars(
            select(Reservation)
            .where(Reservation.status == "held", Reservation.expires_at <= (now or utcnow()))
            .order_by(Reservation.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
    )
    if due:
        _free_holds(session, due, "expired", "reservation expired")
    return len(due)
