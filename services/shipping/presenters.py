"""Quotes, shipments and couriers as the API shows them."""

import uuid
from typing import Any

import sqlalchemy as sa

from services.shipping import service
from services.shipping.clients import UserFacts
from services.shipping.models import Shipment, ShipmentEvent
from services.shipping.schemas import (
    CourierOut,
    CourierRefOut,
    EventOut,
    InternalShipmentOut,
    QuoteOut,
    ShipmentCreatedOut,
    ShipmentOut,
    ShipmentSummaryOut,
    TrackingOut,
)


def quote_out(quote: service.Quote) -> QuoteOut:
    return QuoteOut(
        cost=quote.cost,
        currency=quote.currency,
        method=quote.method,
        zone=quote.zone,
        estimated_days=quote.max_days,
        min_days=quote.min_days,
        max_days=quote.max_days,
        weight_kg=quote.weight_kg,
    )


def events_out(events: list[ShipmentEvent]) -> list[EventOut]:
    return [EventOut.model_validate(event, from_attributes=True) for event in events]


def _columns(shipment: Shipment) -> dict[str, Any]:
    return {
        column.key: getattr(shipment, column.key) for column in sa.inspect(Shipment).column_attrs
    }


def summary_out(shipment: Shipment) -> ShipmentSummaryOut:
    return ShipmentSummaryOut.model_validate(shipment, from_attributes=True)


def created_out(shipment: Shipment) -> ShipmentCreatedOut:
    return ShipmentCreatedOut.model_validate(shipment, from_attributes=True)


def shipment_out(
    shipment: Shipment,
    events: list[ShipmentEvent],
    courier: UserFacts | None,
    show_address: bool,
) -> ShipmentOut:
    """The whole shipment; the address only for those who may see it (`show_address`)."""
    courier_ref = None
    if shipment.courier_id is not None:
        courier_ref = CourierRefOut(id=shipment.courier_id, name=courier.name if courier else None)
    return ShipmentOut.model_validate(
        {
            **_columns(shipment),
            "courier": courier_ref,
            "address": shipment.address if show_address else None,
            "events": events_out(events),
        }
    )


def tracking_out(shipment: Shipment, events: list[ShipmentEvent]) -> TrackingOut:
    """What anyone with the number sees: status and steps, never names or addresses."""
    return TrackingOut.model_validate({**_columns(shipment), "events": events_out(events)})


def internal_shipment_out(shipment: Shipment, events: list[ShipmentEvent]) -> InternalShipmentOut:
    return InternalShipmentOut.model_validate({**_columns(shipment), "events": events_out(events)})


def courier_out(
    courier_id: uuid.UUID, user: UserFacts | None, active: int, completed: int
) -> CourierOut:
    """A courier with their delivery counts; without the auth service's facts, unnamed."""
    return CourierOut(
        courier_id=courier_id,
        name=user.name if user else None,
        zone=user.zone if user else None,
        active=user.active if user else None,
        active_deliveries=active,
        completed_deliveries=completed,
    )
