"""Reading events back: a user's recent views, the staff's log, stats and recommendations.

Every query is one SQL statement shaped to an index (see `models.Event`).
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from souk_kit.errors import ValidationError
from souk_kit.pagination import paginate
from sqlalchemy import Uuid, bindparam, func, select, text
from sqlalchemy.orm import Session

from services.activity.models import Event
from services.activity.schemas import EventQuery
from services.activity.settings import ActivitySettings

FUNNEL = ("product_view", "add_to_cart", "order_placed")
# A product bought together with another weighs as much as this many shared viewers.
PURCHASE_WEIGHT = 3
# Bounds the work for very popular products: only their most recent viewers and orders count.
MAX_VIEWERS = 500
MAX_ORDERS = 500


def resolve_range(
    settings: ActivitySettings, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime]:
    """`[from, to)`, defaulting to the last `stats_default_days`; at most `stats_max_days` long."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=settings.stats_default_days)
    if start >= end:
        raise ValidationError(
            "`from` must be before `to`", details={"fields": {"from": "not before `to`"}}
        )
    if end - start > timedelta(days=settings.stats_max_days):
        raise ValidationError(
            f"The range may span at most {settings.stats_max_days} days",
            details={"fields": {"from": "range too long"}},
        )
    return start, end


def recent_views(
    session: Session, user_id: uuid.UUID, limit: int
) -> list[tuple[uuid.UUID, datetime]]:
    """The products the user viewed, each once, most recently viewed first."""
    viewed_at = func.max(Event.at).label("viewed_at")
    rows = session.execute(
        select(Event.product_id, viewed_at)
        .where(
            Event.user_id == user_id,
            Event.type == "product_view",
            Event.product_id.is_not(None),
        )
        .group_by(Event.product_id)
        .order_by(viewed_at.desc(), Event.product_id)
        .limit(limit)
    ).all()
    return [(row.product_id, row.viewed_at) for row in rows]


def list_events(session: Session, query: EventQuery, serialize: Any) -> dict[str, Any]:
    """A page of the log, newest first, filtered by user, type and `[from, to)`."""
    statement = select(Event).order_by(Event.at.desc(), Event.id.desc())
    if query.user_id is not None:
        statement = statement.where(Event.user_id == query.user_id)
    if query.type is not None:
        statement = statement.where(Event.type == query.type)
    if query.from_ is not None:
        statement = statement.where(Event.at >= query.from_)
    if query.to is not None:
        statement = statement.where(Event.at < query.to)
    if query.from_ is not None and query.to is not None and query.from_ >= query.to:
        raise ValidationError(
            "`from` must be before `to`", details={"fields": {"from": "not before `to`"}}
        )
    return paginate(session, statement, query, serialize)


def activity_stats(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """Counts by type and UTC day in `[start, end)`, and the view → cart → order funnel."""
    day = func.date(func.timezone("UTC", Event.at)).label("day")
    per_day = session.execute(
        select(day, Event.type, func.count().label("n"))
        .where(Event.at >= start, Event.at < end)
        .group_by(day, Event.type)
        .order_by(day, Event.type)
    ).all()
    by_type: dict[str, int] = defaultdict(int)
    by_day: dict[date, dict[str, int]] = {}
    for row in per_day:
        by_type[row.type] += row.n
        by_day.setdefault(row.day, {})[row.type] = row.n
    # Grouping by (type, user) first lets PostgreSQL hash instead of sorting for DISTINCT.
    per_user = (
        select(Event.type, Event.user_id, func.count().label("n"))
        .where(Event.type.in_(FUNNEL), Event.at >= start, Event.at < end)
        .group_by(Event.type, Event.user_id)
        .subquery()
    )
    funnel_rows = session.execute(
        select(
            per_user.c.type,
            func.sum(per_user.c.n).label("events"),
            func.count(per_user.c.user_id).label("users"),
        ).group_by(per_user.c.type)
    ).all()
    funnel = {row.type: row for row in funnel_rows}
    return {
        "from_": start,
        "to": end,
        "total": sum(by_type.values()),
        "by_type": dict(sorted(by_type.items(), key=lambda item: (-item[1], item[0]))),
        "by_day": [
            {"day": d.isoformat(), "total": sum(counts.values()), "counts": counts}
            for d, counts in by_day.items()
        ],
        "funnel": [
            {
                "type": step,
                "events": int(funnel[step].events) if step in funnel else 0,
                "users": funnel[step].users if step in funnel else 0,
            }
            for step in FUNNEL
        ],
    }


@dataclass(frozen=True)
class Recommendation:
    product_id: uuid.UUID
    score: int
    viewed_together: int
    bought_together: int


RECOMMENDATIONS = text(
    """
WITH viewers AS (
    SELECT user_id, at FROM activity.events
    WHERE product_id = :product_id AND type = 'product_view' AND user_id IS NOT NULL
    ORDER BY at DESC
    LIMIT :max_viewers
),
co_views AS (
    SELECT e.product_id, count(DISTINCT e.user_id) AS n
    FROM viewers v
    JOIN activity.events e
      ON e.user_id = v.user_id
     AND e.type = 'product_view'
     AND e.at BETWEEN v.at - :window AND v.at + :window
    WHERE e.product_id IS NOT NULL AND e.product_id <> :product_id
    GROUP BY e.product_id
),
orders AS (
    SELECT metadata FROM activity.events
    WHERE type = 'order_placed'
      AND (metadata @> jsonb_build_object(
               'product_ids', jsonb_build_array(CAST(:product_id AS text)))
           OR metadata @> jsonb_build_object(
               'lines', jsonb_build_array(
                   jsonb_build_object('product_id', CAST(:product_id AS text)))))
    ORDER BY at DESC
    LIMIT :max_orders
),
co_purchases AS (
    SELECT other.product_id, count(*) AS n
    FROM orders
    CROSS JOIN LATERAL (
        SELECT DISTINCT
               CASE WHEN ids.value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    THEN CAST(ids.value AS uuid) END AS product_id
        FROM (
            SELECT jsonb_array_elements_text(
                       CASE WHEN jsonb_typeof(orders.metadata -> 'product_ids') = 'array'
                            THEN orders.metadata -> 'product_ids' ELSE '[]'::jsonb END) AS value
            UNION ALL
            SELECT line ->> 'product_id'
            FROM jsonb_array_elements(
                     CASE WHEN jsonb_typeof(orders.metadata -> 'lines') = 'array'
                          THEN orders.metadata -> 'lines' ELSE '[]'::jsonb END) AS line
        ) AS ids
    ) AS other
    WHERE other.product_id IS NOT NULL AND other.product_id <> :product_id
    GROUP BY other.product_id
)
SELECT coalesce(v.product_id, p.product_id) AS product_id,
       coalesce(v.n, 0) AS viewed_together,
       coalesce(p.n, 0) AS bought_together,
       coalesce(v.n, 0) + :purchase_weight * coalesce(p.n, 0) AS score
FROM co_views v
FULL JOIN co_purchases p ON p.product_id = v.product_id
ORDER BY score DESC, bought_together DESC, product_id
LIMIT :limit
"""
).bindparams(bindparam("product_id", type_=Uuid))


def recommendations(
    session: Session, settings: ActivitySettings, product_id: uuid.UUID, limit: int
) -> list[Recommendation]:
    """Products often viewed or bought together with `product_id`, best first.

    Viewed together: another product viewed by the same signed-in user within
    `co_view_window_hours` of a view of this one (counted once per user). Bought together:
    another product in the same `order_placed` event, named in its `metadata.product_ids`
    or its `metadata.lines[].product_id`, weighted `PURCHASE_WEIGHT` times a shared viewer.
    """
    rows = session.execute(
        RECOMMENDATIONS,
        {
            "product_id": product_id,
            "window": timedelta(hours=settings.co_view_window_hours),
            "max_viewers": MAX_VIEWERS,
            "max_orders": MAX_ORDERS,
            "purchase_weight": PURCHASE_WEIGHT,
            "limit": limit,
        },
    ).all()
    return [
        Recommendation(
            product_id=row.product_id,
            score=int(row.score),
            viewed_together=int(row.viewed_together),
            bought_together=int(row.bought_together),
        )
        for row in rows
    ]
