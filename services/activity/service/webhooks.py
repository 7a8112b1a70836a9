"""Shop webhooks: a seller's endpoints, the deliveries the live events make, and sending them.

A delivery is written in the transaction that stores its live event (one per endpoint, once
however often the outbox sends the event), and sent by a periodic task that claims due
deliveries as the mailer claims e-mails. Each request is signed:

    Souk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

A failure (no answer in time, a redirect, anything but 2xx) waits twice as long as the one
before; after `webhook_max_attempts` the delivery is given up, and after
`webhook_disable_after` failed attempts in a row the endpoint is disabled until its seller
enables it again.

Targets: HTTPS only, and the host must resolve to public addresses alone, checked when the
endpoint is registered and again before every request (SSRF). `webhooks_allow_loopback`
lifts both rules, for tests and local development only.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from souk_kit.db import Database
from souk_kit.errors import ConflictError, NotFoundError, ValidationError
from souk_kit.validation import parse_uuid
from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session

from services.activity.errors import WebhookTargetError
from services.activity.models import WebhookDelivery, WebhookEndpoint
from services.activity.schemas import LiveEventMessage, WebhookBody
from services.activity.settings import ActivitySettings

log = logging.getLogger("souk.activity.webhooks")

# Live event kind → the webhook event it is sent as.
EVENTS = {
    "order.new": "order.created",
    "order.cancelled": "order.cancelled",
    "stock.low": "stock.low",
}
EVENT_TYPES = tuple(EVENTS.values())
MAX_ENDPOINTS_PER_SELLER = 10
LEASE = timedelta(minutes=2)
BATCH = 20
MAX_DELAY = timedelta(hours=6)
SIGNATURE_HEADER = "Souk-Signature"

# Resolves a host name to its addresses (tests put a fake resolver in its place).
Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    return sorted(
        {str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    )


def check_target(url: str, settings: ActivitySettings, resolver: Resolver = resolve) -> None:
    """Refuse a URL that is not HTTPS or that reaches anything but public addresses."""
    parts = urlsplit(url)
    allowed_schemes = {"https", "http"} if settings.webhooks_allow_loopback else {"https"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise WebhookTargetError("the URL must be https://host/…")
    if parts.username or parts.password:
        raise WebhookTargetError("the URL must not carry a user name or password")
    if settings.webhooks_allow_loopback:
        return
    try:
        port = parts.port or 443
        addresses = resolver(parts.hostname, port)
    except (OSError, ValueError, UnicodeError):
        raise WebhookTargetError(f"the host {parts.hostname!r} does not resolve") from None
    if not addresses:
        raise WebhookTargetError(f"the host {parts.hostname!r} does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise WebhookTargetError(
                "the URL must not point at a loopback, private or otherwise internal address"
            )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# ----------------------------------------------------------------- the seller's endpoints


def register(
    session: Session,
    seller_id: uuid.UUID,
    body: WebhookBody,
    settings: ActivitySettings,
    resolver: Resolver = resolve,
) -> WebhookEndpoint:
    try:
        check_target(str(body.url), settings, resolver)
    except WebhookTargetError as error:
        raise ValidationError(
            "The request body is not valid", details={"fields": {"url": str(error)}}
        ) from None
    # One registration per shop at a time, so two at once cannot pass the limit together.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(str(seller_id)))))
    count = session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.seller_id == seller_id)
    )
    if (count or 0) >= MAX_ENDPOINTS_PER_SELLER:
        raise ConflictError(
            f"A shop has at most {MAX_ENDPOINTS_PER_SELLER} webhook endpoints; delete one first",
            code="too_many_endpoints",
        )
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        seller_id=seller_id,
        url=str(body.url),
        events=sorted(set(body.events)),
        description=body.description,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
        active=True,
        failures_in_a_row=0,
        created_at=datetime.now(UTC),
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def endpoints_of(session: Session, seller_id: uuid.UUID) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.seller_id == seller_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
    )


def endpoint_of(
    session: Session, seller_id: uuid.UUID, raw_id: str, *, lock: bool = False
) -> WebhookEndpoint:
    endpoint_id = parse_uuid(raw_id, NotFoundError("No such webhook endpoint"))
    endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=lock)
    if endpoint is None or endpoint.seller_id != seller_id:
        raise NotFoundError("No such webhook endpoint")
    return endpoint


def enable(session: Session, seller_id: uuid.UUID, raw_id: str) -> WebhookEndpoint:
    """Send to a disabled endpoint again; its waiting deliveries are tried at once."""
    endpoint = endpoint_of(session, seller_id, raw_id, lock=True)
    endpoint.active, endpoint.disabled_reason, endpoint.failures_in_a_row = True, None, 0
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.delivered_at.is_(None),
            WebhookDelivery.gave_up_at.is_(None),
        )
        .values(next_attempt_at=datetime.now(UTC))
    )
    return endpoint


def delete(session: Session, seller_id: uuid.UUID, raw_id: str) -> None:
    session.delete(endpoint_of(session, seller_id, raw_id, lock=True))


def last_deliveries(
    session: Session, endpoint_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, WebhookDelivery]:
    """The most recently attempted delivery of each endpoint."""
    latest = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id.in_(list(endpoint_ids)),
            WebhookDelivery.last_attempt_at.is_not(None),
        )
        .order_by(WebhookDelivery.endpoint_id, WebhookDelivery.last_attempt_at.desc())
        .ext(distinct_on(WebhookDelivery.endpoint_id))
    )
    return {d.endpoint_id: d for d in session.scalars(latest)}


def deliveries_of(endpoint: WebhookEndpoint) -> Select[WebhookDelivery]:
    """The endpoint's deliveries, newest first."""
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )


# ----------------------------------------------------------------- deliveries from live events


def queue(session: Session, events: Sequence[tuple[uuid.UUID, LiveEventMessage]]) -> int:
    """Write a delivery for each active endpoint subscribed to each event; how many."""
    wanted = [
        (source_id, event, EVENTS[event.kind])
        for source_id, event in events
        if event.kind in EVENTS and event.user_id is not None
    ]
    if not wanted:
        return 0
    sellers = {event.user_id for _, event, _ in wanted}
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.seller_id, WebhookEndpoint.events).where(
            WebhookEndpoint.seller_id.in_(sellers)
        )
    ).all()
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "endpoint_id": endpoint_id,
            "source_id": source_id,
            "event": event_type,
            "payload": {
                "id": str(source_id),
                "type": event_type,
                "created_at": event.at.isoformat().replace("+00:00", "Z"),
                "data": event.data,
            },
            "created_at": now,
            "next_attempt_at": now,
        }
        for source_id, event, event_type in wanted
        for endpoint_id, seller_id, subscribed in endpoints
        if seller_id == event.user_id and event_type in subscribed
    ]
    if not rows:
        return 0
    queued = session.execute(
        insert(WebhookDelivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "source_id"])
        .returning(WebhookDelivery.id)
    ).all()
    return len(queued)


# ----------------------------------------------------------------- sending


@dataclass(frozen=True)
class Claimed:
    id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secret: str
    event: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class Attempt:
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def claim(database: Database, limit: int = BATCH) -> list[Claimed]:
    now = datetime.now(UTC)
    due = (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookEndpoint.active,
            WebhookDelivery.delivered_at.is_(None),
            WebhookDelivery.gave_up_at.is_(None),
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    )
    with database.transaction() as session:
        claimed = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(due.scalar_subquery()))
            .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + LEASE)
            .returning(WebhookDelivery.id)
        ).scalars()
        ids = list(claimed)
        if not ids:
            return []
        rows = session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.endpoint_id,
                WebhookEndpoint.url,
                WebhookEndpoint.secret,
                WebhookDelivery.event,
                WebhookDelivery.payload,
                WebhookDelivery.attempts,
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.created_at)
        ).all()
    return [Claimed(*row) for row in rows]


def attempt(
    http: requests.Session,
    settings: ActivitySettings,
    delivery: Claimed,
    resolver: Resolver = resolve,
) -> Attempt:
    """POST the delivery once; what the receiver answered (or why it could not)."""
    try:
        check_target(delivery.url, settings, resolver)
    except WebhookTargetError as error:
        return Attempt(None, f"refused: {error}")
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Souk-Webhooks/1",
        "Souk-Event": delivery.event,
        "Souk-Delivery": str(delivery.id),
        SIGNATURE_HEADER: sign(delivery.secret, timestamp, body),
    }
    try:
        answer = http.post(
            delivery.url,
            data=body,
            headers=headers,
            timeout=(settings.http_connect_timeout, settings.webhook_timeout),
            allow_redirects=False,  # a redirect could lead anywhere, the inside included
        )
    except requests.RequestException as error:
        return Attempt(None, f"{type(error).__name__}: {error}"[:500])
    with answer:
        if 200 <= answer.status_code < 300:
            return Attempt(answer.status_code, None)
        return Attempt(answer.status_code, f"answered {answer.status_code} {answer.reason}")


def record(
    database: Database, settings: ActivitySettings, delivery: Claimed, outcome: Attempt
) -> bool:
    """Write down the attempt; whether the endpoint is still active after it."""
    now = datetime.now(UTC)
    with database.transaction() as session:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
        if endpoint is None:
            return False  # deleted meanwhile: its deliveries went with it
        values: dict[str, Any] = {
            "last_attempt_at": now,
            "last_status": outcome.status,
            "last_error": outcome.error,
        }
        if outcome.ok:
            values["delivered_at"] = now
            endpoint.failures_in_a_row = 0
        else:
            endpoint.failures_in_a_row += 1
            if delivery.attempts >= settings.webhook_max_attempts:
                values["gave_up_at"] = now
            else:
                first = timedelta(seconds=settings.webhook_retry_seconds)
                values["next_attempt_at"] = now + min(
                    first * 2 ** (delivery.attempts - 1), MAX_DELAY
                )
            if endpoint.active and endpoint.failures_in_a_row >= settings.webhook_disable_after:
                endpoint.active = False
                endpoint.disabled_reason = (
                    f"{endpoint.failures_in_a_row} failed attempts in a row; last: {outcome.error}"
                )[:200]
                log.warning("webhook endpoint %s disabled: %s", endpoint.id, outcome.error)
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery.id).values(**values)
        )
        return endpoint.active


def send_due(
    database: Database,
    settings: ActivitySettings,
    http: requests.Session,
    resolver: Resolver = resolve,
) -> int:
    """One round: send every due delivery (a batch at a time); returns how many succeeded."""
    delivered = 0
    while batch := claim(database):
        disabled: set[uuid.UUID] = set()
        for delivery in batch:
            if delivery.endpoint_id in disabled:
                release(database, delivery)
                continue
            outcome = attempt(http, settings, delivery, resolver)
            if not record(database, settings, delivery, outcome):
                disabled.add(delivery.endpoint_id)
            delivered += outcome.ok
        if len(batch) < BATCH:
            break
    return delivered


def release(database: Database, delivery: Claimed) -> None:
    """Give back a claimed delivery unsent (its endpoint was disabled in this round)."""
    with database.transaction() as session:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id)
            .values(attempts=WebhookDelivery.attempts - 1, next_attempt_at=datetime.now(UTC))
        )
