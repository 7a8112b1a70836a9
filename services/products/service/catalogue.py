"""Reading the catalogue: one query per page (images and the best active offer joined in), one
count, no per-row queries. Prices shown are computed in SQL the same way everywhere, so the
detail, the list and checkout's batch lookup always agree."""

import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from souk_kit.auth import Identity
from souk_kit.errors import NotFoundError, ValidationError
from souk_kit.pagination import PageQuery
from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from services.products.models import Offer, Product, ProductImage
from services.products.schemas import CatalogueQuery, CategoryQuery
from services.products.service.common import parse_id

ENGLISH = literal_column("'english'::regconfig")
SIMPLE = literal_column("'simple'::regconfig")
MAX_BATCH_IDS = 500
_WORD = re.compile(r"[^\W_]+")
_WEBSEARCH_SYNTAX = re.compile(r'"|(^|\s)-|\bor\b', re.IGNORECASE)


# Each ends with the id so pages never overlap; each has a partial index (see models).
SORTS: dict[str, list[Any]] = {
    "newest": [Product.created_at.desc(), Product.id.desc()],
    "price": [Product.price, Product.id],
    "-price": [Product.price.desc(), Product.id.desc()],
    "rating": [Product.rating.desc(), Product.review_count.desc(), Product.id.desc()],
    "popular": [Product.sold_count.desc(), Product.id.desc()],
}


@dataclass(frozen=True)
class ProductView:
    """A product as shown: its image files, its best active offer and the price after it."""

    product: Product
    image_files: list[str]
    offer: Offer | None
    effective_price: Decimal

    @property
    def active(self) -> bool:
        return not self.product.disabled and self.product.deleted_at is None


def listed() -> ColumnElement[bool]:
    """Shown in the catalogue; written exactly like the partial indexes' predicate."""
    return and_(not_(Product.disabled), Product.deleted_at.is_(None))


def _offer_price(offer: Any) -> ColumnElement[Decimal]:
    return func.coalesce(
        offer.price, func.round(Product.price * (100 - offer.percent_off) / 100, 2)
    )


def _best_offer() -> Any:
    best = (
        select(Offer)
        .where(
            Offer.product_id == Product.id,
            Offer.starts_at <= func.statement_timestamp(),
            or_(Offer.ends_at.is_(None), Offer.ends_at > func.statement_timestamp()),
        )
        .order_by(_offer_price(Offer), Offer.starts_at.desc(), Offer.id)
        .limit(1)
        .lateral("best_offer")
    )
    return best


@functools.cache
def _decorations() -> tuple[Any, Any, tuple[Any, ...]]:
    """The lateral best offer, and the columns every product row carries (built once)."""
    best = _best_offer()
    best_offer = aliased(Offer, best)
    images = (
        select(
            func.array_agg(ProductImage.file_name).aggregate_order_by(
                ProductImage.created_at, ProductImage.id
            )
        )
        .where(ProductImage.product_id == Product.id)
        .correlate(Product)
        .scalar_subquery()
    )
    effective = func.least(Product.price, _offer_price(best_offer))
    return best, best_offer, (images.label("image_files"), effective.label("effective"))


def product_rows(page: Subquery | None = None) -> Select[Any]:
    """Products with their image files, best active offer and effective price (filter it).

    With `page` (a subquery of ordered `id`s and their `position`), only those products are
    decorated, in that order: the offer and image lookups then run for one page, not for every
    row the sort had to look at."""
    best, best_offer, columns = _decorations()
    rows = select(Product, best_offer, *columns)
    if page is None:
        return rows.select_from(Product).outerjoin(best, true())
    return (
        rows.select_from(page)
        .join(Product, Product.id == page.c.id)
        .outerjoin(best, true())
        .order_by(page.c.position)
    )


def new_product_view(product: Product) -> ProductView:
    """A product just created: no images or offers yet, so no query is needed to show it."""
    return ProductView(product, [], None, product.price)


def _page_of(
    session: Session, conditions: list[ColumnElement[bool]], order: list[Any], query: PageQuery
) -> tuple[list[ProductView], int]:
    """One count and one query for the page (its ids picked first, then decorated)."""
    total = session.scalar(select(func.count()).select_from(Product).where(*conditions)) or 0
    if total <= query.offset:
        return [], total
    page = (
        select(Product.id, func.row_number().over(order_by=order).label("position"))
        .where(*conditions)
        .order_by(*order)
        .limit(query.per_page)
        .offset(query.offset)
        .subquery("page")
    )
    return _views(session.execute(product_rows(page)).all()), total


def _views(rows: Sequence[Any]) -> list[ProductView]:
    return [ProductView(row[0], list(row.image_files or []), row[1], row.effective) for row in rows]


def _prefix_query(q: str) -> str | None:
    """`head:* & phon:*` for type-ahead on partial words; None when q uses search syntax."""
    if _WEBSEARCH_SYNTAX.search(q):
        return None
    words = _WORD.findall(q)[:8]
    return " & ".join(f"{word.lower()}:*" for word in words) or None


def _text_query(q: str) -> ColumnElement[Any]:
    query: ColumnElement[Any] = func.websearch_to_tsquery(ENGLISH, q)
    prefix = _prefix_query(q)
    if prefix is not None:
        query = query.op("||")(func.to_tsquery(SIMPLE, prefix))
    return query


def list_products(session: Session, query: CatalogueQuery) -> tuple[list[ProductView], int]:
    """One page of the public catalogue and the number of matching products."""
    conditions: list[ColumnElement[bool]] = [listed()]
    if query.category is not None:
        conditions.append(Product.category == query.category)
    if query.seller_id is not None:
        conditions.append(Product.seller_id == query.seller_id)
    if query.min_price is not None:
        conditions.append(Product.price >= query.min_price)
    if query.max_price is not None:
        conditions.append(Product.price <= query.max_price)
    if query.in_stock is not None:
        conditions.append(Product.stock > 0 if query.in_stock else Product.stock == 0)
    order = SORTS[query.sort or "newest"]
    if query.q:
        text_query = _text_query(query.q)
        conditions.append(Product.search.op("@@")(text_query))
        if query.sort is None:
            relevance = func.ts_rank(Product.search, text_query)
            order = [relevance.desc(), *SORTS["newest"]]
    return _page_of(session, conditions, order, query)


def get_product_view(session: Session, product_id: uuid.UUID) -> ProductView:
    row = session.execute(product_rows().where(Product.id == product_id)).one_or_none()
    if row is None:
        raise NotFoundError("No such product")
    return _views([row])[0]


def show_product(session: Session, product_id: str, viewer: Identity | None) -> ProductView:
    """A deleted product is gone; a disabled one is seen only by its seller and admins."""
    view = get_product_view(session, parse_id(product_id))
    product = view.product
    if product.deleted_at is not None:
        raise NotFoundError("No such product")
    if product.disabled and not (
        viewer and (viewer.role == "admin" or viewer.user_id == str(product.seller_id))
    ):
        raise NotFoundError("No such product")
    return view


def products_by_ids(session: Session, raw_ids: str) -> list[ProductView]:
    """Every product named (deleted and disabled ones too); unknown or malformed ids are left out."""
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
    rows = session.execute(product_rows().where(Product.id.in_(ids))).all()
    return _views(rows)


def seller_products(
    session: Session, seller_id: uuid.UUID, query: PageQuery
) -> tuple[list[ProductView], int]:
    """A seller's own products, disabled ones included, newest first."""
    conditions = [Product.seller_id == seller_id, Product.deleted_at.is_(None)]
    return _page_of(session, conditions, SORTS["newest"], query)


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
