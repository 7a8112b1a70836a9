"""Orders as the API shows them (shared by the routes, the idempotency store and recovery)."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from services.orders.clients import Shipment
from services.orders.models import Order, OrderLine, OrderStatusChange, Payment
from services.orders.schemas import (
    CheckoutOut,
    HistoryOut,
    LineOut,
    OrderOut,
    OrderSummaryOut,
    PaymentOut,
    RefundOut,
    ShipmentOut,
)

ZERO = Decimal("0.00")


def line_out(line: OrderLine) -> LineOut:
    return LineOut.model_validate(line, from_attributes=True)


def payment_out(payment: Payment | None) -> PaymentOut | None:
    if payment is None:
        return None
    return PaymentOut(
        status=payment.status,
        provider=payment.provider,
        charge_id=payment.provider_charge_id,
        amount=payment.amount,
        refunded_amount=payment.refunded_amount,
        currency=payment.currency,
        refunds=[
            RefundOut(
                refund_id=r.provider_refund_id, amount=r.amount, status=r.status, at=r.created_at
            )
            for r in payment.refunds
        ],
    )


def _money(order: Order, lines: Sequence[OrderLine], partial: bool) -> dict[str, Decimal]:
    if not partial:
        return {
            "subtotal": order.subtotal,
            "discount": order.discount,
            "shipping_cost": order.shipping_cost,
            "total": order.total,
        }
    subtotal = sum((x.list_price * x.quantity for x in lines), ZERO)
    total = sum((x.line_total for x in lines), ZERO)
    return {
        "subtotal": subtotal,
        "discount": subtotal - total,
        "shipping_cost": ZERO,
        "total": total,
    }


def order_summary_out(
    order: Order, lines: Sequence[OrderLine], seller_view: bool = False
) -> OrderSummaryOut:
    return OrderSummaryOut(
        order_id=order.id,
        user_id=order.user_id,
        status=order.status,  # type: ignore[arg-type]
        items=[line_out(x) for x in lines],
        currency=order.currency,
        created_at=order.created_at,
        paid_at=order.paid_at,
        **_money(order, lines, seller_view),
    )


def order_out(
    order: Order,
    lines: Sequence[OrderLine],
    history: Sequence[OrderStatusChange],
    shipment: Shipment | None,
    seller_view: bool = False,
) -> OrderOut:
    """One order; a seller's view holds only their lines, their money, and no payment or address."""
    return OrderOut(
        **order_summary_out(order, lines, seller_view).model_dump(),
        failure_reason=order.failure_reason,
        shipping_address=None if seller_view else order.shipping_address,
        shipping_method=order.shipping_method,
        estimated_days=order.estimated_days,
        payment=None if seller_view else payment_out(order.payment),
        history=[HistoryOut(status=h.status, at=h.at, note=h.note) for h in history],  # type: ignore[arg-type]
        shipment=(
            ShipmentOut(
                id=shipment.id,
                tracking_number=shipment.tracking_number,
                status=shipment.status,
                courier_id=shipment.courier_id,
                events=shipment.events,
            )
            if shipment is not None
            else None
        ),
    )


def checkout_out(order: Order) -> CheckoutOut:
    return CheckoutOut(
        order_id=order.id,
        status=order.status,  # type: ignore[arg-type]
        subtotal=order.subtotal,
        discount=order.discount,
        shipping_cost=order.shipping_cost,
        total=order.total,
        currency=order.currency,
        items=[line_out(x) for x in order.lines],
        shipping_address=order.shipping_address,
        shipping_method=order.shipping_method,
        estimated_days=order.estimated_days,
        payment=payment_out(order.payment),
        tracking_number=order.tracking_number,
        created_at=order.created_at,
    )


def summary_json(order: Order) -> dict[str, Any]:
    return order_summary_out(order, order.lines).model_dump(mode="json")


def seller_summary_json(order: Order) -> dict[str, Any]:
    return order_summary_out(order, order.lines, seller_view=True).model_dump(mode="json")
