"""Stock levels, movements and reservations as the API shows them."""

from typing import Any

from services.inventory import service
from services.inventory.models import StockItem, StockMovement
from services.inventory.schemas import (
    LevelsOut,
    MovementOut,
    ReservationLineOut,
    ReservationOut,
)


def levels_out(item: StockItem) -> dict[str, Any]:
    return LevelsOut(**levels_fields(item)).model_dump(mode="json")


def movement_out(movement: StockMovement) -> dict[str, Any]:
    return MovementOut.model_validate(movement, from_attributes=True).model_dump(mode="json")


def reservation_out(reserved: service.Reserved) -> ReservationOut:
    return ReservationOut(
        order_id=reserved.reservation.order_id,
        status=reserved.reservation.status,  # type: ignore[arg-type]
        lines=[
            ReservationLineOut(product_id=p, quantity=q) for p, q in sorted(reserved.lines.items())
        ],
        expires_at=reserved.reservation.expires_at,
    )


def levels_fields(item: StockItem) -> dict[str, Any]:
    return {
        "product_id": item.product_id,
        "seller_id": item.seller_id,
        "stock": item.stock,
        "reserved": item.reserved,
        "available": item.available,
        "low_stock_threshold": item.low_stock_threshold,
        "low_stock": item.available <= item.low_stock_threshold,
        "updated_at": item.updated_at,
    }
