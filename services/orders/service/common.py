"""What the orders use cases share: their dependencies, errors and order state moves."""

import uuid
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime

from souk_kit.outbox import send_live_event
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from services.orders.clients import Clients
from services.orders.errors import OrderNotFoundError
from services.orders.models import Order, OrderStatusChange, OutboxMessage, utcnow
from services.orders.settings import OrdersSettings

# One short transaction that commits when its block ends (rolls back on error).
Transactions = Callable[[], AbstractContextManager[Session]]

# Sales counts (products' `sold_count`, the "popular" sort) may wait this long in the outbox to
# travel with other checkouts' counts.
SALES_MAY_WAIT_SECONDS = 1.0

# The delivery flow, in order; `cancelled` and `failed` are off to the side.
FLOW = ("pending", "paid", "picked_up", "out_for_delivery", "delivered")


@dataclass
class Deps:
    """What a multi-step use case needs: other services and the payment provider, settings,
    and a way to open its own short transactions (each saga step commits on its own)."""

    clients: Clients
    settings: OrdersSettings
    transactions: Transactions


def lock_order(session: Session, order_id: uuid.UUID) -> Order:
    """The order, locked for update until the transaction ends."""
    order = session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order is None:
        raise OrderNotFoundError()
    return order


def move(order: Order, status: str, note: str | None = None, at: datetime | None = None) -> None:
    """Set the order's status and write its history row (the caller checks the move is legal)."""
    order.status = status
    order.updated_at = utcnow()
    session = object_session(order)
    assert session is not None, "a new order is written by checkout's _open_order"
    # Without loading the history collection.
    change = OrderStatusChange(order_id=order.id, status=status, note=note, at=at or utcnow())
    session.add(change)
    update = {
        "order_id": str(order.id),
        "status": status,
        "at": iso(change.at),
        # For the buyer's notifications ("we have your payment (35.00 USD)").
        "total": str(order.total),
        "currency": order.currency,
    }
    if order.shipment_id is not None:
        update["shipment_id"] = order.shipment_id
    send_live_event(session, OutboxMessage, "order.status", update, user_id=order.user_id)


def tell_sellers(session: Session, order: Order, kind: str, at: datetime) -> None:
    """A live `kind` event to each shop in the order, with that shop's own lines."""
    by_seller: dict[uuid.UUID, list[dict[str, object]]] = defaultdict(list)
    for line in order.lines:
        by_seller[line.seller_id].append(
            {"product_id": str(line.product_id), "name": line.name, "quantity": line.quantity}
        )
    for seller_id, sold in by_seller.items():
        update = {"order_id": str(order.id), "lines": sold, "at": iso(at)}
        send_live_event(session, OutboxMessage, kind, update, user_id=seller_id)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def touch(order: Order) -> None:
    """Mark a saga step done now, so recovery leaves the order alone for a while."""
    order.updated_at = utcnow()
