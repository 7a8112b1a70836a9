"""Events, product activity, notifications and webhooks as the API shows them."""

import uuid
from datetime import datetime
from typing import Any

from souk_kit.catalogue import CatalogueProduct

from services.activity.models import Event, Notification, WebhookDelivery, WebhookEndpoint
from services.activity.schemas import (
    DeliveryOut,
    EventOut,
    LastDeliveryOut,
    NotificationOut,
    PreferenceOut,
    ProductFactsOut,
    RecentItemOut,
    RecommendationOut,
    WebhookOut,
)
from services.activity.service import notifications
from services.activity.service.queries import Recommendation


def event_out(event: Event) -> dict[str, Any]:
    return EventOut(
        id=event.event_id,
        type=event.type,
        user_id=event.user_id,
        product_id=event.product_id,
        metadata=event.meta,
        at=event.at,
    ).model_dump(mode="json")


def facts_out(facts: CatalogueProduct | None) -> ProductFactsOut | None:
    if facts is None:
        return None
    return ProductFactsOut.model_validate(facts, from_attributes=True)


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut.model_validate(notification, from_attributes=True)


def preference_out(preference: notifications.Preference) -> PreferenceOut:
    return PreferenceOut.model_validate(preference, from_attributes=True)


def webhook_out(endpoint: WebhookEndpoint, last: WebhookDelivery | None) -> WebhookOut:
    last_out = None
    if last is not None and last.last_attempt_at is not None:
        last_out = LastDeliveryOut(
            event=last.event,
            attempted_at=last.last_attempt_at,
            status=last.last_status,
            error=last.last_error,
            delivered=last.delivered_at is not None,
        )
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        events=endpoint.events,
        description=endpoint.description,
        active=endpoint.active,
        disabled_reason=endpoint.disabled_reason,
        failures_in_a_row=endpoint.failures_in_a_row,
        created_at=endpoint.created_at,
        last_delivery=last_out,
    )


def delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    pending = delivery.delivered_at is None and delivery.gave_up_at is None
    return DeliveryOut(
        id=delivery.id,
        event=delivery.event,
        payload=delivery.payload,
        created_at=delivery.created_at,
        attempts=delivery.attempts,
        last_attempt_at=delivery.last_attempt_at,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        gave_up_at=delivery.gave_up_at,
        next_attempt_at=delivery.next_attempt_at if pending else None,
    ).model_dump(mode="json")


def recent_item_out(
    product_id: uuid.UUID,
    viewed_at: datetime,
    known: dict[uuid.UUID, CatalogueProduct] | None,
) -> RecentItemOut:
    """A product the caller viewed, with its catalogue facts when the catalogue answered."""
    return RecentItemOut(
        product_id=product_id,
        viewed_at=viewed_at,
        product=facts_out(known.get(product_id) if known else None),
    )


def recommendation_out(
    found: Recommendation, known: dict[uuid.UUID, CatalogueProduct] | None
) -> RecommendationOut:
    return RecommendationOut(
        product_id=found.product_id,
        score=found.score,
        viewed_together=found.viewed_together,
        bought_together=found.bought_together,
        product=facts_out(known.get(found.product_id) if known else None),
    )
