"""Inventory's tables: stock per product, reservations keyed by order id, and the ledger.

Invariants the database enforces as a backstop to the conditional updates in service.py:
`0 <= reserved <= stock`, so neither on-hand nor available stock can ever be negative.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from souk_kit.db import CreatedAt, UpdatedAt
from souk_kit.outbox import OutboxMixin, ProcessedMessageMixin
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="inventory")


class StockItem(Base):
    """One product's stock: `stock` on hand, `reserved` held for checkouts; available = the rest.

    `version` grows with every change of available stock, in the same UPDATE, so the
    products read model can drop messages that arrive out of order.
    """

    __tablename__ = "stock_items"

    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    stock: Mapped[int] = mapped_column(sa.Integer)
    reserved: Mapped[int] = mapped_column(sa.Integer, default=0)
    low_stock_threshold: Mapped[int] = mapped_column(sa.Integer)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    @property
    def available(self) -> int:
        return self.stock - self.reserved

    __table_args__ = (
        sa.CheckConstraint("stock >= 0", name="ck_stock_items_stock_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_stock_items_reserved_not_negative"),
        sa.CheckConstraint("reserved <= stock", name="ck_stock_items_reserved_within_stock"),
        sa.Index("ix_stock_items_seller_created", "seller_id", "created_at", "product_id"),
        sa.Index("ix_stock_items_created", "created_at", "product_id"),
        # Alerts read only the rows at or under their threshold.
        sa.Index(
            "ix_stock_items_low",
            "seller_id",
            "product_id",
            postgresql_where=sa.text("stock - reserved <= low_stock_threshold"),
        ),
    )


class Reservation(Base):
    """Stock held for one order: `held` → `committed` (sold) → `returned`, or `held` →
    `released` (by the orders service) / `expired` (never committed within the TTL)."""

    __tablename__ = "reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="held")
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('held', 'committed', 'released', 'expired', 'returned')",
            name="ck_reservations_status",
        ),
        # The expiry loop scans only the holds.
        sa.Index(
            "ix_reservations_held_expires",
            "expires_at",
            postgresql_where=sa.text("status = 'held'"),
        ),
    )


class ReservationLine(Base):
    __tablename__ = "reservation_lines"

    order_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid,
        sa.ForeignKey("inventory.reservations.order_id", ondelete="CASCADE"),
        primary_key=True,
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("inventory.stock_items.product_id"), primary_key=True
    )
    quantity: Mapped[int] = mapped_column(sa.Integer)

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="ck_reservation_lines_quantity_positive"),
        sa.Index("ix_reservation_lines_product", "product_id"),
    )


class StockMovement(Base):
    """The ledger: one row per change of a product's on-hand stock (and per release of a hold).

    `quantity` is the signed change of `stock`, so for every product the movements sum to
    its stock; `reserved_change` is the signed change of `reserved` the movement made.
    """

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("inventory.stock_items.product_id", ondelete="CASCADE")
    )
    change_type: Mapped[str] = mapped_column(sa.String(20))
    quantity: Mapped[int] = mapped_column(sa.Integer)
    reserved_change: Mapped[int] = mapped_column(sa.Integer, default=0)
    old_stock: Mapped[int] = mapped_column(sa.Integer)
    new_stock: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    order_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (
        sa.CheckConstraint(
            "change_type IN ('restock', 'purchase', 'adjustment', 'release', 'return')",
            name="ck_stock_movements_change_type",
        ),
        sa.CheckConstraint("new_stock = old_stock + quantity", name="ck_stock_movements_adds_up"),
        sa.Index("ix_stock_movements_product_id", "product_id", "id"),
    )


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(ProcessedMessageMixin, Base):
    pass
