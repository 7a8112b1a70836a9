"""A product as the catalogue shows it: the columns every read selects (its image files, its
best active offer and the price after it, all worked out in SQL the same way everywhere), and
the dict the API shows for such a row."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
from services.products.service.images import MEDIA_URL

HUNDRED = literal_column("100", Integer)

products = Product.__table__
offers = Offer.__table__
images = ProductImage.__table__
# The product a row shows (the catalogue's pages pick their ids from `products` itself).
shown = products.alias("p")


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
    """The shown product's best active offer (lowest price after it), and that price."""
    offer_price = func.coalesce(
        offers.c.price,
        func.round(shown.c.price * (HUNDRED - offers.c.percent_off) / HUNDRED, literal_column("2")),
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
        .where(active_offer(shown.c.id))
        .order_by(offer_price, offers.c.starts_at.desc(), offers.c.id)
        .limit(literal_column("1"))
        .lateral("best_offer")
    )


BEST_OFFER = _best_offer()
IMAGE_FILES = (
    select(func.array_agg(images.c.file_name).aggregate_order_by(images.c.created_at, images.c.id))
    .where(images.c.product_id == shown.c.id)
    .correlate(shown)
    .scalar_subquery()
)
EFFECTIVE_PRICE = func.least(shown.c.price, BEST_OFFER.c.best_price)


def as_text(column: ColumnElement[Any], name: str) -> ColumnElement[str]:
    """A UUID or numeric as PostgreSQL writes it, which is what the API shows (`str` of the
    `Decimal` or `UUID` the driver would otherwise build, for JSON to turn back into text)."""
    return cast(column, Text).label(name)


# The columns of a shown product, in the order `show` unpacks them.
SHOWN_COLUMNS = (
    as_text(shown.c.id, "id"),
    shown.c.name,
    shown.c.description,
    as_text(shown.c.price, "price"),
    as_text(EFFECTIVE_PRICE, "effective_price"),
    shown.c.stock,
    shown.c.category,
    as_text(shown.c.seller_id, "seller_id"),
    shown.c.sku,
    IMAGE_FILES.label("image_files"),
    cast(shown.c.rating, Float).label("rating"),
    shown.c.review_count,
    as_text(BEST_OFFER.c.id, "offer_id"),
    as_text(BEST_OFFER.c.percent_off, "offer_percent_off"),
    as_text(BEST_OFFER.c.price, "offer_price"),
    BEST_OFFER.c.starts_at.label("offer_starts_at"),
    BEST_OFFER.c.ends_at.label("offer_ends_at"),
    as_text(shown.c.weight_kg, "weight_kg"),
    shown.c.disabled,
    shown.c.deleted_at,
    shown.c.created_at,
    shown.c.updated_at,
)
EFFECTIVE, SELLER_ID, DISABLED, DELETED_AT = 4, 7, 18, 19  # positions in a shown row


def shown_rows(which: ColumnElement[bool]) -> Select[Any]:
    """The shown columns of the products `which` picks (a condition on `shown`)."""
    return select(*SHOWN_COLUMNS).select_from(shown).outerjoin(BEST_OFFER, true()).where(which)


def _iso(moment: datetime) -> str:
    """As the JSON provider writes a time: ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def show(row: Sequence[Any], currency: str) -> dict[str, Any]:
    """A shown row as the API shows it (the fields of `ProductOut`, in its order), ready for
    JSON: ids and amounts already text."""
    (
        product_id,
        name,
        description,
        price,
        effective_price,
        stock,
        category,
        seller_id,
        sku,
        image_files,
        rating,
        review_count,
        offer_id,
        percent_off,
        offer_price,
        starts_at,
        ends_at,
        weight_kg,
        disabled,
        deleted_at,
        created_at,
        updated_at,
    ) = row
    return {
        "id": product_id,
        "name": name,
        "description": description,
        "price": price,
        "effective_price": effective_price,
        "currency": currency,
        "stock": stock,
        "in_stock": stock > 0,
        "category": category,
        "seller_id": seller_id,
        "sku": sku,
        "images": [MEDIA_URL + file for file in image_files] if image_files else [],
        "rating": rating if review_count else None,
        "review_count": review_count,
        "offer": None
        if offer_id is None
        else {
            "id": offer_id,
            "percent_off": percent_off,
            "price": offer_price,
            "starts_at": _iso(starts_at),
            "ends_at": None if ends_at is None else _iso(ends_at),
        },
        "weight_kg": weight_kg,
        "active": not disabled and deleted_at is None,
        "created_at": _iso(created_at),
        "updated_at": _iso(updated_at),
    }


def show_new(product: Product, currency: str) -> dict[str, Any]:
    """A product just created: no images or offers yet, so no query is needed to show it."""
    return show(
        (
            str(product.id),
            product.name,
            product.description,
            str(product.price),
            str(product.price),
            product.stock,
            product.category,
            str(product.seller_id),
            product.sku,
            [],
            float(product.rating),
            product.review_count,
            None,
            None,
            None,
            None,
            None,
            str(product.weight_kg),
            product.disabled,
            product.deleted_at,
            product.created_at,
            product.updated_at,
        ),
        currency,
    )
