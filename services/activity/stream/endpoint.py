"""`GET /api/activity/stream`: server-sent events for the caller and the products it watches.

Every event carries its `seq` as the SSE id; a client that reconnects with `Last-Event-ID`
(browsers do it by themselves) is first sent what it missed, then the live events. A
`ready` event (its id the stream's starting point) follows the missed ones, so a client
that has seen no event yet still has an id to resume from. A comment every
`SOUK_STREAM_HEARTBEAT_SECONDS` keeps an idle stream open; the stream ends when the token
expires or its session is revoked (the client reconnects with a fresh token).
"""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import Gauge
from souk_kit.auth import RevocationSet, TokenVerifier, bearer_token
from souk_kit.errors import ApiError, UnauthorizedError, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from services.activity.service.live import StreamEvent
from services.activity.settings import ActivitySettings
from services.activity.stream.hub import LiveHub, Subscription

RETRY_MS = 3000
OPEN_STREAMS = Gauge("souk_activity_open_streams", "Server-sent event streams open now")


def error_json(error: ApiError, status: int | None = None) -> JSONResponse:
    return JSONResponse(
        dict(error.body),
        status_code=status or error.status,
        headers=error.headers,
    )


def frame(kind: str, seq: int, data: dict[str, Any]) -> str:
    return f"id: {seq}\nevent: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def event_frame(event: StreamEvent) -> str:
    return frame(event.kind, event.seq, event.data)


def watched_products(request: Request, limit: int) -> list[uuid.UUID]:
    """`?products=id,id` (or the parameter repeated), each a product id, at most `limit`."""
    raw = [
        part.strip()
        for value in request.query_params.getlist("products")
        for part in value.split(",")
    ]
    raw = [part for part in raw if part]
    try:
        products = sorted({uuid.UUID(part) for part in raw})
    except ValueError:
        raise ValidationError(
            "The request is not valid",
            details={"fields": {"products": "a comma-separated list of product ids"}},
        ) from None
    if len(products) > limit:
        raise ValidationError(
            "The request is not valid",
            details={"fields": {"products": f"at most {limit} products"}},
        )
    return products


def last_event_id(request: Request) -> int | None:
    """The `Last-Event-ID` header, or `?last_event_id=` for clients that cannot send it."""
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if raw is None or raw.strip() == "":
        return None
    if not raw.strip().isdigit() or len(raw.strip()) > 18:
        raise ValidationError(
            "The request is not valid",
            details={"fields": {"Last-Event-ID": "the id of an event this stream sent"}},
        )
    return int(raw)


async def stream(request: Request) -> Response:
    """Live updates: the caller's order status changes and shipment steps, a seller's new
    orders and low stock, and the stock of the products named in `?products=`. A signed-out
    caller may watch products only."""
    if request.method not in ("GET", "HEAD"):
        return error_json(
            ApiError(
                "The method is not allowed for the requested URL.",
                code="method_not_allowed",
                headers={"Allow": "GET, HEAD"},
            ),
            status=405,
        )
    hub: LiveHub = request.app.state.hub
    settings: ActivitySettings = request.app.state.settings
    revocations: RevocationSet = request.app.state.revocations
    try:
        token = bearer_token(request.headers.get("authorization"))
        tokens: TokenVerifier = request.app.state.tokens
        verified = tokens.verify(token, revocations.holds) if token else None
        user_id = verified.identity.user_id if verified else None
        products = watched_products(request, settings.stream_max_products)
        after = last_event_id(request)
        if verified is None and not products:
            raise UnauthorizedError("Sign in, or name the products to watch with ?products=")
    except ApiError as error:
        return error_json(error)
    expires_at = verified.expires_at if verified else None
    session_id = verified.identity.session_id if verified else None
    return StreamingResponse(
        _events(hub, user_id, products, settings, after, expires_at, session_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    hub: LiveHub,
    user_id: uuid.UUID | None,
    products: list[uuid.UUID],
    settings: ActivitySettings,
    after: int | None,
    expires_at: float | None,
    session_id: str | None,
) -> AsyncIterator[str]:
    subscription = hub.subscribe(user_id, products)
    OPEN_STREAMS.inc()
    try:
        yield f"retry: {RETRY_MS}\n\n"
        sent = subscription.start
        if after is not None and after < subscription.start:
            limit = settings.stream_backlog_limit
            missed = await hub.missed(subscription, after, limit + 1)
            if len(missed) > limit:
                yield frame("reset", sent, {"reason": "too many missed events; reload"})
            else:
                for earlier in missed:
                    yield event_frame(earlier)
        # Another process may have sent this client events this one has not read yet.
        sent = max(sent, after or 0)
        yield frame("ready", sent, {})
        async for event in _live(hub, subscription, settings, expires_at, session_id):
            if event is None:
                yield ": heartbeat\n\n"
            elif event.seq > sent:
                sent = event.seq
                yield event_frame(event)
    finally:
        hub.unsubscribe(subscription)
        OPEN_STREAMS.dec()


async def _live(
    hub: LiveHub,
    subscription: Subscription,
    settings: ActivitySettings,
    expires_at: float | None,
    session_id: str | None,
) -> AsyncIterator[StreamEvent | None]:
    """The subscription's events as they come, `None` for each heartbeat; ends when the token
    expires, the session is revoked or the hub dropped a client too slow to keep up."""
    while session_id is None or not hub.is_revoked(session_id):
        wait = settings.stream_heartbeat_seconds
        if expires_at is not None:
            wait = min(wait, expires_at - time.time())
            if wait <= 0:
                return
        try:
            event = await asyncio.wait_for(subscription.queue.get(), wait)
        except TimeoutError:
            yield None
            continue
        if event is None:
            return
        yield event
