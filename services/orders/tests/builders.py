"""Orders written straight into the database, for views and analytics on known data."""

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from services.orders.models import Order, OrderLine, OrderStatusChange


def add_order(
    session: Session,
    user_id: uuid.UUID,
    status: str,
    lines: list[tuple[uuid.UUID, uuid.UUID, int, str]],
    *,
    paid_at: datetime | None = None,
    created_at: datetime | None = None,
    shipping: str = "5.00",
) -> Order:
    """`lines` as (product_id, seller_id, quantity, unit price)."""
    subtotal = sum((Decimal(price) * qty for _, _, qty, price in lines), Decimal("0.00"))
    order = Order(
        user_id=user_id,
        status=status,
        currency="USD",
        subtotal=subtotal,
        discount=Decimal("0.00"),
        shipping_cost=Decimal(shipping),
        total=subtotal + Decimal(shipping),
        shipping_method="standard",
        stock_state="committed" if paid_at else "none",
        compensation_due=False,
        shipment_id="made-up",
        paid_at=paid_at,
    )
    if created_at is not None:
        order.created_at = created_at
    for product_id, seller_id, quantity, price in lines:
        order.lines.append(
            OrderLine(
                product_id=product_id,
                seller_id=seller_id,
                name=f"Product {str(product_id)[:4]}",
                list_price=Decimal(price),
                unit_price=Decimal(price),
                quantity=quantity,
                line_total=Decimal(price) * quantity,
            )
        )
    order.history.append(OrderStatusChange(status=status))
    session.add(order)
    session.flush()
    return order
