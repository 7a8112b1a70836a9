import uuid
from typing import Any

from flask import Blueprint, current_app, request
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, maybe_identity, optional_auth, requires
from souk_kit.background import wake
from souk_kit.catalogue import CatalogueProduct
from souk_kit.db import transaction
from souk_kit.errors import DependencyError
from souk_kit.http import internal_blueprint
from souk_kit.outbox import RelayBatch
from souk_kit.validation import parse_model, validate

from services.activity import service
from services.activity.clients import clients
from services.activity.presenters import event_out, recent_item_out, recommendation_out
from services.activity.schemas import (
    AcceptedOut,
    BatchOut,
    ClientEventBody,
    EventPage,
    EventQuery,
    LiveBatchOut,
    LiveEventMessage,
    RecentOut,
    RecommendationQuery,
    RecommendationsOut,
    StatsOut,
    StatsQuery,
)
from services.activity.service import live, notifications, webhooks
from services.activity.settings import ActivitySettings

public = Blueprint("activity", __name__, url_prefix="/api/activity")
internal = internal_blueprint("activity")

RECENT_LIMIT = 20
RECOMMENDATION_LIMIT = 10
# Ask the database for a few more than shown, so disabled products can be dropped.
SPARE = 10
# The periodic tasks that send what the live events queue (woken when they queue some).
MAILER = "mailer"
WEBHOOK_SENDER = "webhooks"


def limiter() -> service.FixedWindowLimiter:
    rate_limiter: service.FixedWindowLimiter = current_app.extensions["activity_limiter"]
    return rate_limiter


def catalogue(ids: list[uuid.UUID]) -> dict[uuid.UUID, CatalogueProduct] | None:
    """Names and prices in one batch call; None when the catalogue does not answer."""
    try:
        return clients().products.batch(ids)
    except DependencyError:
        return None


def product_names(ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names for notifications; without the catalogue they are written without names."""
    known = catalogue(ids) if ids else None
    return {product_id: facts.name for product_id, facts in (known or {}).items()}


def listable(product_id: uuid.UUID, known: dict[uuid.UUID, CatalogueProduct] | None) -> bool:
    """Without the catalogue every product is listed; with it, only active ones."""
    return known is None or (product_id in known and known[product_id].active)


@public.post("/events")
@optional_auth
@validate(body=ClientEventBody, responses={202: AcceptedOut})
def post_event(body: ClientEventBody) -> Any:
    """Record a client event (`product_view`, `search`, `product_click`); the user comes from
    the token when one is sent. Server-side types → 400; metadata over 20 keys or nested more
    than 8 deep → 400, over 2 KB → 413; more than the per-minute limit per user (or IP) → 429."""
    identity = maybe_identity()
    user_id = identity.user_id if identity else None
    client_ip = request.headers.get("X-Real-IP") or request.remote_addr or "unknown"
    limiter().hit(f"user:{user_id}" if user_id else f"ip:{client_ip}")
    with transaction() as session:
        event_id = service.record_client_event(
            session, settings_of(current_app, ActivitySettings), user_id, body
        )
    return AcceptedOut(event_id=event_id), 202


@public.get("/me/recent")
@requires()
@validate(responses={200: RecentOut})
def my_recent_views() -> Any:
    """The products the caller viewed most recently, each once, newest first (at most 20)."""
    user_id = current_identity().user_id
    with transaction() as session:
        views = service.recent_views(session, user_id, RECENT_LIMIT + SPARE)
    known = catalogue([product_id for product_id, _ in views])
    items = [
        recent_item_out(product_id, viewed_at, known)
        for product_id, viewed_at in views
        if listable(product_id, known)
    ]
    return RecentOut(items=items[:RECENT_LIMIT])


@public.get("/events")
@requires("admin")
@validate(query=EventQuery, responses={200: EventPage})
def list_events(query: EventQuery) -> Any:
    """The event log, newest first, filtered by `user_id`, `type` and `[from, to)`."""
    with transaction() as session:
        return service.list_events(session, query, event_out)


@public.get("/stats")
@requires("admin")
@validate(query=StatsQuery, responses={200: StatsOut})
def stats(query: StatsQuery) -> Any:
    """Counts by type and UTC day in `[from, to)` (default: the last 30 days) and the
    product_view → add_to_cart → order_placed funnel as events and distinct users."""
    start, end = service.resolve_range(
        settings_of(current_app, ActivitySettings), query.from_, query.to
    )
    with transaction() as session:
        result = service.activity_stats(session, start, end)
    return StatsOut.model_validate(result).model_dump(mode="json", by_alias=True)


@public.get("/recommendations")
@validate(query=RecommendationQuery, responses={200: RecommendationsOut})
def recommendations(query: RecommendationQuery) -> Any:
    """Products often viewed together (by one user within a day) or bought together with
    `product_id`, best first (at most 10); purchases weigh more than views."""
    with transaction() as session:
        found = service.recommendations(
            session,
            settings_of(current_app, ActivitySettings),
            query.product_id,
            RECOMMENDATION_LIMIT + SPARE,
        )
    known = catalogue([r.product_id for r in found])
    items = [recommendation_out(r, known) for r in found if listable(r.product_id, known)]
    return RecommendationsOut(product_id=query.product_id, items=items[:RECOMMENDATION_LIMIT])


@internal.post("/events")
@validate(body=RelayBatch, responses={200: BatchOut})
def receive_events(body: RelayBatch) -> Any:
    """Events from every service's outbox; each is stored once however often it comes."""
    with transaction() as session:
        applied, skipped = service.ingest_batch(session, body.messages)
    return BatchOut(received=len(body.messages), applied=applied, skipped=skipped)


@internal.post("/live")
@validate(body=RelayBatch, responses={200: LiveBatchOut})
def receive_live_events(body: RelayBatch) -> Any:
    """Live updates from the services' outboxes, streamed to their users; a malformed one
    is refused (400) and its sender sets it aside."""
    events = [
        (m.event_id, parse_model(LiveEventMessage, m.payload, "live event")) for m in body.messages
    ]
    names = product_names(notifications.low_stock_products([e for _, e in events]))
    activity_settings = settings_of(current_app, ActivitySettings)
    with transaction() as session:
        stored = live.store(session, events)
        emails = notifications.create(
            session,
            stored,
            names,
            email_on=bool(activity_settings.smtp_host),
            public_url=activity_settings.public_url,
        )
        deliveries = webhooks.queue(session, stored)
    if emails:
        wake(current_app, MAILER)
    if deliveries:
        wake(current_app, WEBHOOK_SENDER)
    return LiveBatchOut(received=len(events), applied=len(stored))
