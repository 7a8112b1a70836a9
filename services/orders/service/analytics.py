"""Sales figures computed in SQL. Only orders that were paid and are paid or further along
count (cancelled and failed ones never do), dated by when they were paid. A seller's figures
come from their own lines (`order_lines.seller_id`), an admin's from every order."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from services.orders.models import COUNTED_STATUSES, STATUSES, Order, OrderLine

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TopProduct:
    product_id: uuid.UUID
    name: str
    quantity: int
    revenue: Decimal
    orders: int


@dataclass(frozen=True)
class Period:
    period: str
    revenue: Decimal
    orders: int


@dataclass(frozen=True)
class Summary:
    orders_by_status: dict[str, int]
    paid_orders: int
    revenue_today: Decimal
    revenue_this_month: Decimal
    average_order_value: Decimal


def _counted(statement: Select, starts: datetime | None, ends: datetime | None) -> Select:
    statement = statement.where(Order.status.in_(COUNTED_STATUSES), Order.paid_at.is_not(None))
    if starts:
        statement = statement.where(Order.paid_at >= starts)
    if ends:
        statement = statement.where(Order.paid_at <= ends)
    return statement


def top_products(
    session: Session,
    seller_id: uuid.UUID | None,
    starts: datetime | None,
    ends: datetime | None,
    limit: int,
) -> list[TopProduct]:
    """Most sold products by quantity, then revenue (what buyers paid for the lines).

    An order holds one line per product, so the line count is the order count. The name is
    the latest one sold, looked up only for the products that made the list.
    """
    quantity = func.sum(OrderLine.quantity).label("quantity")
    revenue = func.sum(OrderLine.line_total).label("revenue")
    ranked = select(OrderLine.product_id, quantity, revenue, func.count().label("orders")).join(
        Order, Order.id == OrderLine.order_id
    )
    if seller_id is not None:
        ranked = ranked.where(OrderLine.seller_id == seller_id)
    top = (
        _counted(ranked, starts, ends)
        .group_by(OrderLine.product_id)
        .order_by(quantity.desc(), revenue.desc(), OrderLine.product_id)
        .limit(limit)
        .subquery()
    )
    named = aliased(OrderLine)
    latest_name = (
        select(named.name)
        .where(named.product_id == top.c.product_id)
        .order_by(named.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = select(
        top.c.product_id, latest_name, top.c.quantity, top.c.revenue, top.c.orders
    ).order_by(top.c.quantity.desc(), top.c.revenue.desc(), top.c.product_id)
    return [
        TopProduct(pid, name, int(qty), rev or ZERO, int(n))
        for pid, name, qty, rev, n in session.execute(statement).all()
    ]


def revenue_by_period(
    session: Session,
    seller_id: uuid.UUID | None,
    granularity: str,
    starts: datetime | None,
    ends: datetime | None,
) -> list[Period]:
    """Revenue and order count per calendar month or year (UTC) of payment."""
    period = func.date_trunc(granularity, func.timezone("UTC", Order.paid_at)).label("period")
    if seller_id is None:
        statement = select(period, func.sum(Order.total), func.count(Order.id))
    else:
        statement = (
            select(period, func.sum(OrderLine.line_total), func.count(func.distinct(Order.id)))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.seller_id == seller_id)
        )
    statement = _counted(statement, starts, ends).group_by(period).order_by(period)
    label = "%Y-%m" if granularity == "month" else "%Y"
    return [
        Period(moment.strftime(label), amount or ZERO, int(count))
        for moment, amount, count in session.execute(statement).all()
    ]


def summary(session: Session, now: datetime) -> Summary:
    """Orders by status, revenue today and this month (UTC), and the average paid order."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = today.replace(day=1)
    by_status = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(
        select(Order.status, func.count()).group_by(Order.status)
    ).all():
        by_status[status] = int(count)
    paid, average, revenue_today, revenue_month = session.execute(
        _counted(
            select(
                func.count(),
                func.avg(Order.total),
                func.sum(Order.total).filter(Order.paid_at >= today),
                func.sum(Order.total).filter(Order.paid_at >= month),
            ),
            None,
            None,
        )
    ).one()
    return Summary(
        orders_by_status=by_status,
        paid_orders=int(paid),
        revenue_today=revenue_today or ZERO,
        revenue_this_month=revenue_month or ZERO,
        average_order_value=(average or ZERO).quantize(Decimal("0.01")),
    )
