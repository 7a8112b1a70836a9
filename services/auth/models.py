import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from souk_kit.db import CreatedAt, UpdatedAt, UuidPrimaryKey
from souk_kit.outbox import OutboxMixin
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="auth")


class User(Base):
    __tablename__ = "users"

    id: Mapped[UuidPrimaryKey]
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    role: Mapped[str] = mapped_column(sa.String(20), default="customer")
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    shop_name: Mapped[str | None] = mapped_column(sa.String(100))
    zone: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        sa.Index(
            "uq_users_email",
            sa.text("lower(email)"),
            unique=True,
            postgresql_where=sa.text("deleted_at IS NULL"),
        ),
        sa.Index("ix_users_role_created", "role", "created_at"),
    )


class UserSession(Base):
    """A signed-in device: its refresh token rotates; revoking it ends its access tokens too."""

    __tablename__ = "sessions"

    id: Mapped[UuidPrimaryKey]
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("auth.users.id", ondelete="CASCADE"), index=True
    )
    refresh_token_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index(
            "ix_sessions_revoked_at",
            "revoked_at",
            postgresql_where=sa.text("revoked_at IS NOT NULL"),
        ),
    )


class LoginThrottle(Base):
    """Failed sign-ins per email (known or not, so the limit reveals nothing about accounts)."""

    __tablename__ = "login_throttles"

    email: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_failure_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class OutboxMessage(OutboxMixin, Base):
    pass
