"""Saga steps the checkout and the recovery loop share: failing an order, recording the
provider's answer, finishing a paid order, asking for its shipment, and the answer
`POST /api/orders` gives for an order."""

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from souk_kit.errors import ApiError, ConflictError, DependencyError, PaymentDeclinedError
from souk_kit.outbox import record_event, send_later
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from services.orders.clients import ShipmentLineIn
from services.orders.errors import NoLongerPendingError, OutOfStockError, ReservationExpiredError
from services.orders.models import Order, OutboxMessage, Payment, utcnow
from services.orders.presenters import checkout_out
from services.orders.service.common import (
    SALES_MAY_WAIT_SECONDS,
    Deps,
    lock_order,
    move,
    tell_sellers,
)
from services.orders.service.compensation import give_back
from services.orders.service.idempotency import Answer, error_answer

log = logging.getLogger("souk.orders.steps")


def fail(deps: Deps, order_id: uuid.UUID, reason: str, *, compensate: bool = True) -> None:
    """Mark a pending order `failed` with its reason, then give back what it took."""
    with deps.transactions() as session:
        order = lock_order(session, order_id)
        if order.status == "pending":
            move(order, "failed", note=reason)
            order.failure_reason = reason
        order.compensation_due = compensate
    if compensate:
        give_back(deps, order_id)


@dataclass(frozen=True)
class ShipmentOrder:
    """What shipping is asked to deliver for a paid order."""

    user_id: uuid.UUID
    zone: str | None
    method: str
    address: Any
    lines: list[ShipmentLineIn]

    @classmethod
    def of(cls, order: Order) -> "ShipmentOrder":
        lines = [ShipmentLineIn(x.product_id, x.quantity, x.seller_id) for x in order.lines]
        return cls(
            order.user_id, order.shipping_zone, order.shipping_method, order.shipping_address, lines
        )


def finish_paid(deps: Deps, order_id: uuid.UUID) -> ShipmentOrder:
    """Mark the order paid and queue its side effects: empty the cart, count the sales, record
    the `order_placed` event. Raises `NoLongerPendingError` if the order is no longer pending.
    Returns what its shipment is asked for with."""
    with deps.transactions() as session:
        order = (
            session.execute(
                select(Order)
                .where(Order.id == order_id)
                .options(joinedload(Order.lines))
                .with_for_update(of=Order)
            )
            .unique()
            .scalar_one_or_none()
        )
        if order is None or order.status != "pending":
            raise NoLongerPendingError(order.status if order else "missing")
        order.stock_state = "committed"
        order.paid_at = paid_at = utcnow()
        move(order, "paid")
        lines = [{"product_id": str(x.product_id), "quantity": x.quantity} for x in order.lines]
        user_id = str(order.user_id)
        send_later(
            session,
            OutboxMessage,
            "cart",
            "/checked-out",
            {"user_id": user_id, "order_id": str(order_id), "lines": lines},
            before_answer=True,  # the buyer's next look at the cart finds it emptied
        )
        for line in lines:
            send_later(
                session,
                OutboxMessage,
                "products",
                "/sales",
                line,
                may_wait=SALES_MAY_WAIT_SECONDS,
            )
        record_event(
            session,
            OutboxMessage,
            "order_placed",
            user_id=user_id,
            metadata={
                "order_id": str(order_id),
                "total": str(order.total),
                "currency": order.currency,
                "lines": lines,
            },
        )
        tell_sellers(session, order, "order.new", paid_at)
        return ShipmentOrder.of(order)


def request_shipment(deps: Deps, order_id: uuid.UUID, paid: ShipmentOrder | None = None) -> bool:
    """Ask shipping for the order's shipment (idempotent by order id); `paid` is what
    `finish_paid` returned, else the order is read first. False when shipping is down; the
    recovery loop asks again later."""
    if paid is None:
        with deps.transactions() as session:
            order = session.scalar(
                select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
            )
            if order is None or order.status != "paid" or order.shipment_id is not None:
                return True
            paid = ShipmentOrder.of(order)
    try:
        shipment = deps.clients.shipping.create_shipment(
            order_id, paid.user_id, paid.zone, paid.method, paid.address, paid.lines
        )
    except DependencyError:
        log.warning("could not create the shipment of order %s; will retry", order_id)
        return False
    with deps.transactions() as session:
        order = lock_order(session, order_id)
        order.shipment_id = order.shipment_id or shipment.id
        order.tracking_number = order.tracking_number or shipment.tracking_number
        cancelled_meanwhile = order.status == "cancelled"
    if cancelled_meanwhile:
        try:
            deps.clients.shipping.cancel_shipment(order_id)
        except Exception:
            log.warning("could not cancel the shipment of cancelled order %s", order_id)
    return True


def answer_for_order(deps: Deps, order_id: uuid.UUID) -> Answer | None:
    """What `POST /api/orders` answered (or would have) for this order; None while pending."""
    with deps.transactions() as session:
        order = (
            session.execute(
                select(Order)
                .where(Order.id == order_id)
                # One statement: an order has few lines and fewer refunds.
                .options(
                    joinedload(Order.lines),
                    joinedload(Order.payment).joinedload(Payment.refunds),
                )
            )
            .unique()
            .scalar_one_or_none()
        )
        if order is None or order.status == "pending":
            return None
        if order.paid_at is not None:
            return Answer(201, checkout_out(order).model_dump(mode="json"))
        details = {"order_id": str(order_id)}
        failures: dict[str, ApiError] = {
            "payment_declined": PaymentDeclinedError(details=details),
            "out_of_stock": OutOfStockError(details=details),
            "reservation_expired": ReservationExpiredError(details=details),
        }
        error = failures.get(order.failure_reason or "") or ConflictError(
            "The checkout failed", code="checkout_failed", details=details
        )
        return error_answer(error)
