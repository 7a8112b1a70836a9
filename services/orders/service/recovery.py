"""The recovery loop: finishes or undoes what a crash or a timeout left half-done.

Each round claims a batch of orders that need attention (`FOR UPDATE SKIP LOCKED`, so replicas
never take the same ones) and leases them by bumping `updated_at`, then for each:
- a checkout left `pending`: if the payment went through (the stored charge, or the provider
  asked by the charge's idempotency key) the reservation is committed and the order finished
  as paid; otherwise the stock is released and the order fails with reason `abandoned`;
- a cancelled or failed order still owing stock or money: released and refunded;
- a paid order without a shipment: shipping is asked again.
Stored `Idempotency-Key` answers older than their lifetime are swept too.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from services.orders.errors import NoLongerPendingError, ReservationGoneError
from services.orders.models import Order, utcnow
from services.orders.service.common import Deps
from services.orders.service.compensation import give_back, settle_unknown_charge
from services.orders.service.idempotency import forget_old_keys, settle_key
from services.orders.service.steps import answer_for_order, fail, finish_paid, request_shipment

log = logging.getLogger("souk.orders.recovery")
BATCH = 50


@dataclass
class RecoveryReport:
    paid: int = 0
    abandoned: int = 0
    compensated: int = 0
    shipments: int = 0
    errors: int = 0
    keys_forgotten: int = 0


def needs_recovery() -> object:
    """The same condition as the partial index `ix_orders_needs_recovery`."""
    return or_(
        Order.status == "pending",
        Order.compensation_due,
        and_(Order.status == "paid", Order.shipment_id.is_(None)),
    )


def recover(deps: Deps, now: datetime | None = None) -> RecoveryReport:
    """One round of the loop; returns what it did."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=deps.settings.recovery_after_seconds)
    report = RecoveryReport()
    with deps.transactions() as session:
        due = (
            select(Order.id)
            .where(needs_recovery(), Order.updated_at < cutoff)  # type: ignore[arg-type]
            .order_by(Order.updated_at)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        claimed = session.execute(
            update(Order)
            .where(Order.id.in_(due.scalar_subquery()))
            .values(updated_at=now)
            .returning(Order.id, Order.status, Order.compensation_due)
        ).all()
    for order_id, status, owed in claimed:
        try:
            if status == "pending":
                outcome = settle_pending(deps, order_id)
                report.paid += outcome == "paid"
                report.abandoned += outcome == "failed"
            elif owed:
                report.compensated += give_back(deps, order_id)
            elif status == "paid":
                report.shipments += request_shipment(deps, order_id)
        except Exception:
            log.exception("recovery of order %s failed; will retry", order_id)
            report.errors += 1
    with deps.transactions() as session:
        ttl = timedelta(hours=deps.settings.idempotency_key_hours)
        report.keys_forgotten = forget_old_keys(session, ttl)
    return report


def settle_pending(deps: Deps, order_id: uuid.UUID) -> str:
    """Finish (`"paid"`) or undo (`"failed"`) a checkout left pending, from its stored state."""
    with deps.transactions() as session:
        order = session.get(Order, order_id)
        if order is None or order.status != "pending":
            return "skipped"
        user_id, key = order.user_id, order.idempotency_key
    # A charge whose answer was never stored is looked up with the provider first.
    payment_status = settle_unknown_charge(deps, order_id)
    charged, declined = payment_status == "succeeded", payment_status == "declined"
    if charged:
        try:
            deps.clients.inventory.commit(order_id)
        except ReservationGoneError:
            fail(deps, order_id, "reservation_expired")
            _settle_key(deps, user_id, key, order_id)
            return "failed"
        try:
            finish_paid(deps, order_id)
        except NoLongerPendingError:
            return "skipped"
        request_shipment(deps, order_id)
        _settle_key(deps, user_id, key, order_id)
        return "paid"
    fail(deps, order_id, "payment_declined" if declined else "abandoned")
    _settle_key(deps, user_id, key, None)
    return "failed"


def _settle_key(
    deps: Deps, user_id: uuid.UUID, key: str | None, order_id: uuid.UUID | None
) -> None:
    """Give the crashed request's Idempotency-Key the order's answer, or free it (None)."""
    if key is None:
        return
    answer = answer_for_order(deps, order_id) if order_id is not None else None
    with deps.transactions() as session:
        settle_key(session, user_id, key, answer)
