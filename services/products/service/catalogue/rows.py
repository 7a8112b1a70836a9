"""A product as the catalogue reads it: the columns every read selects (its image files, its
best active offer and the price after it, all worked out in SQL the same way everywhere), read
back as a named `CatalogueRow`."""

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    and_,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)

from services.products.models import Offer, Product, ProductImage

HUNDRED = literal_column("100", Integer)

products = Product.__table__
offers = Offer.__table__
images = ProductImage.__table__
# The product a catalogue row describes (the pages pick their ids from `products` itself).
row_product = products.alias("p")


def listed() -> ColumnElement[bool]:
    """Shown in the catalogue; written exactly like the partial indexes' predicate."""
    return and_(not_(products.c.disabled), products.c.deleted_at.is_(None))


def active_offer(product_id: Any) -> ColumnElement[bool]:
    """An offer of `product_id` that runs now."""
    now = func.statement_timestamp()
    return and_(
        offers.c.product_id == product_id,
        offers.c.starts_at <= now,
        or_(offers.c.ends_at.is_(None), offers.c.ends_at > now),
    )


def _best_offer() -> Any:
    """The row product's best active offer (lowest price after it), and that price."""
    offer_price = func.coalesce(
        offers.c.price,
        func.round(
            row_product.c.price * (HUNDRED - offers.c.percent_off) / HUNDRED, literal_column("2")
        ),
    ).label("best_price")
    return (
        select(
            offers.c.id,
            offers.c.percent_off,
            offers.c.price,
            offers.c.starts_at,
            offers.c.ends_at,
            offer_price,
        )
        .where(active_offer(row_product.c.id))
        .order_by(offer_price, offers.c.starts_at.desc(), offers.c.id)
        .limit(literal_column("1"))
        .lateral("best_offer")
    )


BEST_OFFER = _best_offer()
IMAGE_FILES = (
    select(func.array_agg(images.c.file_name).aggregate_order_by(images.c.created_at, images.c.id))
    .where(images.c.product_id == row_product.c.id)
    .correlate(row_product)
    .scalar_subquery()
)
EFFECTIVE_PRICE = func.least(row_product.c.price, BEST_OFFER.c.best_price)


def as_text(column: ColumnElement[Any], name: str) -> ColumnElement[str]:
    """A UUID or numeric as PostgreSQL writes it, which is what the API shows (`str` of the
    `Decimal` or `UUID` the driver would otherwise build, for JSON to turn back into text)."""
    return cast(column, Text).label(name)


# The columns of a catalogue row, named and ordered as `CatalogueRow`'s fields.
CATALOGUE_COLUMNS = (
    as_text(row_product.c.id, "id"),
    row_product.c.name,
    row_product.c.description,
    as_text(row_product.c.price, "price"),
    as_text(EFFECTIVE_PRICE, "effective_price"),
    row_product.c.stock,
    row_product.c.category,
    as_text(row_product.c.seller_id, "seller_id"),
    row_product.c.sku,
    IMAGE_FILES.label("image_files"),
    cast(row_product.c.rating, Float).label("rating"),
    row_product.c.review_count,
    as_text(BEST_OFFER.c.id, "offer_id"),
    as_text(BEST_OFFER.c.percent_off, "offer_percent_off"),
    as_text(BEST_OFFER.c.price, "offer_price"),
    BEST_OFFER.c.starts_at.label("offer_starts_at"),
    BEST_OFFER.c.ends_at.label("offer_ends_at"),
    as_text(row_product.c.weight_kg, "weight_kg"),
    row_product.c.disabled,
    row_product.c.deleted_at,
    row_product.c.created_at,
    row_product.c.updated_at,
)


class CatalogueRow(NamedTuple):
    """A product as every catalogue read selects it: ids and amounts already text."""

    id: str
    name: str
    description: str
    price: str
    effective_price: str
    stock: int
    category: str | None
    seller_id: str
    sku: str | None
    image_files: list[str] | None
    rating: float
    review_count: int
    offer_id: str | None
    offer_percent_off: str | None
    offer_price: str | None
    offer_starts_at: datetime | None
    offer_ends_at: datetime | None
    weight_kg: str
    disabled: bool
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime


assert tuple(column.name for column in CATALOGUE_COLUMNS) == CatalogueRow._fields


def catalogue_rows(which: ColumnElement[bool]) -> Select[Any]:
    """The catalogue columns of the products `which` picks (a condition on `row_product`)."""
    return (
        select(*CATALOGUE_COLUMNS)
        .select_from(row_product)
        .outerjoin(BEST_OFFER, true())
        .where(which)
    )


BATCH_COLUMNS = (
    as_text(row_product.c.id, "id"),
    row_product.c.name,
    as_text(row_product.c.seller_id, "seller_id"),
    as_text(row_product.c.price, "price"),
    as_text(EFFECTIVE_PRICE, "effective_price"),
    row_product.c.disabled,
    row_product.c.deleted_at,
    as_text(row_product.c.weight_kg, "weight_kg"),
)


class BatchRow(NamedTuple):
    """What the batch lookup reads of a product, for cart and checkout."""

    id: str
    name: str
    seller_id: str
    price: str
    effective_price: str
    disabled: bool
    deleted_at: datetime | None
    weight_kg: str


assert tuple(column.name for column in BATCH_COLUMNS) == BatchRow._fields


def new_product_row(product: Product) -> CatalogueRow:
    """A product just created: no images or offers yet, so no query is needed to read it."""
    return CatalogueRow(
        id=str(product.id),
        name=product.name,
        description=product.description,
        price=str(product.price),
        effective_price=str(product.price),
        stock=product.stock,
        category=product.category,
        seller_id=str(product.seller_id),
        sku=product.sku,
        image_files=[],
        rating=float(product.rating),
        review_count=product.review_count,
        offer_id=None,
        offer_percent_off=None,
        offer_price=None,
        offer_starts_at=None,
        offer_ends_at=None,
        weight_kg=str(product.weight_kg),
        disabled=product.disabled,
        deleted_at=product.deleted_at,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )
