"""Errors and the side effects stock changes share: a ledger row, a level message, a low-stock alert."""

import uuid
from datetime import UTC, datetime

from souk_kit.db import table_of
from souk_kit.outbox import send_later, send_live_event
from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.inventory.models import OutboxMessage, StockMovement


def utcnow() -> datetime:
    return datetime.now(UTC)


# A plain insert on the table, built once: an ORM object costs the unit of work's flush.
_RECORD_MOVEMENT = insert(table_of(StockMovement))


def record_movement(
    session: Session,
    product_id: uuid.UUID,
    change_type: str,
    *,
    new_stock: int,
    quantity: int,
    reserved_change: int = 0,
    reason: str | None = None,
    order_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
) -> None:
    """One ledger row; `quantity` is the signed change of on-hand stock that led to `new_stock`."""
    session.execute(
        _RECORD_MOVEMENT,
        {
            "product_id": product_id,
            "change_type": change_type,
            "quantity": quantity,
            "reserved_change": reserved_change,
            "old_stock": new_stock - quantity,
            "new_stock": new_stock,
            "reason": reason,
            "order_id": order_id,
            "actor_id": actor_id,
        },
    )


def publish_level(session: Session, product_id: uuid.UUID, available: int, version: int) -> None:
    """Tell the products read model the new available stock (applied only if `version` is
    newer), and whoever watches the product live."""
    level = {"product_id": str(product_id), "available": available, "version": version}
    send_later(session, OutboxMessage, "products", "/stock-levels", level)
    send_live_event(session, OutboxMessage, "stock.level", level, product_id=product_id)


def alert_if_now_low(
    session: Session,
    seller_id: uuid.UUID,
    product_id: uuid.UUID,
    *,
    before: int,
    after: int,
    threshold: int,
) -> None:
    """Tell the seller, live, when a change takes available stock down to the low-stock
    threshold or below (once per crossing, not again while it stays low)."""
    if after <= threshold < before:
        send_live_event(
            session,
            OutboxMessage,
            "stock.low",
            {"product_id": str(product_id), "available": after, "threshold": threshold},
            user_id=seller_id,
        )
