import uuid
from decimal import Decimal

import sqlalchemy as sa
from souk_kit.db import CreatedAt, UpdatedAt, UuidPrimaryKey
from souk_kit.outbox import OutboxMixin
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="reviews")


class Review(Base):
    """One user's review of one product. `author_name` is copied from the auth service when the
    review is written, so listing reviews needs no other service."""

    __tablename__ = "reviews"

    id: Mapped[UuidPrimaryKey]
    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    rating: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.String(2000), default="")
    author_name: Mapped[str] = mapped_column(sa.String(100))
    verified_purchase: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        sa.UniqueConstraint("product_id", "user_id", name="uq_reviews_product_user"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating"),
        sa.Index("ix_reviews_product_created", "product_id", "created_at", "id"),
        sa.Index("ix_reviews_user_created", "user_id", "created_at", "id"),
    )


class ProductRating(Base):
    """A product's rating summary and the version of the last copy sent to the catalogue.

    Every review change bumps `version` with an upsert, which also locks the row, so changes
    to one product's reviews are summarised one at a time and the catalogue can drop stale ones.
    """

    __tablename__ = "product_ratings"

    product_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    review_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    average_rating: Mapped[Decimal | None] = mapped_column(sa.Numeric(3, 2))
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    updated_at: Mapped[UpdatedAt]


class OutboxMessage(OutboxMixin, Base):
    pass
