"""An order after checkout: cancelling it, moving it along the delivery flow by an admin or
by shipping's updates."""

import logging
import uuid

from souk_kit.auth import Identity
from souk_kit.outbox import record_event, send_later
from souk_kit.validation import parse_uuid
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.orders.errors import (
    AlreadyPickedUpError,
    CancelIncompleteError,
    IllegalTransitionError,
    OrderChangedError,
    OrderNotFoundError,
    ShipmentPickedUpError,
)
from services.orders.models import Order, OutboxMessage
from services.orders.schemas import ShipmentUpdateMessage
from services.orders.service.common import (
    FLOW,
    SALES_MAY_WAIT_SECONDS,
    Deps,
    lock_order,
    move,
    tell_sellers,
)
from services.orders.service.compensation import give_back

log = logging.getLogger("souk.orders.lifecycle")
CANCELLABLE = ("pending", "paid")
PICKED_UP_OR_LATER = ("picked_up", "out_for_delivery", "delivered")


def _check_cancellable(order: Order) -> None:
    if order.status in PICKED_UP_OR_LATER:
        raise AlreadyPickedUpError(details={"status": order.status})
    if order.status not in CANCELLABLE:
        raise IllegalTransitionError(
            f"A {order.status} order cannot be cancelled",
            details={"from": order.status, "to": "cancelled"},
        )


def cancel_order(deps: Deps, identity: Identity, raw_id: str) -> None:
    """Cancel a pending or paid order (its owner or an admin): the shipment is cancelled,
    stock goes back and the charge is refunded. Cancelling again while a refund is still
    owed retries it; otherwise a cancelled order answers 409."""
    order_id = parse_uuid(raw_id, OrderNotFoundError)
    with deps.transactions() as session:
        order = session.get(Order, order_id)
        if order is None or (identity.role != "admin" and order.user_id != identity.user_id):
            raise OrderNotFoundError()
        status, owed = order.status, order.compensation_due
    if status == "cancelled" and owed:
        if not give_back(deps, order_id):
            raise CancelIncompleteError()
        return
    if status not in CANCELLABLE:
        _check_cancellable(order)
    if status == "paid":
        # Shipping alone knows whether a courier has the parcel; it decides first.
        try:
            deps.clients.shipping.cancel_shipment(order_id)
        except ShipmentPickedUpError:
            raise AlreadyPickedUpError() from None
    with deps.transactions() as session:
        _mark_cancelled(session, order_id, status, identity)
    if not give_back(deps, order_id):
        raise CancelIncompleteError()


def _mark_cancelled(
    session: Session, order_id: uuid.UUID, status_seen: str, identity: Identity
) -> None:
    """Move the order to `cancelled` (owing its stock and refund) and tell who needs to know."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(selectinload(Order.lines))
        .with_for_update()
    )
    assert order is not None
    _check_cancellable(order)
    if order.status != status_seen:  # paid meanwhile: its shipment was not cancelled
        raise OrderChangedError()
    was_paid = order.status == "paid"
    move(order, "cancelled", note=f"cancelled by {identity.role}")
    order.compensation_due = True
    if was_paid:  # its sellers were told of it (order.new): tell them it is off
        tell_sellers(session, order, "order.cancelled", order.updated_at)
        for line in order.lines:
            send_later(
                session,
                OutboxMessage,
                "products",
                "/sales",
                {"product_id": str(line.product_id), "quantity": -line.quantity},
                may_wait=SALES_MAY_WAIT_SECONDS,
            )
    lines = [{"product_id": str(x.product_id), "quantity": x.quantity} for x in order.lines]
    record_event(
        session,
        OutboxMessage,
        "order_cancelled",
        user_id=str(order.user_id),
        metadata={"order_id": str(order_id), "lines": lines, "by": identity.role},
    )


def set_status(deps: Deps, identity: Identity, raw_id: str, status: str) -> None:
    """An admin moves an order one step along the delivery flow, or cancels it (with refund).
    Anything else (backwards, skipping, `paid` or `failed` by hand) is an illegal move."""
    if status == "cancelled":
        cancel_order(deps, identity, raw_id)
        return
    order_id = parse_uuid(raw_id, OrderNotFoundError)
    with deps.transactions() as session:
        order = lock_order(session, order_id)
        current = order.status
        legal = (
            current in FLOW[1:]
            and status in FLOW[2:]
            and FLOW.index(status) == FLOW.index(current) + 1
        )
        if not legal:
            raise IllegalTransitionError(details={"from": current, "to": status})
        move(order, status, note="set by an admin")


def apply_shipment_update(session: Session, update: ShipmentUpdateMessage) -> None:
    """Move the order to the shipment's status (outbox from shipping). A repeat, an older step,
    or an order that is not on the delivery flow any more is ignored; skipped steps get their
    history rows too."""
    order = session.scalar(select(Order).where(Order.id == update.order_id).with_for_update())
    if order is None:
        log.warning("ignoring a shipment update for unknown order %s", update.order_id)
        return
    if update.shipment_id:
        order.shipment_id = update.shipment_id
    if update.courier_id:
        order.courier_id = update.courier_id
    target = update.status
    if order.status not in FLOW[1:] or FLOW.index(target) <= FLOW.index(order.status):
        return
    for step in FLOW[FLOW.index(order.status) + 1 : FLOW.index(target) + 1]:
        move(order, step, note="from shipping", at=update.at)
