"""Reading the catalogue: one statement per request (a page and its total together), no per-row
queries. Prices shown are computed in SQL the same way everywhere, so the detail, the list and
checkout's batch lookup always agree.

The statements are built once (per shape: which filters, which sort) and compiled once; a
request only binds its values (see service.statements). Rows are read as plain tuples and shown
as plain dicts."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from souk_kit.auth import Identity
from souk_kit.errors import NotFoundError, ValidationError
from souk_kit.validation import parse_uuid
from sqlalchemy import ARRAY, Uuid, any_, bindparam, select, true
from sqlalchemy.orm import Session

from services.products.service.catalogue.counts import categories, fold_listed_changes
from services.products.service.catalogue.pages import list_products, seller_products
from services.products.service.catalogue.shown import (
    BEST_OFFER,
    DELETED_AT,
    DISABLED,
    EFFECTIVE,
    EFFECTIVE_PRICE,
    SELLER_ID,
    as_text,
    show,
    show_new,
    shown,
    shown_rows,
)
from services.products.service.statements import ReadStatement

__all__ = [
    "categories",
    "effective_price",
    "fold_listed_changes",
    "list_products",
    "product_row",
    "products_by_ids",
    "seller_products",
    "show",
    "show_new",
    "show_product",
]

MAX_BATCH_IDS = 500

DETAIL = ReadStatement(shown_rows(shown.c.id == bindparam("id", type_=Uuid)))
BATCH = ReadStatement(
    select(
        as_text(shown.c.id, "id"),
        shown.c.name,
        as_text(shown.c.seller_id, "seller_id"),
        as_text(shown.c.price, "price"),
        as_text(EFFECTIVE_PRICE, "effective_price"),
        shown.c.disabled,
        shown.c.deleted_at,
        as_text(shown.c.weight_kg, "weight_kg"),
    )
    .select_from(shown)
    .outerjoin(BEST_OFFER, true())
    .where(shown.c.id == any_(bindparam("ids", type_=ARRAY(Uuid))))
)


def product_row(session: Session, product_id: uuid.UUID) -> Sequence[Any]:
    """A product's shown row, deleted and disabled ones too (pending changes flushed first)."""
    session.flush()
    rows = DETAIL.rows(session, {"id": product_id})
    if not rows:
        raise NotFoundError("No such product")
    return rows[0]


def effective_price(session: Session, product_id: uuid.UUID) -> Decimal:
    """The product's price after its best active offer."""
    return Decimal(product_row(session, product_id)[EFFECTIVE])


def show_product(
    session: Session, product_id: str, viewer: Identity | None, currency: str
) -> dict[str, Any]:
    """A deleted product is gone; a disabled one is seen only by its seller and admins."""
    rows = DETAIL.rows(session, {"id": parse_uuid(product_id, NotFoundError("No such product"))})
    if not rows or rows[0][DELETED_AT] is not None:
        raise NotFoundError("No such product")
    row = rows[0]
    if row[DISABLED] and not (
        viewer and (viewer.role == "admin" or str(viewer.user_id) == str(row[SELLER_ID]))
    ):
        raise NotFoundError("No such product")
    return show(row, currency)


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
            "effective_price": effective,
            "currency": currency,
            "active": not disabled and deleted_at is None,
            "weight_kg": weight_kg,
        }
        for product_id, name, seller_id, price, effective, disabled, deleted_at, weight_kg in rows
    ]
