"""Stock rows: created from the products service's outbox, read and set by their seller or staff."""

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from souk_kit.auth import Identity
from souk_kit.pagination import paginate
from souk_kit.statements import ReadStatement
from souk_kit.validation import maybe_uuid, parse_uuid
from sqlalchemy import ARRAY, Uuid, any_, bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from services.inventory.errors import NotOwnerError, ProductNotFoundError, StockBelowReservedError
from services.inventory.models import StockItem, StockMovement
from services.inventory.schemas import (
    ItemCreatedMessage,
    LevelsQuery,
    StockUpdateBody,
    ThresholdUpdateBody,
)
from services.inventory.service.common import alert_if_now_low, publish_level, record_movement

log = logging.getLogger("souk.inventory")


def create_item(session: Session, item: ItemCreatedMessage, low_stock_threshold: int) -> bool:
    """Create a product's stock row with its opening stock; False (and nothing done) on a repeat."""
    created = session.execute(
        insert(StockItem)
        .values(
            product_id=item.product_id,
            seller_id=item.seller_id,
            stock=item.stock,
            reserved=0,
            low_stock_threshold=low_stock_threshold,
            version=1,
        )
        .on_conflict_do_nothing(index_elements=["product_id"])
        .returning(StockItem.product_id)
    ).first()
    if created is None:
        return False
    if item.stock > 0:
        record_movement(
            session,
            item.product_id,
            "restock",
            new_stock=item.stock,
            quantity=item.stock,
            reason="opening stock",
        )
    publish_level(session, item.product_id, item.stock, 1)
    return True


def _may_see(identity: Identity, item: StockItem) -> bool:
    return identity.role == "admin" or item.seller_id == identity.user_id


def find_item(
    session: Session, identity: Identity, product_id: str, *, for_update: bool = False
) -> StockItem:
    """The stock row of a product the caller owns (or any, for an admin).

    Unknown or malformed product id → 404; another seller's product → 403.
    """
    key = parse_uuid(product_id, ProductNotFoundError)
    item = session.get(StockItem, key, with_for_update=for_update, populate_existing=for_update)
    if item is None:
        raise ProductNotFoundError()
    if not _may_see(identity, item):
        raise NotOwnerError()
    return item


def _visible_to(identity: Identity, seller_id: uuid.UUID | None) -> Any:
    """The WHERE clause for the rows this caller may list."""
    if identity.role == "admin":
        return StockItem.seller_id == seller_id if seller_id else None
    return StockItem.seller_id == identity.user_id


def list_levels(
    session: Session,
    identity: Identity,
    query: LevelsQuery,
    serialize: Callable[[StockItem], Any],
) -> dict[str, Any]:
    """A seller's own stock rows (an admin's: everyone's), newest products first."""
    statement = select(StockItem).order_by(StockItem.created_at.desc(), StockItem.product_id.desc())
    where = _visible_to(identity, query.seller_id)
    if where is not None:
        statement = statement.where(where)
    return paginate(session, statement, query, serialize)


def list_alerts(
    session: Session,
    identity: Identity,
    query: LevelsQuery,
    serialize: Callable[[StockItem], Any],
) -> dict[str, Any]:
    """Rows whose available stock is at or under their threshold, the emptiest first."""
    available = StockItem.stock - StockItem.reserved
    statement = (
        select(StockItem)
        .where(available <= StockItem.low_stock_threshold)
        .order_by(available, StockItem.product_id)
    )
    where = _visible_to(identity, query.seller_id)
    if where is not None:
        statement = statement.where(where)
    return paginate(session, statement, query, serialize)


def update_stock(
    session: Session, identity: Identity, product_id: str, body: StockUpdateBody
) -> StockItem:
    """Set the on-hand stock: a `restock` movement when it goes up, an `adjustment` when it
    goes down, nothing when it is unchanged. Below the reserved units → 409."""
    item = find_item(session, identity, product_id, for_update=True)
    if body.stock < item.reserved:
        raise StockBelowReservedError(details={"stock": body.stock, "reserved": item.reserved})
    change = body.stock - item.stock
    if change == 0:
        return item
    available_before = item.available
    item.stock = body.stock
    item.version += 1
    record_movement(
        session,
        item.product_id,
        "restock" if change > 0 else "adjustment",
        new_stock=body.stock,
        quantity=change,
        reason=body.reason or ("restocked" if change > 0 else "stock corrected"),
        actor_id=identity.user_id,
    )
    session.flush()
    publish_level(session, item.product_id, item.available, item.version)
    alert_if_now_low(
        session,
        item.seller_id,
        item.product_id,
        before=available_before,
        after=item.available,
        threshold=item.low_stock_threshold,
    )
    return item


def set_threshold(
    session: Session, identity: Identity, product_id: str, body: ThresholdUpdateBody
) -> StockItem:
    item = find_item(session, identity, product_id, for_update=True)
    item.low_stock_threshold = body.low_stock_threshold
    session.flush()
    return item


def list_movements(
    session: Session,
    identity: Identity,
    product_id: str,
    query: Any,
    serialize: Callable[[StockMovement], Any],
) -> dict[str, Any]:
    """The product's ledger, newest first."""
    item = find_item(session, identity, product_id)
    statement = (
        select(StockMovement)
        .where(StockMovement.product_id == item.product_id)
        .order_by(StockMovement.id.desc())
    )
    return paginate(session, statement, query, serialize)


@dataclass(frozen=True)
class Level:
    product_id: uuid.UUID
    seller_id: uuid.UUID
    stock: int
    reserved: int

    @property
    def available(self) -> int:
        return self.stock - self.reserved


_LEVELS = ReadStatement(
    select(StockItem.product_id, StockItem.seller_id, StockItem.stock, StockItem.reserved).where(
        StockItem.product_id == any_(bindparam("ids", type_=ARRAY(Uuid)))
    )
)


def levels_by_ids(reader: PoolProxiedConnection, ids: Iterable[str]) -> list[Level]:
    """Stock levels of many products at once (on a `reading()` connection); malformed and
    unknown ids are left out."""
    keys = {key for key in (maybe_uuid(raw.strip()) for raw in ids) if key is not None}
    if not keys:
        return []
    return [Level(*row) for row in _LEVELS.rows(reader, {"ids": list(keys)})]
