import uuid
from typing import Any

from flask import Blueprint, current_app
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, requires
from souk_kit.db import reading, transaction
from souk_kit.http import internal_blueprint
from souk_kit.outbox import receive
from souk_kit.pagination import PageQuery
from souk_kit.validation import validate

from services.inventory import service
from services.inventory.errors import ReservationGoneError
from services.inventory.models import ProcessedMessage
from services.inventory.presenters import levels_fields, levels_out, movement_out, reservation_out
from services.inventory.schemas import (
    ItemCreatedMessage,
    LevelIdsQuery,
    LevelsOut,
    LevelsQuery,
    ReservationBody,
    ReservationOut,
    ReservationStatusOut,
    StockUpdateBody,
    StockUpdatedOut,
    ThresholdUpdateBody,
    ThresholdUpdatedOut,
)
from services.inventory.settings import InventorySettings

public = Blueprint("inventory", __name__, url_prefix="/api/inventory")
internal = internal_blueprint("inventory")


@public.get("")
@requires("seller", "admin")
@validate(query=LevelsQuery)
def list_levels(query: LevelsQuery) -> Any:
    """Stock levels: a seller's own products, or every product for an admin (`seller_id` filters)."""
    with transaction() as session:
        return service.list_levels(session, current_identity(), query, levels_out)


@public.get("/alerts")
@requires("seller", "admin")
@validate(query=LevelsQuery)
def list_alerts(query: LevelsQuery) -> Any:
    """Products whose available stock is at or under their low-stock threshold, emptiest first."""
    with transaction() as session:
        return service.list_alerts(session, current_identity(), query, levels_out)


@public.get("/<product_id>")
@requires("seller", "admin")
@validate(responses={200: LevelsOut})
def get_levels(product_id: str) -> Any:
    """One product's levels (owner or admin; another seller's product → 403)."""
    with transaction() as session:
        return LevelsOut(
            **levels_fields(service.find_item(session, current_identity(), product_id))
        )


@public.put("/<product_id>")
@requires("seller", "admin")
@validate(body=StockUpdateBody, responses={200: StockUpdatedOut})
def update_stock(product_id: str, body: StockUpdateBody) -> Any:
    """Set the stock on hand; writes a `restock` (up) or `adjustment` (down) movement.

    Below the units reserved for checkouts → 409 `stock_below_reserved`.
    """
    with transaction() as session:
        item = service.update_stock(session, current_identity(), product_id, body)
        return StockUpdatedOut(**levels_fields(item))


@public.put("/<product_id>/threshold")
@requires("seller", "admin")
@validate(body=ThresholdUpdateBody, responses={200: ThresholdUpdatedOut})
def set_threshold(product_id: str, body: ThresholdUpdateBody) -> Any:
    with transaction() as session:
        item = service.set_threshold(session, current_identity(), product_id, body)
        return ThresholdUpdatedOut(**levels_fields(item))


@public.get("/<product_id>/movements")
@requires("seller", "admin")
@validate(query=PageQuery)
def list_movements(product_id: str, query: PageQuery) -> Any:
    """The product's stock ledger, newest first; `quantity` is the signed change of stock."""
    with transaction() as session:
        return service.list_movements(session, current_identity(), product_id, query, movement_out)


@internal.post("/items")
def items() -> Any:
    """Outbox from products: create stock rows with their opening stock (repeats ignored)."""
    threshold = settings_of(current_app, InventorySettings).default_low_stock_threshold
    return receive(
        ProcessedMessage,
        ItemCreatedMessage,
        lambda session, item: service.create_item(session, item, threshold),
    )


@internal.get("/levels")
@validate(query=LevelIdsQuery)
def levels_batch(query: LevelIdsQuery) -> Any:
    with reading() as reader:
        found = service.levels_by_ids(reader, query.ids.split(","))
    return {
        "items": [
            {
                "product_id": str(item.product_id),
                "seller_id": str(item.seller_id),
                "stock": item.stock,
                "reserved": item.reserved,
                "available": item.available,
            }
            for item in found
        ]
    }


@internal.post("/reservations")
@validate(body=ReservationBody, responses={201: ReservationOut, 200: ReservationOut})
def reserve(body: ReservationBody) -> Any:
    """Hold all lines or none; the same order id again → 200 with the same reservation."""
    with transaction() as session:
        reserved = service.reserve_stock(
            session,
            body.order_id,
            body.lines,
            settings_of(current_app, InventorySettings).reservation_ttl_seconds,
        )
        return reservation_out(reserved), 201 if reserved.created else 200


@internal.post("/reservations/<order_id>/commit")
@validate(responses={200: ReservationStatusOut})
def commit(order_id: str) -> Any:
    with transaction() as session:
        committed = service.commit_reservation(session, order_id)
    # An expired hold was released in the transaction above; only then is it refused.
    if not committed:
        raise ReservationGoneError(details={"order_id": order_id})
    return {"order_id": str(uuid.UUID(order_id)), "status": "committed"}


@internal.post("/reservations/<order_id>/release")
@validate(responses={200: ReservationStatusOut})
def release(order_id: str) -> Any:
    with transaction() as session:
        status = service.release_reservation(session, order_id)
    return {"order_id": str(uuid.UUID(order_id)), "status": status}
