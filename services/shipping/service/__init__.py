"""The shipping use cases: quotes from the rate tables, shipments and the courier flow."""

from services.shipping.service.couriers import delivery_counts
from services.shipping.service.quotes import Quote, list_methods, quote
from services.shipping.service.shipments import (
    advance_shipment,
    cancel_shipment_of_order,
    create_shipment,
    events_of,
    list_shipments,
    new_tracking_number,
    pick_up_shipment,
    shipment_of_order,
    track,
    visible_shipment,
)

__all__ = [
    "Quote",
    "advance_shipment",
    "cancel_shipment_of_order",
    "create_shipment",
    "delivery_counts",
    "events_of",
    "list_methods",
    "list_shipments",
    "new_tracking_number",
    "pick_up_shipment",
    "quote",
    "shipment_of_order",
    "track",
    "visible_shipment",
]
