import uuid
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from souk_kit.db import CreatedAt, UuidPrimaryKey
from souk_kit.outbox import OutboxMixin, ProcessedMessageMixin
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# A product is in the public catalogue while this holds; the list indexes cover only these rows.
LISTED = "NOT disabled AND deleted_at IS NULL"

# Name and description stemmed in English for ranked search, plus the name word by word
# ('simple') so that a prefix query finds partial words ("headph" → "headphones").
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, name), 'A') || "
    "setweight(to_tsvector('english'::regconfig, description), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, name), 'C')"
)


def utcnow() -> datetime:
    """The wall clock, not the transaction's start: products made in one transaction stay ordered."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="products")


class Product(Base):
    """A seller's product. Stock, rating and sales are read models pushed by other services."""

    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, primary_key=True, default=uuid.uuid4, server_default=sa.func.gen_random_uuid()
    )
    seller_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    price: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    category: Mapped[str | None] = mapped_column(sa.String(60))
    sku: Mapped[str | None] = mapped_column(sa.String(64))
    weight_kg: Mapped[Decimal] = mapped_column(sa.Numeric(8, 3), server_default="0.5")
    disabled: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.text("false")
    )
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now(), onupdate=utcnow
    )
    # Read models: copies of other services' numbers, applied only when newer (by version).
    stock: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    stock_version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    rating: Mapped[Decimal] = mapped_column(
        sa.Numeric(3, 2), default=Decimal("0"), server_default="0"
    )
    review_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rating_version: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    sold_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    search: Mapped[str] = mapped_column(
        TSVECTOR, sa.Computed(SEARCH_DOCUMENT, persisted=True), deferred=True
    )

    __table_args__ = (
        sa.CheckConstraint("price >= 0", name="ck_products_price_not_negative"),
        sa.Index(
            "uq_products_seller_sku",
            "seller_id",
            "sku",
            unique=True,
            postgresql_where=sa.text("sku IS NOT NULL AND deleted_at IS NULL"),
        ),
        sa.Index("ix_products_seller_created", "seller_id", "created_at", "id"),
        sa.Index(
            "ix_products_listed_created", "created_at", "id", postgresql_where=sa.text(LISTED)
        ),
        sa.Index("ix_products_listed_price", "price", "id", postgresql_where=sa.text(LISTED)),
        # `in_stock=true`: counted and paged from this index alone.
        sa.Index(
            "ix_products_listed_in_stock_created",
            "created_at",
            "id",
            postgresql_where=sa.text(f"{LISTED} AND stock > 0"),
        ),
        sa.Index(
            "ix_products_listed_rating",
            "rating",
            "review_count",
            "id",
            postgresql_where=sa.text(LISTED),
        ),
        sa.Index(
            "ix_products_listed_popular", "sold_count", "id", postgresql_where=sa.text(LISTED)
        ),
        sa.Index(
            "ix_products_listed_category_created",
            "category",
            "created_at",
            "id",
            postgresql_where=sa.text(LISTED),
        ),
        sa.Index(
            "ix_products_listed_category_price",
            "category",
            "price",
            "id",
            postgresql_where=sa.text(LISTED),
        ),
        sa.Index(
            "ix_products_listed_search",
            "search",
            postgresql_using="gin",
            postgresql_where=sa.text(LISTED),
        ),
    )


class ListedChange(Base):
    """A change in how many listed products a category holds (a null category: those without
    one); a category's count is the sum of its rows. Triggers on `products` (migration 0003) add
    rows in the same transaction as every change, without locking any row other writers need;
    a background task folds each category's rows into one. A catalogue page's total is read
    here instead of counted."""

    __tablename__ = "listed_changes"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    category: Mapped[str | None] = mapped_column(sa.String(60))
    listed: Mapped[int] = mapped_column(sa.BigInteger)

    __table_args__ = (sa.Index("ix_listed_changes_category", "category"),)


class ProductImage(Base):
    __tablename__ = "product_images"

    id: Mapped[UuidPrimaryKey]
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.products.id", ondelete="CASCADE")
    )
    file_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size_bytes: Mapped[int] = mapped_column(sa.Integer)
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )

    __table_args__ = (sa.Index("ix_product_images_product", "product_id", "created_at", "id"),)


class Offer(Base):
    """A price cut for a while: either `percent_off` the list price or a fixed `price`."""

    __tablename__ = "offers"

    id: Mapped[UuidPrimaryKey]
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.products.id", ondelete="CASCADE")
    )
    percent_off: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    price: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    created_at: Mapped[CreatedAt]

    __table_args__ = (
        sa.CheckConstraint(
            "(percent_off IS NULL) <> (price IS NULL)", name="ck_offers_percent_or_price"
        ),
        sa.CheckConstraint(
            "percent_off IS NULL OR (percent_off > 0 AND percent_off < 100)",
            name="ck_offers_percent_range",
        ),
        sa.CheckConstraint("price IS NULL OR price >= 0", name="ck_offers_price_not_negative"),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ck_offers_ends_after"),
        sa.Index("ix_offers_product_starts", "product_id", "starts_at"),
    )


class Moderation(Base):
    """Each time a product was disabled or enabled: by whom, staff or its seller, and why. A
    product staff disabled stays disabled until staff enable it."""

    __tablename__ = "moderations"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("products.products.id", ondelete="CASCADE")
    )
    disabled: Mapped[bool] = mapped_column(sa.Boolean)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    by_user: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    by_staff: Mapped[bool] = mapped_column(sa.Boolean)
    at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )

    __table_args__ = (sa.Index("ix_moderations_product_at", "product_id", "at"),)


class Banner(Base):
    """A banner on the storefront's home, written by staff; shown while published and within
    its time window, by position."""

    __tablename__ = "banners"

    id: Mapped[UuidPrimaryKey]
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.String(1000), default="", server_default="")
    link_url: Mapped[str | None] = mapped_column(sa.String(500))
    position: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    published: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.text("false")
    )
    starts_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now(), onupdate=utcnow
    )

    __table_args__ = (
        sa.CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at",
            name="ck_banners_ends_after",
        ),
        sa.Index(
            "ix_banners_published_position",
            "position",
            "created_at",
            postgresql_where=sa.text("published"),
        ),
    )


class ContentPage(Base):
    """A page of the storefront written by staff ("about", "returns"…), found by its slug;
    plain sa.text, shown while published."""

    __tablename__ = "pages"

    slug: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    published: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.text("false")
    )
    position: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, server_default=sa.func.now(), onupdate=utcnow
    )


class OutboxMessage(OutboxMixin, Base):
    pass


class ProcessedMessage(ProcessedMessageMixin, Base):
    pass
