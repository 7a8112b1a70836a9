"""Reading the catalogue: one statement per request (a page and its total together), no per-row
queries. Prices shown are computed in SQL the same way everywhere, so the detail, the list and
checkout's batch lookup always agree.

The statements are built once per shape (which filters, which sort) and compiled once; a
request only binds its values. Rows are read as plain tuples and shown as plain dicts."""

import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from souk_kit.auth import Identity
from souk_kit.errors import NotFoundError, ValidationError
from souk_kit.pagination import PageQuery
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Float,
    Integer,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from services.products.models import Offer, Product, ProductImage
from services.products.schemas import CatalogueQuery, CategoryQuery
from services.products.service.common import parse_id
from services.products.service.images import MEDIA_URL
from services.products.service.statements import ReadStatement

ENGLISH = literal_column("'english'::regconfig")
SIMPLE = literal_column("'simple'::regconfig")
ZERO = literal_column("0")
HUNDRED = literal_column("100")
MAX_BATCH_IDS = 500
_WORD = re.compile(r"[^\W_]+")
_WEBSEARCH_SYNTAX = re.compile(r'"|(^|\s)-|\bor\b', re.IGNORECASE)

products = Product.__table__
offers = Offer.__table__
images = ProductImage.__table__
# The product a row shows; `products` itself picks the ids of a page.
shown = products.alias("p")

# Each ends with the id so pages never overlap; each has a partial index (see models).
SORTS: dict[str, tuple[tuple[str, bool], ...]] = {  # (column, descending)
    "newest": (("created_at", True), ("id", True)),
    "price": (("price", False), ("id", False)),
    "-price": (("price", True), ("id", True)),
    "rating": (("rating", True), ("review_count", True), ("id", True)),
    "popular": (("sold_count", True), ("id", True)),
}


def _ordered(source: Any, keys: Sequence[tuple[str, bool]]) -> list[Any]:
    return [source.c[name].desc() if descending else source.c[name] for name, descending in keys]


def listed() -> ColumnElement[bool]:
    """Shown in the catalogue; written exactly like the partial indexes' predicate."""
    return and_(not_(products.c.disabled), products.c.deleted_at.is_(None))


def _best_offer() -> Any:
    """The shown product's best active offer (lowest price after it), and that price."""
    offer_price = func.coalesce(
        offers.c.price,
        func.round(shown.c.price * (HUNDRED - offers.c.percent_off) / HUNDRED, literal_column("2")),
    ).label("best_price")
    now = func.statement_timestamp()
    return (
        select(
            offers.c.id,
            offers.c.percent_off,
            offers.c.price,
            offers.c.starts_at,
            offers.c.ends_at,
            offer_price,
        )
        .where(
            offers.c.product_id == shown.c.id,
            offers.c.starts_at <= now,
            or_(offers.c.ends_at.is_(None), offers.c.ends_at > now),
        )
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


def _text(column: ColumnElement[Any], name: str) -> ColumnElement[str]:
    """A UUID or numeric as PostgreSQL writes it, which is what the API shows (`str` of the
    `Decimal` or `UUID` the driver would otherwise build, for JSON to turn back into text)."""
    return cast(column, Text).label(name)


# The columns of a shown product, in the order `show` unpacks them.
SHOWN_COLUMNS = (
    _text(shown.c.id, "id"),
    shown.c.name,
    shown.c.description,
    _text(shown.c.price, "price"),
    _text(EFFECTIVE_PRICE, "effective_price"),
    shown.c.stock,
    shown.c.category,
    _text(shown.c.seller_id, "seller_id"),
    shown.c.sku,
    IMAGE_FILES.label("image_files"),
    cast(shown.c.rating, Float).label("rating"),
    shown.c.review_count,
    _text(BEST_OFFER.c.id, "offer_id"),
    _text(BEST_OFFER.c.percent_off, "offer_percent_off"),
    _text(BEST_OFFER.c.price, "offer_price"),
    BEST_OFFER.c.starts_at.label("offer_starts_at"),
    BEST_OFFER.c.ends_at.label("offer_ends_at"),
    _text(shown.c.weight_kg, "weight_kg"),
    shown.c.disabled,
    shown.c.deleted_at,
    shown.c.created_at,
    shown.c.updated_at,
)
_SELLER_ID, _DISABLED, _DELETED_AT = 7, 18, 19


def _iso(moment: datetime) -> str:
    """As the JSON provider writes a time: ISO 8601 in UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def show(row: Sequence[Any], currency: str) -> dict[str, Any]:
    """A product row as the API shows it (the fields of `ProductOut`, in its order), ready for
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


def _shown_rows(which: ColumnElement[bool]) -> Select[Any]:
    """The shown columns of the products `which` picks (a condition on `shown`)."""
    return select(*SHOWN_COLUMNS).select_from(shown).outerjoin(BEST_OFFER, true()).where(which)


DETAIL = ReadStatement(_shown_rows(shown.c.id == bindparam("id", type_=Uuid)))


@dataclass(frozen=True)
class Shape:
    """What a page statement depends on: which filters are given and the order."""

    seller_scope: bool = False  # a seller's own products (disabled ones too), not the catalogue
    category: bool = False
    seller_id: bool = False
    min_price: bool = False
    max_price: bool = False
    in_stock: bool | None = None
    search: bool = False
    prefix: bool = False  # the search also matches the name's words by prefix
    sort: str | None = None


def _text_query(prefix: bool) -> ColumnElement[Any]:
    """`q` as a tsquery, worked out once per statement (a prepared statement's generic plan
    would otherwise parse `q` again for every row it ranks or rechecks)."""
    query: ColumnElement[Any] = func.websearch_to_tsquery(ENGLISH, bindparam("q"))
    if prefix:
        query = query.op("||")(func.to_tsquery(SIMPLE, bindparam("prefix")))
    return select(query).scalar_subquery()


@functools.cache
def page_statement(shape: Shape) -> ReadStatement:
    """The page and the number of matching products in one statement: the count, and the page's
    ids picked from a partial index (`NOT disabled AND deleted_at IS NULL`, one per sort, per
    category, and for `in_stock=true`) or, for a search, from its matches, and only then
    decorated with images and the best offer.
    Always at least one row: past the last page the product columns are null."""
    if shape.seller_scope:
        conditions = [
            products.c.seller_id == bindparam("seller_id", type_=Uuid),
            products.c.deleted_at.is_(None),
        ]
    else:
        conditions = [listed()]
        if shape.seller_id:
            conditions.append(products.c.seller_id == bindparam("seller_id", type_=Uuid))
    if shape.category:
        conditions.append(products.c.category == bindparam("category"))
    if shape.min_price:
        conditions.append(products.c.price >= bindparam("min_price"))
    if shape.max_price:
        conditions.append(products.c.price <= bindparam("max_price"))
    if shape.in_stock is not None:
        conditions.append(products.c.stock > ZERO if shape.in_stock else products.c.stock == ZERO)
    keys = SORTS[shape.sort or "newest"]
    source: Any = products
    if shape.search:
        text_query = _text_query(shape.prefix)
        conditions.append(products.c.search.op("@@")(text_query))
        columns = [products.c[name] for name in dict.fromkeys(name for name, _ in keys)]
        if shape.sort is None:  # by relevance, then newest
            columns.append(func.ts_rank(products.c.search, text_query).label("rank"))
            keys = (("rank", True), *keys)
        # Every match is read once (ranked when needed), then counted and sorted for the page.
        source = select(*columns).where(*conditions).cte("matched")
        conditions = []
    counted = (select(func.count().label("total")).select_from(source).where(*conditions)).subquery(
        "counted"
    )
    # The page carries its sort keys out so the outer query can keep its order; a window
    # function numbering the rows instead would stop PostgreSQL from keeping only the top rows
    # while it sorts.
    page = (
        select(*(source.c[name] for name in dict.fromkeys(("id", *(n for n, _ in keys)))))
        .where(*conditions)
        .order_by(*_ordered(source, keys))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    # LIMIT 1 keeps the decoration a lateral lookup per page row (by primary key), whatever
    # number of rows a generic plan guesses the page to hold.
    decorated = _shown_rows(shown.c.id == page.c.id).limit(literal_column("1")).lateral("shown")
    # A price range's best plan depends on how much of the catalogue it spans, so those
    # shapes are planned for their values on every run rather than prepared.
    return ReadStatement(
        select(counted.c.total, *decorated.c)
        .select_from(counted)
        .outerjoin(page, true())
        .outerjoin(decorated, true())
        .order_by(*_ordered(page, keys)),
        prepare=not (shape.min_price or shape.max_price),
    )


def _page_of(
    session: Session, shape: Shape, params: dict[str, Any], query: PageQuery, currency: str
) -> tuple[list[dict[str, Any]], int]:
    params["limit"], params["offset"] = query.per_page, query.offset
    rows = page_statement(shape).rows(session, params)
    total = rows[0][0] if rows else 0
    return [show(row[1:], currency) for row in rows if row[1] is not None], total


def _prefix_query(q: str) -> str | None:
    """`head:* & phon:*` for type-ahead on partial words; None when q uses search syntax."""
    if _WEBSEARCH_SYNTAX.search(q):
        return None
    words = _WORD.findall(q)[:8]
    return " & ".join(f"{word.lower()}:*" for word in words) or None


def list_products(
    session: Session, query: CatalogueQuery, currency: str
) -> tuple[list[dict[str, Any]], int]:
    """One page of the public catalogue (shown) and the number of matching products."""
    params: dict[str, Any] = {}
    if query.category is not None:
        params["category"] = query.category
    if query.seller_id is not None:
        params["seller_id"] = query.seller_id
    if query.min_price is not None:
        params["min_price"] = query.min_price
    if query.max_price is not None:
        params["max_price"] = query.max_price
    prefix = None
    if query.q:
        params["q"] = query.q
        prefix = _prefix_query(query.q)
        if prefix is not None:
            params["prefix"] = prefix
    shape = Shape(
        category=query.category is not None,
        seller_id=query.seller_id is not None,
        min_price=query.min_price is not None,
        max_price=query.max_price is not None,
        in_stock=query.in_stock,
        search=bool(query.q),
        prefix=prefix is not None,
        sort=query.sort,
    )
    return _page_of(session, shape, params, query, currency)


def seller_products(
    session: Session, seller_id: uuid.UUID, query: PageQuery, currency: str
) -> tuple[list[dict[str, Any]], int]:
    """A seller's own products, disabled ones included, newest first."""
    params: dict[str, Any] = {"seller_id": seller_id}
    return _page_of(session, Shape(seller_scope=True), params, query, currency)


def product_row(session: Session, product_id: uuid.UUID) -> Sequence[Any]:
    """A product's shown row, deleted and disabled ones too (pending changes flushed first)."""
    session.flush()
    rows = DETAIL.rows(session, {"id": product_id})
    if not rows:
        raise NotFoundError("No such product")
    return rows[0]


def show_product(
    session: Session, product_id: str, viewer: Identity | None, currency: str
) -> dict[str, Any]:
    """A deleted product is gone; a disabled one is seen only by its seller and admins."""
    rows = DETAIL.rows(session, {"id": parse_id(product_id)})
    if not rows or rows[0][_DELETED_AT] is not None:
        raise NotFoundError("No such product")
    row = rows[0]
    if row[_DISABLED] and not (
        viewer and (viewer.role == "admin" or viewer.user_id == row[_SELLER_ID])
    ):
        raise NotFoundError("No such product")
    return show(row, currency)


BATCH = ReadStatement(
    select(
        _text(shown.c.id, "id"),
        shown.c.name,
        _text(shown.c.seller_id, "seller_id"),
        _text(shown.c.price, "price"),
        _text(EFFECTIVE_PRICE, "effective_price"),
        shown.c.disabled,
        shown.c.deleted_at,
        _text(shown.c.weight_kg, "weight_kg"),
    )
    .select_from(shown)
    .outerjoin(BEST_OFFER, true())
    .where(shown.c.id == any_(bindparam("ids", type_=ARRAY(Uuid))))
)


def products_by_ids(session: Session, raw_ids: str, currency: str) -> list[dict[str, Any]]:
    """Every product named (deleted and disabled ones too) with its prices and whether it may be
    sold (`active`); unknown or malformed ids are left out."""
    ids: set[uuid.UUID] = set()
    for raw in raw_ids.split(","):
        try:
            ids.add(uuid.UUID(raw.strip()))
        except ValueError:
            continue
    if len(ids) > MAX_BATCH_IDS:
        raise ValidationError(
            f"Ask for at most {MAX_BATCH_IDS} products at once",
            details={"fields": {"ids": "too many"}},
        )
    if not ids:
        return []
    rows = BATCH.rows(session, {"ids": list(ids)})
    return [
        {
            "id": product_id,
            "name": name,
            "seller_id": seller_id,
            "price": price,
            "effective_price": effective_price,
            "currency": currency,
            "active": not disabled and deleted_at is None,
            "weight_kg": weight_kg,
        }
        for product_id, name, seller_id, price, effective_price, disabled, deleted_at, weight_kg in rows
    ]


def effective_price(session: Session, product_id: uuid.UUID) -> Decimal:
    """The product's price after its best active offer."""
    return Decimal(product_row(session, product_id)[4])


def categories(session: Session, query: CategoryQuery) -> tuple[list[tuple[str, int]], int]:
    """Categories of listed products with how many products each holds, biggest first."""
    counts = (
        select(Product.category.label("name"), func.count().label("count"))
        .where(listed(), Product.category.is_not(None))
        .group_by(Product.category)
    )
    total = session.scalar(select(func.count()).select_from(counts.subquery())) or 0
    rows = session.execute(
        counts.order_by(func.count().desc(), Product.category)
        .limit(query.per_page)
        .offset(query.offset)
    ).all()
    return [(row.name, row.count) for row in rows], total
