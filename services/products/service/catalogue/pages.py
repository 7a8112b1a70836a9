"""Pages of the catalogue (filters, sorts, search) and of a seller's own products: one
statement per page, its total included, built once per shape and prepared where its plan fits
every value."""

import functools
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from souk_kit.pagination import PageQuery
from souk_kit.statements import ReadStatement
from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Integer,
    Uuid,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.pool import PoolProxiedConnection

from services.products.schemas import CatalogueQuery
from services.products.service.catalogue.counts import listed_total
from services.products.service.catalogue.rows import (
    CatalogueRow,
    active_offer,
    catalogue_rows,
    listed,
    products,
    row_product,
)

ENGLISH: ColumnClause[str] = literal_column("'english'::regconfig")
SIMPLE: ColumnClause[str] = literal_column("'simple'::regconfig")
_WORD = re.compile(r"[^\W_]+")
_WEBSEARCH_SYNTAX = re.compile(r'"|(^|\s)-|\bor\b', re.IGNORECASE)

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


@dataclass(frozen=True)
class Shape:
    """What a page statement depends on: which filters are given and the order."""

    seller_scope: bool = False  # a seller's own products (disabled ones too), not the catalogue
    category: bool = False
    seller_id: bool = False
    min_price: bool = False
    max_price: bool = False
    in_stock: bool | None = None
    on_offer: bool | None = None
    search: bool = False
    prefix: bool = False  # the search also matches the name's words by prefix
    sort: str | None = None

    @property
    def whole_categories(self) -> bool:
        """The whole catalogue or one category, whose totals are kept ahead."""
        return not (
            self.seller_scope
            or self.seller_id
            or self.min_price
            or self.max_price
            or self.in_stock is not None
            or self.on_offer is not None
            or self.search
        )


def _text_query(prefix: bool) -> Any:
    """`q` as a tsquery, worked out once per statement (a prepared statement's generic plan
    would otherwise parse `q` again for every row it ranks or rechecks)."""
    query: Any = func.websearch_to_tsquery(ENGLISH, bindparam("q"))
    if prefix:
        query = query.op("||")(func.to_tsquery(SIMPLE, bindparam("prefix")))
    return select(query).scalar_subquery()


def _filters(shape: Shape) -> list[ColumnElement[bool]]:
    """The conditions on `products` a shape's filters set (a search's match is added later)."""
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
        zero = literal_column("0", Integer)
        conditions.append(products.c.stock > zero if shape.in_stock else products.c.stock == zero)
    if shape.on_offer is not None:
        running = exists().where(active_offer(products.c.id))
        conditions.append(running if shape.on_offer else ~running)
    return conditions


@functools.cache
def page_statement(shape: Shape) -> ReadStatement:
    """The page and the number of matching products in one statement: the total (kept ahead for
    the whole catalogue and each category, else counted), and the page's ids picked from a
    partial index (`NOT disabled AND deleted_at IS NULL`, one per sort, per category, and for
    `in_stock=true`) or, for a search, from its matches, and only then decorated with images and
    the best offer. Always at least one row: past the last page the product columns are null."""
    conditions = _filters(shape)
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
    if shape.whole_categories:
        counted = listed_total(shape.category).subquery("counted")
    else:
        counted = (
            select(func.count().label("total")).select_from(source).where(*conditions)
        ).subquery("counted")
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
    decorated = (
        catalogue_rows(row_product.c.id == page.c.id)
        .limit(literal_column("1"))
        .lateral("catalogue_row")
    )
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
    reader: PoolProxiedConnection, shape: Shape, params: dict[str, Any], query: PageQuery
) -> tuple[list[CatalogueRow], int]:
    params["limit"], params["offset"] = query.per_page, query.offset
    rows = page_statement(shape).rows(reader, params)
    total = rows[0][0] if rows else 0
    return [CatalogueRow._make(row[1:]) for row in rows if row[1] is not None], total


def _prefix_query(q: str) -> str | None:
    """`head:* & phon:*` for type-ahead on partial words; None when q uses search syntax."""
    if _WEBSEARCH_SYNTAX.search(q):
        return None
    words = _WORD.findall(q)[:8]
    return " & ".join(f"{word.lower()}:*" for word in words) or None


def list_products(
    reader: PoolProxiedConnection, query: CatalogueQuery
) -> tuple[list[CatalogueRow], int]:
    """One page of the public catalogue and the number of matching products."""
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
        on_offer=query.on_offer,
        search=bool(query.q),
        prefix=prefix is not None,
        sort=query.sort,
    )
    return _page_of(reader, shape, params, query)


def seller_products(
    reader: PoolProxiedConnection, seller_id: uuid.UUID, query: PageQuery
) -> tuple[list[CatalogueRow], int]:
    """A seller's own products, disabled ones included, newest first."""
    params: dict[str, Any] = {"seller_id": seller_id}
    return _page_of(reader, Shape(seller_scope=True), params, query)
