"""The activity use cases: taking events in (from clients and from every service's outbox),
and reading them back as a user's history, the staff's log and stats, and recommendations."""

from services.activity.service.ingest import (
    CLIENT_TYPES,
    SERVER_TYPES,
    ingest_batch,
    record_client_event,
)
from services.activity.service.limits import FixedWindowLimiter
from services.activity.service.queries import (
    Recommendation,
    activity_stats,
    list_events,
    recent_views,
    recommendations,
    resolve_range,
)

__all__ = [
    "CLIENT_TYPES",
    "SERVER_TYPES",
    "FixedWindowLimiter",
    "Recommendation",
    "activity_stats",
    "ingest_batch",
    "list_events",
    "recent_views",
    "recommendations",
    "record_client_event",
    "resolve_range",
]
