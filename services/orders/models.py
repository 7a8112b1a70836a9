"""The orders schema: orders with their lines and status history, payments and refunds,
stored Idempotency-Key answers, and the outbox.

An order records each checkout step's outcome (`stock_state`, its payment row, `shipment_id`),
so the recovery loop can finish or compensate it from the stored state alone.
"""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from souk_kit.db import UuidPrimaryKey
from souk_kit.outbox import OutboxMixin, ProcessedMessageMixin
from sqlalchemy.dialects.postgresql import JSON, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATUSES = ("pending", "paid", "picked_up", "out_for_delivery", "delivered", "cancelled", "failed")
# Orders whose money counts as revenue: paid or further along the delivery flow.
COUNTED_STATUSES = ("paid", "picked_up", "out_for_delivery", "delivered")
# none: nothing asked; held: reserved; committed: bought; released/returned: given back.
STOCK_STATES = ("none", "held", "committed", "released", "returned")
PAYMENT_STATUSES = ("pending", "succeeded", "declined", "failed", "refunded")

Money = sa.Numeric(12, 2)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="orders")


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[UuidPrimaryKey]
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", server_default="pending")
    failure_reason: Mapped[str | None] = mapped_column(sa.String(40))
    currency: Mapped[str] = mapped_column(sa.String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money)
    shipping_cost: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    shipping_address: Mapped[Any | None] = mapped_column(JSONB)
    shipping_method: Mapped[str] = mapped_column(sa.String(40))
    shipping_zone: Mapped[str | None] = mapped_column(sa.String(40))
    estimated_days: Mapped[int | None] = mapped_column(sa.Integer)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    stock_state: Mapped[str] = mapped_column(sa.String(20), default="none", server_default="none")
    # A cancelled or failed order whose stock or money is still to be given back.
    compensation_due: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.text("false")
    )
    shipment_id: Mapped[str | None] = mapped_column(sa.String(64))
    tracking_number: Mapped[str | None] = mapped_column(sa.String(64))
    courier_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now(), onupdate=utcnow
    )
    paid_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )
    history: Mapped[list["OrderStatusChange"]] = relationship(
        order_by="OrderStatusChange.id", cascade="all, delete-orphan"
    )
    payment: Mapped["Payment | None"] = relationship(back_populates="order", uselist=False)

    __table_args__ = (
        sa.CheckConstraint(_in("status", STATUSES), name="ck_orders_status"),
        sa.CheckConstraint(_in("stock_state", STOCK_STATES), name="ck_orders_stock_state"),
        sa.CheckConstraint(
            "total >= 0 AND subtotal >= 0 AND discount >= 0", name="ck_orders_money"
        ),
        sa.Index("ix_orders_user_created", "user_id", "created_at"),
        sa.Index("ix_orders_status_created", "status", "created_at"),
        sa.Index("ix_orders_created", "created_at"),
        # Not unique: a key may be used again once its stored answer expired.
        sa.Index(
            "ix_orders_user_idempotency_key",
            "user_id",
            "idempotency_key",
            postgresql_where=sa.text("idempotency_key IS NOT NULL"),
        ),
        sa.Index(
            "ix_orders_counted_paid_at",
            "paid_at",
            postgresql_where=sa.text(_in("status", COUNTED_STATUSES)),
        ),
        # What the recovery loop scans: unfinished checkouts, owed compensations, missing shipments.
        sa.Index(
            "ix_orders_needs_recovery",
            "updated_at",
            postgresql_where=sa.text(
                "status = 'pending' OR compensation_due OR (status = 'paid' AND shipment_id IS NULL)"
            ),
        ),
    )


class OrderLine(Base):
    """One product of an order, with its name and prices as they were at purchase."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("orders.orders.id", ondelete="CASCADE")
    )
    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    seller_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(200))
    list_price: Mapped[Decimal] = mapped_column(Money)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int] = mapped_column(sa.Integer)
    line_total: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="ck_order_lines_quantity"),
        # One line per product in an order (the checkout merges repeats), so a count of lines
        # is a count of orders in the analytics.
        sa.Index("uq_order_lines_order_product", "order_id", "product_id", unique=True),
        sa.Index(
            "ix_order_lines_seller_order",
            "seller_id",
            "order_id",
            postgresql_include=["product_id", "quantity", "line_total"],
        ),
        # A product's latest line (its name as last sold, for the top-products list).
        sa.Index("ix_order_lines_product_latest", "product_id", "id"),
    )


class OrderStatusChange(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("orders.orders.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )

    __table_args__ = (sa.Index("ix_order_status_history_order", "order_id", "id"),)


class Payment(Base):
    """The one charge of an order. Written `pending` before the provider is called, so a
    crash mid-call leaves a trace that recovery can settle with the provider."""

    __tablename__ = "payments"

    id: Mapped[UuidPrimaryKey]
    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("orders.orders.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(sa.String(40))
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    provider_charge_id: Mapped[str | None] = mapped_column(sa.String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending", server_default="pending")
    failure_code: Mapped[str | None] = mapped_column(sa.String(40))
    refunded_amount: Mapped[Decimal] = mapped_column(
        Money, default=Decimal("0.00"), server_default=sa.text("0")
    )
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now(), onupdate=utcnow
    )

    order: Mapped[Order] = relationship(back_populates="payment")
    refunds: Mapped[list["Refund"]] = relationship(order_by="Refund.created_at")

    __table_args__ = (
        sa.CheckConstraint(_in("status", PAYMENT_STATUSES), name="ck_payments_status"),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount", name="ck_payments_refunded"
        ),
    )


class Refund(Base):
    """Money given back for a charge; `payment_id` traces it to the charge."""

    __tablename__ = "refunds"

    id: Mapped[UuidPrimaryKey]
    payment_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("orders.payments.id", ondelete="CASCADE")
    )
    idempotency_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    provider_refund_id: Mapped[str | None] = mapped_column(sa.String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )

    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="ck_refunds_amount"),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name="ck_refunds_status"
        ),
        sa.Index("ix_refunds_payment", "payment_id"),
    )


class IdempotencyKey(Base):
    """An `Idempotency-Key` a user sent with `POST /api/orders`, and the answer to replay.

    The row is committed before the checkout runs; whoever holds its row lock while it has
    no answer runs the checkout, and everyone else with the same key waits on that lock.
    """

    __tablename__ = "idempotency_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    # `json`, not `jsonb`: a replay repeats the first answer's keys in the same order.
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.Index("ix_idempotency_keys_created", "created_at"),)


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(ProcessedMessageMixin, Base):
    pass
