from typing import Any

from flask import Blueprint, current_app
from souk_kit.app import settings_of
from souk_kit.auth import Identity, current_identity, requires
from souk_kit.db import transaction
from souk_kit.errors import DependencyError
from souk_kit.http import internal_blueprint
from souk_kit.validation import validate

from services.shipping import service
from services.shipping.clients import UserFacts, clients
from services.shipping.presenters import (
    courier_out,
    created_out,
    internal_shipment_out,
    quote_out,
    shipment_out,
    summary_out,
    tracking_out,
)
from services.shipping.schemas import (
    CancelledOut,
    CourierPage,
    CourierQuery,
    InternalShipmentOut,
    MethodsOut,
    QuoteBody,
    QuoteOut,
    ShipmentCreateBody,
    ShipmentCreatedOut,
    ShipmentOut,
    ShipmentPage,
    ShipmentQuery,
    ShipmentSummaryOut,
    TrackingOut,
)
from services.shipping.service.shipments import may_see_address
from services.shipping.settings import ShippingSettings

public = Blueprint("shipping", __name__, url_prefix="/api/shipping")
internal = internal_blueprint("shipping")


def known_users(ids: list[Any]) -> dict[Any, UserFacts]:
    """Names from the auth service; without it the answer still comes, only without names."""
    try:
        return clients().auth.users(ids)
    except DependencyError:
        return {}


@public.get("/methods")
@validate(responses={200: MethodsOut})
def methods() -> Any:
    """Shipping methods with delivery times and prices per zone, and the zones."""
    with transaction() as session:
        return service.list_methods(session, settings_of(current_app, ShippingSettings))


@public.post("/quote")
@validate(body=QuoteBody, responses={200: QuoteOut})
def quote(body: QuoteBody) -> Any:
    """What shipping costs: items are weighed from the catalogue (a default weight when a
    product has none); unknown zone or method → 400; `estimated_days` is the latest day
    (`max_days`), `min_days` the earliest."""
    with transaction() as session:
        return quote_out(
            service.quote(
                session, settings_of(current_app, ShippingSettings), clients().products, body
            )
        )


def _courier_zone(identity: Identity, query: ShipmentQuery) -> str | None:
    if identity.role != "courier" or query.zone is not None:
        return None
    return clients().auth.courier_zone(identity.user_id)


@public.get("/shipments")
@requires()
@validate(query=ShipmentQuery, responses={200: ShipmentPage})
def list_shipments(query: ShipmentQuery) -> Any:
    """Customers: their orders' shipments. Couriers: the pending pool of their zone (or of
    `zone`) and their own. Staff: all."""
    identity = current_identity()
    zone = _courier_zone(identity, query)
    with transaction() as session:
        return service.list_shipments(
            session, identity, query, zone, lambda s: summary_out(s).model_dump(mode="json")
        )


@public.get("/shipments/<shipment_id>")
@requires()
@validate(responses={200: ShipmentOut})
def get_shipment(shipment_id: str) -> Any:
    """One shipment with its courier and steps: the buyer, its courier and staff (others 404)."""
    identity = current_identity()
    with transaction() as session:
        shipment = service.visible_shipment(session, identity, shipment_id)
        events = service.events_of(session, shipment.id)
    courier = None
    if shipment.courier_id is not None:
        courier = known_users([shipment.courier_id]).get(shipment.courier_id)
    return shipment_out(shipment, events, courier, may_see_address(identity, shipment))


@public.post("/shipments/<shipment_id>/pickup")
@requires("courier")
@validate(responses={200: ShipmentSummaryOut})
def pick_up(shipment_id: str) -> Any:
    """Take a pending shipment; if another courier was first → 409 `already_picked_up`."""
    courier = current_identity().user_id
    with transaction() as session:
        return summary_out(service.pick_up_shipment(session, shipment_id, courier))


@public.post("/shipments/<shipment_id>/out-for-delivery")
@requires("courier")
@validate(responses={200: ShipmentSummaryOut})
def out_for_delivery(shipment_id: str) -> Any:
    """The assigned courier sets off (another courier → 403; out of order → 409)."""
    courier = current_identity().user_id
    with transaction() as session:
        return summary_out(
            service.advance_shipment(session, shipment_id, courier, "out_for_delivery")
        )


@public.post("/shipments/<shipment_id>/deliver")
@requires("courier")
@validate(responses={200: ShipmentSummaryOut})
def deliver(shipment_id: str) -> Any:
    """The assigned courier hands the parcel over (another courier → 403; out of order → 409)."""
    courier = current_identity().user_id
    with transaction() as session:
        return summary_out(service.advance_shipment(session, shipment_id, courier, "delivered"))


@public.get("/track/<tracking_number>")
@validate(responses={200: TrackingOut})
def track(tracking_number: str) -> Any:
    """Anyone with the number: status and steps, never names, addresses or phones."""
    with transaction() as session:
        shipment = service.track(session, tracking_number)
        events = service.events_of(session, shipment.id)
    return tracking_out(shipment, events)


@public.get("/couriers")
@requires("admin")
@validate(query=CourierQuery, responses={200: CourierPage})
def couriers(query: CourierQuery) -> Any:
    """Every courier (from the auth service), busiest first, with active and completed counts;
    idle couriers count zero. Without the auth service, the couriers that have carried
    shipments are still listed, without names."""
    with transaction() as session:
        counts = service.delivery_counts(session)
    try:
        facts = {courier.id: courier for courier in clients().auth.couriers()}
    except DependencyError:
        facts = {}
    else:  # who carried shipments but is no longer a courier (or was deleted)
        facts |= known_users([courier_id for courier_id in counts if courier_id not in facts])
    rows = [
        courier_out(courier_id, facts.get(courier_id), *counts.get(courier_id, (0, 0)))
        for courier_id in counts.keys() | facts.keys()
    ]
    rows.sort(
        key=lambda row: (
            -row.active_deliveries,
            -row.completed_deliveries,
            row.name or "",
            str(row.courier_id),
        )
    )
    page = rows[query.offset : query.offset + query.per_page]
    return CourierPage(items=page, page=query.page, per_page=query.per_page, total=len(rows))


@internal.post("/quote")
@validate(body=QuoteBody, responses={200: QuoteOut})
def internal_quote(body: QuoteBody) -> Any:
    with transaction() as session:
        return quote_out(
            service.quote(
                session, settings_of(current_app, ShippingSettings), clients().products, body
            )
        )


@internal.post("/shipments")
@validate(body=ShipmentCreateBody, responses={201: ShipmentCreatedOut, 200: ShipmentCreatedOut})
def create_shipment(body: ShipmentCreateBody) -> Any:
    """The order's shipment (201); the same order id again → 200 with the same shipment."""
    with transaction() as session:
        shipment, created = service.create_shipment(
            session, settings_of(current_app, ShippingSettings), body
        )
    return created_out(shipment), 201 if created else 200


@internal.post("/shipments/by-order/<order_id>/cancel")
@validate(responses={200: CancelledOut})
def cancel_shipment(order_id: str) -> Any:
    with transaction() as session:
        service.cancel_shipment_of_order(session, order_id)
    return CancelledOut()


@internal.get("/shipments/by-order/<order_id>")
@validate(responses={200: InternalShipmentOut})
def shipment_of_order(order_id: str) -> Any:
    with transaction() as session:
        shipment = service.shipment_of_order(session, order_id)
        events = service.events_of(session, shipment.id)
    return internal_shipment_out(shipment, events)
