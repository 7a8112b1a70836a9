"""`/api/webhooks`: a seller's endpoints, their deliveries and their last outcome."""

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, current_app
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, requires
from souk_kit.background import wake
from souk_kit.db import transaction
from souk_kit.pagination import PageQuery, paginate
from souk_kit.validation import MessageOut, validate

from services.activity.clients import clients
from services.activity.models import WebhookEndpoint
from services.activity.presenters import delivery_out, webhook_out
from services.activity.routes import WEBHOOK_SENDER
from services.activity.schemas import (
    DeliveryPage,
    NewWebhookOut,
    WebhookBody,
    WebhookOut,
    WebhooksOut,
)
from services.activity.service import webhooks
from services.activity.settings import ActivitySettings

shop_hooks = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")


def listed(session: Any, endpoints: Sequence[WebhookEndpoint]) -> list[WebhookOut]:
    last = webhooks.last_deliveries(session, [e.id for e in endpoints])
    return [webhook_out(e, last.get(e.id)) for e in endpoints]


@shop_hooks.post("")
@requires("seller")
@validate(body=WebhookBody, responses={201: NewWebhookOut})
def register(body: WebhookBody) -> Any:
    """Register an endpoint for some of `order.created`, `order.cancelled` and `stock.low`.
    The answer holds the signing secret, shown this once. Not https://, or a host that
    resolves to a loopback, private or link-local address → 400; more than 10 → 409."""
    with transaction() as session:
        endpoint = webhooks.register(
            session,
            current_identity().user_id,
            body,
            settings_of(current_app, ActivitySettings),
            clients().dns,
        )
        shown = webhook_out(endpoint, None).model_dump()
        return NewWebhookOut(**shown, secret=endpoint.secret), 201


@shop_hooks.get("")
@requires("seller")
@validate(responses={200: WebhooksOut})
def list_endpoints() -> Any:
    """The caller's endpoints (without their secrets), each with its last delivery attempt."""
    with transaction() as session:
        return WebhooksOut(
            items=listed(session, webhooks.endpoints_of(session, current_identity().user_id))
        )


@shop_hooks.get("/<endpoint_id>")
@requires("seller")
@validate(responses={200: WebhookOut})
def show_endpoint(endpoint_id: str) -> Any:
    with transaction() as session:
        [shown] = listed(
            session, [webhooks.endpoint_of(session, current_identity().user_id, endpoint_id)]
        )
        return shown


@shop_hooks.get("/<endpoint_id>/deliveries")
@requires("seller")
@validate(query=PageQuery, responses={200: DeliveryPage})
def list_deliveries(endpoint_id: str, query: PageQuery) -> Any:
    """The endpoint's deliveries, newest first: attempts, last status and error, and when the
    next attempt is due."""
    with transaction() as session:
        endpoint = webhooks.endpoint_of(session, current_identity().user_id, endpoint_id)
        return paginate(session, webhooks.deliveries_of(endpoint), query, delivery_out)


@shop_hooks.post("/<endpoint_id>/enable")
@requires("seller")
@validate(responses={200: WebhookOut})
def enable(endpoint_id: str) -> Any:
    """Send to a disabled endpoint again; the deliveries that waited are tried at once."""
    with transaction() as session:
        endpoint = webhooks.enable(session, current_identity().user_id, endpoint_id)
        [shown] = listed(session, [endpoint])
    wake(current_app, WEBHOOK_SENDER)
    return shown


@shop_hooks.delete("/<endpoint_id>")
@requires("seller")
@validate(responses={200: MessageOut})
def delete(endpoint_id: str) -> Any:
    """Delete the endpoint and its deliveries (nothing more is sent to it)."""
    with transaction() as session:
        webhooks.delete(session, current_identity().user_id, endpoint_id)
    return MessageOut(message="Webhook endpoint deleted")
