"""Giving back what an order took: its stock (inventory release) and its money (a refund).

Both steps are idempotent (inventory release is keyed by order id, the refund by a key made
from the order id), so the checkout, a cancel and the recovery loop may each run them, even
at the same time, and the buyer is refunded once.
"""

import logging
import uuid
from decimal import Decimal

from souk_kit.errors import DependencyError
from sqlalchemy import select

from services.orders.errors import PaymentProviderError
from services.orders.models import Payment, Refund
from services.orders.payments import Charge
from services.orders.service.common import Deps, lock_order

log = logging.getLogger("souk.orders.compensation")


def release_stock(deps: Deps, order_id: uuid.UUID) -> None:
    """Free held stock or put bought stock back; raises `DependencyError` if inventory is down."""
    with deps.transactions() as session:
        if lock_order(session, order_id).stock_state in ("released", "returned"):
            return
    outcome = deps.clients.inventory.release(order_id)
    with deps.transactions() as session:
        order = lock_order(session, order_id)
        order.stock_state = "returned" if outcome == "returned" else "released"


def record_charge(
    deps: Deps, order_id: uuid.UUID, charge: Charge | None, no_charge: str = "provider_error"
) -> str | None:
    """Store the provider's answer on the order's payment row; returns the row's status.

    A pending row takes any answer (None: no money moved, so it fails with `no_charge` as its
    code). A success is stored even over a row someone already gave up on, so money that
    moved is always on record, and refunded by whoever finds the order cancelled or failed.
    """
    with deps.transactions() as session:
        payment = session.scalar(
            select(Payment).where(Payment.order_id == order_id).with_for_update()
        )
        if payment is None:
            return None
        if charge is not None and charge.status == "succeeded":
            if payment.status in ("pending", "failed"):
                payment.provider_charge_id = charge.id
                payment.status, payment.failure_code = "succeeded", None
        elif payment.status == "pending":
            if charge is None:
                payment.status, payment.failure_code = "failed", no_charge
            else:
                payment.provider_charge_id = charge.id
                payment.status, payment.failure_code = "declined", charge.failure_code
        return payment.status


def settle_unknown_charge(deps: Deps, order_id: uuid.UUID) -> str | None:
    """The order's payment status, first asking the provider (by the charge's idempotency key)
    when the row is still `pending` because its answer was never stored. None: no payment.
    Raises `PaymentProviderError` when the provider cannot be asked."""
    with deps.transactions() as session:
        payment = session.scalar(select(Payment).where(Payment.order_id == order_id))
        if payment is None or payment.status != "pending":
            return payment.status if payment else None
        key = payment.idempotency_key
    return record_charge(
        deps, order_id, deps.clients.payments.find_charge(key), no_charge="abandoned"
    )


def refund_payment(deps: Deps, order_id: uuid.UUID) -> Decimal:
    """Refund what is left of the order's charge; returns the amount refunded now (0 if none).

    The refund row is written `pending` before the provider is called and reused on a retry
    (same idempotency key), so a crash in between never refunds twice.
    Raises `PaymentProviderError` when the provider fails.
    """
    with deps.transactions() as session:
        payment = session.scalar(
            select(Payment).where(Payment.order_id == order_id).with_for_update()
        )
        if payment is None or payment.status != "succeeded" or not payment.provider_charge_id:
            return Decimal("0.00")
        due = payment.amount - payment.refunded_amount
        if due <= 0:
            return Decimal("0.00")
        refund = session.scalar(
            select(Refund).where(Refund.payment_id == payment.id, Refund.status == "pending")
        )
        if refund is None:
            refund = Refund(
                payment_id=payment.id,
                idempotency_key=f"refund-{order_id}",
                amount=due,
                status="pending",
            )
            session.add(refund)
            session.flush()
        refund_id, key, charge_id = refund.id, refund.idempotency_key, payment.provider_charge_id
        amount = refund.amount
    answer = deps.clients.payments.refund(charge_id, amount, key)
    with deps.transactions() as session:
        payment = session.scalar(
            select(Payment).where(Payment.order_id == order_id).with_for_update()
        )
        refund = session.get(Refund, refund_id)
        assert payment is not None and refund is not None
        if refund.status != "pending":
            return Decimal("0.00")  # someone else recorded it meanwhile
        refund.status = "succeeded"
        refund.provider_refund_id = answer.id
        payment.refunded_amount += refund.amount
        if payment.refunded_amount >= payment.amount:
            payment.status = "refunded"
    return amount


def give_back(deps: Deps, order_id: uuid.UUID) -> bool:
    """Release the order's stock and refund its charge. True when nothing more is owed; else
    the order keeps `compensation_due` and the recovery loop tries again later."""
    done = True
    try:
        release_stock(deps, order_id)
    except DependencyError:
        log.warning("could not release the stock of order %s; will retry", order_id)
        done = False
    try:
        settle_unknown_charge(deps, order_id)
        refund_payment(deps, order_id)
    except (PaymentProviderError, DependencyError):
        log.warning("could not refund order %s; will retry", order_id, exc_info=True)
        done = False
    with deps.transactions() as session:
        lock_order(session, order_id).compensation_due = not done
    return done
