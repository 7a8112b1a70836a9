"""The shipping schema: methods, zones and their rates as data; shipments and their events.

A shipment moves `pending` → `picked_up` → `out_for_delivery` → `delivered`; a pending one
may become `cancelled`. Every move is a `shipment_events` row and is sent to the orders
service through the outbox, so the order follows.
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from souk_kit.db import CreatedAt, UpdatedAt, UuidPrimaryKey
from souk_kit.outbox import OutboxMixin
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SHIPMENT_STATUSES = ("pending", "picked_up", "out_for_delivery", "delivered", "cancelled")


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="shipping")


class ShippingMethod(Base):
    __tablename__ = "methods"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    min_days: Mapped[int] = mapped_column(sa.SmallInteger)
    max_days: Mapped[int] = mapped_column(sa.SmallInteger)
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)

    __table_args__ = (
        sa.CheckConstraint("min_days >= 0 AND max_days >= min_days", name="ck_methods_days"),
    )


class ShippingZone(Base):
    __tablename__ = "zones"

    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(sa.SmallInteger, default=0)


class ShippingRate(Base):
    """The price of sending a parcel by one method to one zone: base cost + cost per kg."""

    __tablename__ = "rates"

    method_code: Mapped[str] = mapped_column(
        sa.String(40), sa.ForeignKey("shipping.methods.code", ondelete="CASCADE"), primary_key=True
    )
    zone_code: Mapped[str] = mapped_column(
        sa.String(40), sa.ForeignKey("shipping.zones.code", ondelete="CASCADE"), primary_key=True
    )
    base_cost: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    cost_per_kg: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))

    __table_args__ = (
        sa.CheckConstraint("base_cost >= 0 AND cost_per_kg >= 0", name="ck_rates_not_negative"),
    )


class Shipment(Base):
    """One order's parcel. `user_id`, `address` and `lines` are internal: never shown by tracking."""

    __tablename__ = "shipments"

    id: Mapped[UuidPrimaryKey]
    order_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    tracking_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    zone: Mapped[str] = mapped_column(sa.String(40), sa.ForeignKey("shipping.zones.code"))
    method: Mapped[str] = mapped_column(sa.String(40), sa.ForeignKey("shipping.methods.code"))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    courier_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'picked_up', 'out_for_delivery', 'delivered', 'cancelled')",
            name="ck_shipments_status",
        ),
        sa.CheckConstraint(
            "(status IN ('pending', 'cancelled')) OR courier_id IS NOT NULL",
            name="ck_shipments_courier_after_pickup",
        ),
        # A courier's pool: pending, unassigned shipments of a zone, oldest first.
        sa.Index(
            "ix_shipments_pool",
            "zone",
            "created_at",
            postgresql_where=sa.text("status = 'pending' AND courier_id IS NULL"),
        ),
        sa.Index("ix_shipments_courier", "courier_id", "status", "created_at"),
        sa.Index("ix_shipments_user", "user_id", "created_at"),
        sa.Index("ix_shipments_status", "status", "created_at"),
        sa.Index("ix_shipments_zone", "zone", "created_at"),
        sa.Index("ix_shipments_created", "created_at"),
    )


class ShipmentEvent(Base):
    """One step of a shipment, append-only; `note` is shown by public tracking, so never personal."""

    __tablename__ = "shipment_events"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    shipment_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("shipping.shipments.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.String(200))
    courier_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (sa.Index("ix_shipment_events_shipment", "shipment_id", "at", "id"),)


class OutboxMessage(OutboxMixin, Base):
    pass
