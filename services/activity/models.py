"""The activity schema: the append-only `events` log, the live updates and what they become
(inbox notifications, e-mails, the shops' webhook deliveries).

Storage choice for `events`, for a log that grows by about a million rows a month: a plain table, not
monthly partitions, with a btree index per query shape.

- Rows only ever arrive (no updates), so the heap stays dense and in `at` order, and
  autovacuum's insert-triggered runs keep the visibility map set for index-only scans.
- `at` has a btree: the staff's log pages newest-first (an ordered index scan that stops
  after one page, whatever the filter on `[from, to)`) and the stats read a date range
  through it. A BRIN index on `at` was the first candidate (tiny, nearly free to keep up),
  but it cannot give the log its order, and with the btree in place no plan chose it:
  on 1,000,000 seeded events (bench/activity.py) the 30-day stats took ~270 ms through
  BRIN or a skip scan of (type, at) against ~120 ms through the btree, and the log's first
  page went from a 165 ms parallel sort to 0.05 ms. So BRIN is not kept.
- The selective reads: a user's events (`me/recent`, the admin filter and the co-view
  join) on (user_id, type, at); one type over time (admin filter, funnel) on (type, at);
  a product's views (recommendations) on (product_id, type, at); and the orders holding a
  product (co-purchases) on a GIN (jsonb_path_ops) index over the metadata of
  `order_placed` rows only, which answers `metadata @> {"product_ids": [p]}` and
  `metadata @> {"lines": [{"product_id": p}]}` alike.
- Idempotent ingestion is a unique `event_id` and `INSERT … ON CONFLICT DO NOTHING`: one
  index, no second table of processed message ids. On a partitioned table that unique key
  would have to include `at`, and every month would need its partition created ahead of
  time (plus a default one to empty again); that pays off only when old months must be
  dropped cheaply (retention), which nothing here needs yet. Partitioning by month can be
  added later behind the same queries.
"""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from souk_kit.db import UuidPrimaryKey
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="activity")


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    # The outbox message id for server-side events, a fresh one for client events.
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    product_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    meta: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, server_default=sa.text("'{}'::jsonb")
    )
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index("ix_events_at", "at"),
        sa.Index(
            "ix_events_user_type_at",
            "user_id",
            "type",
            "at",
            postgresql_where=sa.text("user_id IS NOT NULL"),
        ),
        sa.Index("ix_events_type_at", "type", "at"),
        sa.Index(
            "ix_events_product_type_at",
            "product_id",
            "type",
            "at",
            postgresql_where=sa.text("product_id IS NOT NULL"),
        ),
        sa.Index(
            "ix_events_order_metadata",
            "metadata",
            postgresql_using="gin",
            postgresql_ops={"metadata": "jsonb_path_ops"},
            postgresql_where=sa.text("type = 'order_placed'"),
        ),
    )


class LiveEvent(Base):
    """An update streamed to a user (`user_id`) or to whoever watches a product (`product_id`).

    `seq` is the stream's event id. Rows are inserted under one transaction-level advisory
    lock (service/live.py), so `seq` order is commit order: a stream that has sent up to
    `seq` n can never later find a committed row below n, and resuming from `Last-Event-ID`
    loses nothing. Rows older than `SOUK_LIVE_KEEP_HOURS` are deleted.
    """

    __tablename__ = "live_events"

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    # The outbox message id: a redelivered message is stored once.
    message_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    product_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index(
            "ix_live_events_user", "user_id", "seq", postgresql_where=sa.text("user_id IS NOT NULL")
        ),
        sa.Index(
            "ix_live_events_product",
            "product_id",
            "seq",
            postgresql_where=sa.text("product_id IS NOT NULL"),
        ),
        sa.Index("ix_live_events_at", "at"),
    )


class Notification(Base):
    """One message in a user's in-app inbox, made from the live event it tells of."""

    __tablename__ = "notifications"

    id: Mapped[UuidPrimaryKey]
    # The live event's outbox message id: a redelivered message makes one notification.
    source_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        sa.Index("ix_notifications_unread", "user_id", postgresql_where=sa.text("read_at IS NULL")),
    )


class NotificationPreference(Base):
    """A user's choice for one kind of notification; no row means both channels on."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    inbox: Mapped[bool] = mapped_column(sa.Boolean)
    email: Mapped[bool] = mapped_column(sa.Boolean)


class OutgoingEmail(Base):
    """The e-mail outbox: written with the notification, sent (and retried) by the mailer."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    source_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default=sa.text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    gave_up_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.Index(
            "ix_outgoing_emails_due",
            "next_attempt_at",
            postgresql_where=sa.text("sent_at IS NULL AND gave_up_at IS NULL"),
        ),
    )


class WebhookEndpoint(Base):
    """A seller's HTTPS endpoint and the events it is sent, signed with its secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[UuidPrimaryKey]
    seller_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list[str]] = mapped_column(JSONB)
    description: Mapped[str] = mapped_column(sa.String(200), server_default=sa.text("''"))
    # The HMAC key of the signatures: the receiver holds it too, so it is kept as it is.
    secret: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # Failed attempts in a row, over all its deliveries; a success starts it again at 0.
    failures_in_a_row: Mapped[int] = mapped_column(sa.Integer, server_default=sa.text("0"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class WebhookDelivery(Base):
    """One event for one endpoint: written with the live event, sent (and retried) by the
    webhook sender."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[UuidPrimaryKey]
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("activity.webhook_endpoints.id", ondelete="CASCADE")
    )
    # The live event's outbox message id, which is also the event id the receiver sees.
    source_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default=sa.text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    gave_up_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index("ux_webhook_deliveries_endpoint_source", "endpoint_id", "source_id", unique=True),
        sa.Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        sa.Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("delivered_at IS NULL AND gave_up_at IS NULL"),
        ),
    )
