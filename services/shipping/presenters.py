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
    return [EventOut.model_validate(event, from_attributes=True) for event in events]


def summary_out(shipment: Shipment) -> ShipmentSummaryOut:
    return ShipmentSummaryOut.model_validate(shipment, from_attributes=True)
