import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from pydantic import BaseModel
from souk_kit.app import settings_of
from souk_kit.auth import Identity, current_identity, requires
from souk_kit.db import database, transaction
from souk_kit.errors import DependencyError
from souk_kit.http import internal_blueprint
from souk_kit.outbox import receive
from souk_kit.validation import MessageOut, json_body, validate

from services.orders.clients import Shipment
from services.orders.dependencies import deps_for
from services.orders.models import Order, ProcessedMessage, utcnow
from services.orders.presenters import (
    order_out,
    seller_summary_json,
    summary_json,
)
from services.orders.schemas import (
    AdminOrderListQuery,
    CheckoutBody,
    CheckoutOut,
    OrderListQuery,
    OrderOut,
    OrderPageOut,
    PurchasedOut,
    PurchasesQuery,
    RevenueOut,
    RevenuePeriodOut,
    RevenueQuery,
    ShipmentUpdateMessage,
    StatusBody,
    SummaryOut,
    TopProductOut,
    TopProductsOut,
    TopProductsQuery,
)
from services.orders.service import analytics, lifecycle, queries
from services.orders.service.checkout import CheckoutRequest, place_order
from services.orders.service.common import Deps
from services.orders.service.idempotency import Answer, check_key, request_hash, run_once
from services.orders.service.steps import answer_for_order
from services.orders.settings import OrdersSettings

public = Blueprint("orders", __name__, url_prefix="/api/orders")
internal = internal_blueprint("orders")


def deps() -> Deps:
    return deps_for(current_app)


@public.post("/")
@requires("customer")
@validate(body=CheckoutBody, responses={201: CheckoutOut, 402: None, 409: None, 503: None})
def checkout(body: CheckoutBody) -> Any:
    """Check out the caller's cart: reserve stock, charge, and place the order.

    Honours an `Idempotency-Key` header (1-255 visible ASCII characters): the same key and
    body answer the first response again; the same key with another body → 409
    `idempotency_key_reused`.
    """
    key = check_key(request.headers.get("Idempotency-Key"))
    user_id = current_identity().user_id
    address = body.shipping_address
    order_request = CheckoutRequest(
        user_id=user_id,
        shipping_address=address.model_dump(exclude_none=True)
        if isinstance(address, BaseModel)
        else address,
        shipping_method=body.shipping_method,
        zone=getattr(address, "zone", None),
        payment_token=body.payment.token if body.payment else None,
        idempotency_key=key,
    )
    use = deps()

    def run() -> Answer:
        answer = answer_for_order(use, place_order(use, order_request))
        assert answer is not None
        return answer

    if key is None:
        answer = run()
    else:
        answer = run_once(
            database().new_session,
            user_id,
            key,
            request_hash(json_body()),
            timedelta(hours=use.settings.idempotency_key_hours),
            run,
            partial(answer_for_order, use),
        )
    return jsonify(answer.body), answer.status


@public.get("/")
@requires()
@validate(query=OrderListQuery, responses={200: OrderPageOut})
def my_orders(query: OrderListQuery) -> Any:
    """The caller's orders, newest first (`from`/`to`: dates or ISO times, inclusive)."""
    user_id = current_identity().user_id
    with transaction() as session:
        return queries.list_orders_of(session, user_id, query, summary_json)


@public.get("/seller")
@requires("seller")
@validate(query=OrderListQuery, responses={200: OrderPageOut})
def seller_orders(query: OrderListQuery) -> Any:
    """Orders holding the caller's products, with only the caller's lines and their money.
    Unpaid checkouts (`pending`, `failed`) show only when asked for by `status`."""
    seller_id = current_identity().user_id
    with transaction() as session:
        return queries.list_seller_orders(session, seller_id, query, seller_summary_json)


@public.get("/all")
@requires("admin")
@validate(query=AdminOrderListQuery, responses={200: OrderPageOut})
def all_orders(query: AdminOrderListQuery) -> Any:
    with transaction() as session:
        return queries.list_all_orders(session, query, summary_json)


@public.get("/<order_id>")
@requires()
@validate(responses={200: OrderOut})
def order_detail(order_id: str) -> Any:
    """One order for its owner or an admin; a seller whose products it holds sees their lines."""
    with transaction() as session:
        view = queries.view_order(session, current_identity(), order_id)
    shipment = _shipment_of(view.order) if view.order.paid_at is not None else None
    return order_out(view.order, view.lines, view.history, shipment, view.seller_view)


def _shipment_of(order: Order) -> Shipment | None:
    """Shipping's view of the order's parcel; None when shipping is down (never fail for it)."""
    try:
        return deps().clients.shipping.shipment_for_order(order.id)
    except DependencyError:
        return None


@public.post("/<order_id>/cancel")
@requires()
@validate(responses={200: MessageOut, 409: None})
def cancel(order_id: str) -> Any:
    """Cancel a pending or paid order (owner or admin): stock goes back, payment is refunded."""
    lifecycle.cancel_order(deps(), current_identity(), order_id)
    return MessageOut(message="Order canceled and refunded")


@public.put("/<order_id>/status")
@requires("admin")
@validate(body=StatusBody, responses={200: OrderOut, 409: None})
def set_status(order_id: str, body: StatusBody) -> Any:
    """Move an order one step along the flow (`cancelled` cancels and refunds it)."""
    identity = current_identity()
    lifecycle.set_status(deps(), identity, order_id, body.status)
    with transaction() as session:
        view = queries.view_order(session, identity, order_id)
    shipment = _shipment_of(view.order) if view.order.paid_at is not None else None
    return order_out(view.order, view.lines, view.history, shipment)


def _seller_scope(identity: Identity) -> uuid.UUID | None:
    return None if identity.role == "admin" else identity.user_id


@public.get("/analytics/top-products")
@requires("seller", "admin")
@validate(query=TopProductsQuery, responses={200: TopProductsOut})
def top_products(query: TopProductsQuery) -> Any:
    """Most sold products by quantity and revenue (a seller's own; an admin's all)."""
    with transaction() as session:
        found = analytics.top_products(
            session, _seller_scope(current_identity()), query.starts, query.ends, query.limit
        )
    return TopProductsOut(
        items=[TopProductOut(**vars(x)) for x in found],
        currency=settings_of(current_app, OrdersSettings).currency,
    )


@public.get("/analytics/revenue")
@requires("seller", "admin")
@validate(query=RevenueQuery, responses={200: RevenueOut})
def revenue(query: RevenueQuery) -> Any:
    """Revenue and paid order count per month or year of payment."""
    with transaction() as session:
        periods = analytics.revenue_by_period(
            session, _seller_scope(current_identity()), query.granularity, query.starts, query.ends
        )
    return RevenueOut(
        granularity=query.granularity,
        currency=settings_of(current_app, OrdersSettings).currency,
        items=[RevenuePeriodOut(**vars(x)) for x in periods],
    )


@public.get("/analytics/summary")
@requires("admin")
@validate(responses={200: SummaryOut})
def summary() -> Any:
    """Orders by status, revenue today and this month (UTC), and the average order value."""
    with transaction() as session:
        figures = analytics.summary(session, utcnow())
    return SummaryOut(**vars(figures), currency=settings_of(current_app, OrdersSettings).currency)


@internal.get("/purchases")
@validate(query=PurchasesQuery, responses={200: PurchasedOut})
def purchases(query: PurchasesQuery) -> Any:
    """Whether the user has a paid (or later) order holding the product."""
    with transaction() as session:
        bought = queries.has_purchased(session, query.user_id, query.product_id)
    return PurchasedOut(purchased=bought)


@internal.post("/shipment-updates")
def shipment_updates() -> Any:
    """Outbox from shipping: each message moves its order along the flow, once."""
    return receive(ProcessedMessage, ShipmentUpdateMessage, lifecycle.apply_shipment_update)
