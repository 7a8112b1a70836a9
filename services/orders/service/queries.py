"""Reading orders: a buyer's history, one order for its owner, an admin or a seller, the
seller's and the admin's lists, and whether a user bought a product."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from souk_kit.auth import Identity
from souk_kit.pagination import paginate
from souk_kit.validation import parse_uuid
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, selectinload

from services.orders.errors import OrderNotFoundError
from services.orders.models import (
    COUNTED_STATUSES,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
)
from services.orders.schemas import AdminOrderListQuery, OrderListQuery


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[OrderLine]
    history: list[OrderStatusChange]
    seller_view: bool


def view_order(session: Session, identity: Identity, raw_id: str) -> OrderView:
    """The order as `identity` may see it: owners and admins all of it, a seller whose products
    it holds only their lines; anyone else gets 404."""
    order_id = parse_uuid(raw_id, OrderNotFoundError)
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.lines),
            selectinload(Order.history),
            selectinload(Order.payment).selectinload(Payment.refunds),
        )
    )
    if order is None:
        raise OrderNotFoundError()
    if identity.role == "admin" or order.user_id == identity.user_id:
        return OrderView(order, list(order.lines), list(order.history), False)
    if identity.role == "seller":
        mine = [x for x in order.lines if x.seller_id == identity.user_id]
        if mine:
            return OrderView(order, mine, list(order.history), True)
    raise OrderNotFoundError()


def _filtered(statement: Select[Any], query: OrderListQuery) -> Select[Any]:
    if query.status:
        statement = statement.where(Order.status == query.status)
    if query.starts:
        statement = statement.where(Order.created_at >= query.starts)
    if query.ends:
        statement = statement.where(Order.created_at <= query.ends)
    return statement.order_by(Order.created_at.desc(), Order.id.desc())


def list_orders_of(
    session: Session, user_id: uuid.UUID, query: OrderListQuery, serialize: Callable[[Order], Any]
) -> dict[str, Any]:
    """The buyer's orders, newest first."""
    statement = select(Order).where(Order.user_id == user_id)
    statement = _filtered(statement, query).options(selectinload(Order.lines))
    return paginate(session, statement, query, serialize)


def list_all_orders(
    session: Session, query: AdminOrderListQuery, serialize: Callable[[Order], Any]
) -> dict[str, Any]:
    statement = select(Order)
    if query.user_id:
        statement = statement.where(Order.user_id == query.user_id)
    if query.seller_id:
        statement = statement.where(
            Order.id.in_(select(OrderLine.order_id).where(OrderLine.seller_id == query.seller_id))
        )
    statement = _filtered(statement, query).options(selectinload(Order.lines))
    return paginate(session, statement, query, serialize)


def list_seller_orders(
    session: Session, seller_id: uuid.UUID, query: OrderListQuery, serialize: Callable[[Order], Any]
) -> dict[str, Any]:
    """Orders holding the seller's products, with only the seller's lines loaded. Checkouts
    that never got paid (`pending`, `failed`) are left out unless asked for by `status`."""
    statement = select(Order).where(
        Order.id.in_(select(OrderLine.order_id).where(OrderLine.seller_id == seller_id))
    )
    if not query.status:
        statement = statement.where(Order.status.not_in(("pending", "failed")))
    statement = _filtered(statement, query).options(
        selectinload(Order.lines.and_(OrderLine.seller_id == seller_id))
    )
    return paginate(session, statement, query, serialize)


def has_purchased(session: Session, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
    """True when the user has a paid (or later) order holding the product."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Order.user_id == user_id,
                    Order.status.in_(COUNTED_STATUSES),
                    OrderLine.order_id == Order.id,
                    OrderLine.product_id == product_id,
                )
            )
        )
    )
