"""Reading the catalogue: one statement per request (a page and its total together), no per-row
queries, on a driver connection (`souk_kit.db.reading()`), not in an ORM session. Prices are computed in SQL the same way everywhere, so the detail, the list and
checkout's batch lookup always agree.

The statements are built once (per shape: which filters, which sort) and compiled once; a
request only binds its values (see souk_kit.statements). Rows come back as named tuples
(`CatalogueRow`, `BatchRow`), which the presenters turn into plain dicts."""

import uuid
from decimal import Decimal

from souk_kit.auth import Identity
from souk_kit.db import driver_connection, reading
from souk_kit.errors import NotFoundError, ValidationError
from souk_kit.statements import ReadStatement
from souk_kit.validation import maybe_uuid, parse_uuid
from sqlalchemy import ARRAY, Uuid, any_, bindparam, select, true
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from services.products.schemas import CatalogueQuery
from services.products.service.catalogue.cache import CatalogueCache, Page, catalogue_cache
from services.products.service.catalogue.counts import categories, fold_listed_changes
from services.products.service.catalogue.pages import list_products, seller_products
from services.products.service.catalogue.rows import (
    BATCH_COLUMNS,
    BEST_OFFER,
    BatchRow,
    CatalogueRow,
    catalogue_rows,
    new_product_row,
    row_product,
)

__all__ = [
    "BatchRow",
    "CatalogueCache",
    "CatalogueRow",
    "catalogue_page",
    "categories",
    "effective_price",
    "fold_listed_changes",
    "list_products",
    "new_product_row",
    "product_row",
    "products_by_ids",
    "seller_products",
    "visible_product",
]

MAX_BATCH_IDS = 500

DETAIL = ReadStatement(catalogue_rows(row_product.c.id == bindparam("id", type_=Uuid)))
BATCH = ReadStatement(
    select(*BATCH_COLUMNS)
    .select_from(row_product)
    .outerjoin(BEST_OFFER, true())
    .where(row_product.c.id == any_(bindparam("ids", type_=ARRAY(Uuid))))
)


def product_row(session: Session, product_id: uuid.UUID) -> CatalogueRow:
    """A product's catalogue row, deleted and disabled ones too, inside the session's unit of
    work (pending changes flushed first)."""
    rows = DETAIL.rows(driver_connection(session), {"id": product_id})
    if not rows:
        raise NotFoundError("No such product")
    return CatalogueRow._make(rows[0])


def effective_price(session: Session, product_id: uuid.UUID) -> Decimal:
    """The product's price after its best active offer."""
    return Decimal(product_row(session, product_id).effective_price)


def visible_product(product_id: str, viewer: Identity | None) -> CatalogueRow:
    """A deleted product is gone; a disabled one is seen only by its seller and admins.

    Shoppers usually get this process's copy (cache.py); whoever may just have written the
    product (its seller, staff) reads PostgreSQL, so they see their own writes at once."""
    id_ = parse_uuid(product_id, NotFoundError("No such product"))
    cache = catalogue_cache()
    row = cache.row(str(id_))
    if row is None or _may_have_written(viewer, row.seller_id):
        row = _read_product(cache, id_)
    if row.deleted_at is not None:
        raise NotFoundError("No such product")
    if row.disabled and not _may_have_written(viewer, row.seller_id):
        raise NotFoundError("No such product")
    return row


def _may_have_written(viewer: Identity | None, seller_id: str) -> bool:
    return viewer is not None and (viewer.role == "admin" or str(viewer.user_id) == seller_id)


def _read_product(cache: CatalogueCache, product_id: uuid.UUID) -> CatalogueRow:
    generation = cache.generation()
    with reading() as reader:
        rows = DETAIL.rows(reader, {"id": product_id})
        if not rows:
            raise NotFoundError("No such product")
        row = CatalogueRow._make(rows[0])
        if generation is not None:
            cache.keep_row(generation, reader, row)
    return row


def catalogue_page(query: CatalogueQuery, viewer: Identity | None) -> Page:
    """A page of the public catalogue and its total; shoppers usually get this process's copy,
    sellers and staff (who may just have changed it) read PostgreSQL."""
    cache = catalogue_cache()
    shopper = viewer is None or viewer.role not in ("seller", "admin")
    key = query.model_dump_json()
    if shopper and (page := cache.page(key)) is not None:
        return page
    generation = cache.generation() if shopper else None
    with reading() as reader:
        page = list_products(reader, query)
        if generation is not None:
            cache.keep_page(generation, reader, key, page)
    return page


def products_by_ids(reader: PoolProxiedConnection, raw_ids: str) -> list[BatchRow]:
    """Every product named (deleted and disabled ones too); unknown or malformed ids are left
    out."""
    ids = {id_ for raw in raw_ids.split(",") if (id_ := maybe_uuid(raw.strip())) is not None}
    if len(ids) > MAX_BATCH_IDS:
        raise ValidationError(
            f"Ask for at most {MAX_BATCH_IDS} products at once",
            details={"fields": {"ids": "too many"}},
        )
    if not ids:
        return []
    return [BatchRow._make(row) for row in BATCH.rows(reader, {"ids": list(ids)})]
