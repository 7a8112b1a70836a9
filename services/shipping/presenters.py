"""Quotes and shipments as the API shows them."""

from services.shipping import service
from services.shipping.models import Shipment, ShipmentEvent
from services.shipping.schemas import (
    EventOut,
    QuoteOut,
    ShipmentSummaryOut,
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
    return [EventOut(status=e.status, at=e.at, note=e.note) for e in events]  # type: ignore[arg-type]


def summary_out(shipment: Shipment) -> ShipmentSummaryOut:
    return ShipmentSummaryOut(
        id=shipment.id,
        order_id=shipment.order_id,
        tracking_number=shipment.tracking_number,
        status=shipment.status,  # type: ignore[arg-type]
        zone=shipment.zone,
        method=shipment.method,
        courier_id=shipment.courier_id,
        created_at=shipment.created_at,
        updated_at=shipment.updated_at,
    )
