import uuid
from decimal import Decimal

from souk_kit.db import CreatedAt, UpdatedAt, UuidPrimaryKey
from souk_kit.outbox import OutboxMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    metadata = MetaData(schema="reviews")


class Review(Base):
    """One user's review of one product. `author_name` is copied from the auth service when the
    review is written, so listing reviews needs no other service."""

    __tablename__ = "reviews"

    id: Mapped[UuidPrimaryKey]
    product_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(2000), default="")
    author_name: Mapped[str] = mapped_column(String(100))
    verified_purchase: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]

    __table_args__ = (
        UniqueConstraint("product_id", "user_id", name="uq_reviews_product_user"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_reviews_rating"),
        Index("ix_reviews_product_created", "product_id", "created_at", "id"),
        Index("ix_reviews_user_created", "user_id", "created_at", "id"),
    )


class ProductRating(Base):
    """A product's rating summary and the version of the last copy sent to the catalogue.

    Every review change bumps `version` with an upsert, which also locks the row, so changes
    to one product's reviews are summarised one at a time and the catalogue can drop stale ones.
    """

    __tablename__ = "product_ratings"

    product_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    average_rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    updated_at: Mapped[UpdatedAt]


class OutboxMessage(OutboxMixin, Base):
    pass
