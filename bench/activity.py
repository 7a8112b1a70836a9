"""Benchmark helpers for the activity service's event store.

The benchmark runner calls these against a database it owns:

    seed_events(database_url, count=1_000_000)        -> seconds taken
    time_stats_query(database_url, days=30, repeat=5) -> {"best_ms", "median_ms", ...}
    time_queries(database_url, repeat=5)              -> {query name: {"best_ms", "median_ms"}}
    explain_queries(database_url)                     -> {query name: EXPLAIN ANALYZE text}
    delete_seeded_events(database_url)                -> rows deleted

Seeded rows carry `"bench": true` in their metadata, so they can be told apart and removed.
The queries timed are the service's own (`services.activity.service`), not copies.
"""

import hashlib
import secrets
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from souk_kit.migrations import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from services.activity.schemas import EventQuery
from services.activity.service import (
    activity_stats,
    list_events,
    recent_views,
    recommendations,
)
from services.activity.settings import ActivitySettings

# Generated in one statement, in time order (as live traffic arrives, so the heap is in
# `at` order as it is in production). Shares: 55% views, 15% searches, 10% clicks, 8% add-to-cart,
# 4% logins, 3% orders (of two products), 5% other server events; a fifth of the
# browsing is anonymous; product popularity is skewed (a few products get most views).
SEED = text(
    """
INSERT INTO activity.events (event_id, type, user_id, product_id, metadata, at)
SELECT gen_random_uuid(),
       s.type,
       CASE WHEN s.type IN ('product_view', 'search', 'product_click') AND s.anonymous
            THEN NULL ELSE md5('bench-user-' || s.u)::uuid END,
       CASE WHEN s.type IN ('product_view', 'product_click', 'add_to_cart')
            THEN md5('bench-product-' || s.p)::uuid END,
       CASE s.type
            WHEN 'order_placed' THEN jsonb_build_object(
                'bench', true,
                'product_ids', jsonb_build_array(md5('bench-product-' || s.p)::uuid::text,
                                                 md5('bench-product-' || s.p2)::uuid::text))
            WHEN 'search' THEN jsonb_build_object('bench', true, 'q', 'query ' || (s.p % 500))
            ELSE '{"bench": true}'::jsonb END,
       :end_at - make_interval(secs => :span_seconds * (1 - s.g::float8 / :count))
FROM (
    SELECT g,
           CASE WHEN x < 0.55 THEN 'product_view'
                WHEN x < 0.70 THEN 'search'
                WHEN x < 0.80 THEN 'product_click'
                WHEN x < 0.88 THEN 'add_to_cart'
                WHEN x < 0.92 THEN 'login'
                WHEN x < 0.95 THEN 'order_placed'
                WHEN x < 0.97 THEN 'register'
                WHEN x < 0.99 THEN 'review_added'
                ELSE 'order_cancelled' END AS type,
           anonymous, u, p, p2
    FROM (
        SELECT g,
               random() AS x,
               random() < 0.2 AS anonymous,
               floor(random() * :users)::int AS u,
               floor(:products * power(random(), 2))::int AS p,
               floor(random() * :products)::int AS p2
        FROM generate_series(1, :count) AS g
    ) AS draws
) AS s
"""
)


def _engine(database_url: str) -> Any:
    return create_engine(database_url, connect_args={"options": "-c timezone=UTC"})


@contextmanager
def _session(database_url: str) -> Iterator[Session]:
    engine = _engine(database_url)
    try:
        with Session(engine) as session:
            yield session
            session.rollback()
    finally:
        engine.dispose()


def bench_user(n: int) -> uuid.UUID:
    """The id of seeded user `n` (0 ≤ n < users), as the seed computes it."""
    return uuid.UUID(hashlib.md5(f"bench-user-{n}".encode()).hexdigest())


def bench_product(n: int) -> uuid.UUID:
    """The id of seeded product `n`; low numbers are the popular ones."""
    return uuid.UUID(hashlib.md5(f"bench-product-{n}".encode()).hexdigest())


def seed_events(
    database_url: str,
    count: int = 1_000_000,
    *,
    days: int = 90,
    users: int = 20_000,
    products: int = 5_000,
) -> float:
    """Append `count` synthetic events spread over the last `days` (migrating the activity
    schema first if needed), then VACUUM ANALYZE (what autovacuum does soon after in
    production: planner statistics and the visibility map); returns seconds taken."""
    upgrade("activity", database_url)
    started = time.perf_counter()
    engine = _engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL synchronous_commit = off"))
            connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            connection.execute(
                SEED,
                {
                    "count": count,
                    "users": users,
                    "products": products,
                    "span_seconds": days * 86_400,
                    "end_at": datetime.now(UTC),
                },
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE activity.events"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def delete_seeded_events(database_url: str) -> int:
    """Remove every seeded event; returns how many were removed."""
    engine = _engine(database_url)
    try:
        with engine.begin() as connection:
            result = connection.execute(
                text("DELETE FROM activity.events WHERE metadata @> '{\"bench\": true}'")
            )
            return result.rowcount or 0
    finally:
        engine.dispose()


def _timed(work: Callable[[], object], repeat: int) -> dict[str, float]:
    work()  # warm the cache and the plan first
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "best_ms": round(min(samples), 2),
        "median_ms": round(statistics.median(samples), 2),
        "worst_ms": round(max(samples), 2),
    }


def time_stats_query(database_url: str, *, days: int = 30, repeat: int = 5) -> dict[str, float]:
    """Time what `GET /api/activity/stats` runs for the last `days` (counts by type and day,
    and the funnel); returns best/median/worst milliseconds and the events counted."""
    end = datetime.now(UTC)
    start = end - timedelta(days=days)
    with _session(database_url) as session:
        result: dict[str, Any] = {}

        def run() -> None:
            result.update(activity_stats(session, start, end))

        timings = _timed(run, repeat)
    return {**timings, "events_counted": float(result["total"])}


def time_queries(database_url: str, *, repeat: int = 5) -> dict[str, dict[str, float]]:
    """Time every read the activity service offers on the seeded data."""
    settings = ActivitySettings(database_url=database_url, service_token=secrets.token_urlsafe(24))
    user, popular, rare = bench_user(7), bench_product(0), bench_product(4_000)
    end = datetime.now(UTC)
    serialize: Callable[[Any], Any] = lambda event: event.id  # noqa: E731
    with _session(database_url) as session:
        queries: dict[str, Callable[[], object]] = {
            "stats_30_days": lambda: activity_stats(session, end - timedelta(days=30), end),
            "stats_1_day": lambda: activity_stats(session, end - timedelta(days=1), end),
            "me_recent": lambda: recent_views(session, user, 30),
            "log_first_page": lambda: list_events(session, EventQuery(), serialize),
            "log_by_user": lambda: list_events(session, EventQuery(user_id=user), serialize),
            "log_by_type": lambda: list_events(session, EventQuery(type="login"), serialize),
            "log_last_day": lambda: list_events(
                session, EventQuery(**{"from": end - timedelta(days=1)}), serialize
            ),
            "recommendations_popular": lambda: recommendations(session, settings, popular, 20),
            "recommendations_rare": lambda: recommendations(session, settings, rare, 20),
        }
        return {name: _timed(work, repeat) for name, work in queries.items()}


def explain_queries(database_url: str) -> dict[str, str]:
    """EXPLAIN ANALYZE of the main reads, to check that each one uses an index."""
    user, product = bench_user(7), bench_product(0)
    statements = {
        "stats_by_day": (
            "SELECT date(timezone('UTC', at)), type, count(*) FROM activity.events"
            " WHERE at >= now() - interval '30 days' AND at < now() GROUP BY 1, 2"
        ),
        "me_recent": (
            "SELECT product_id, max(at) FROM activity.events WHERE user_id = :user"
            " AND type = 'product_view' AND product_id IS NOT NULL"
            " GROUP BY product_id ORDER BY 2 DESC LIMIT 30"
        ),
        "funnel": (
            "SELECT type, sum(n), count(user_id) FROM (SELECT type, user_id, count(*) AS n"
            " FROM activity.events WHERE type IN ('product_view', 'add_to_cart', 'order_placed')"
            " AND at >= now() - interval '30 days' AND at < now() GROUP BY 1, 2) AS s GROUP BY 1"
        ),
        "log_first_page": "SELECT * FROM activity.events ORDER BY at DESC, id DESC LIMIT 20",
        "log_by_type": (
            "SELECT * FROM activity.events WHERE type = 'login' ORDER BY at DESC, id DESC LIMIT 20"
        ),
        "co_purchases": (
            "SELECT count(*) FROM activity.events WHERE type = 'order_placed'"
            " AND (metadata @> jsonb_build_object('product_ids', jsonb_build_array(CAST(:product AS text)))"
            " OR metadata @> jsonb_build_object('lines', jsonb_build_array("
            "jsonb_build_object('product_id', CAST(:product AS text)))))"
        ),
    }
    plans = {}
    with _session(database_url) as session:
        for name, sql in statements.items():
            rows = session.execute(
                text("EXPLAIN (ANALYZE, BUFFERS) " + sql),
                {"user": user, "product": str(product)},
            ).all()
            plans[name] = "\n".join(row[0] for row in rows)
    return plans


if __name__ == "__main__":
    import json
    import sys

    url = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    print(f"seeded {rows} events in {seed_events(url, rows):.1f}s")
    print("stats:", time_stats_query(url))
    print(json.dumps(time_queries(url), indent=2))
    for query, plan in explain_queries(url).items():
        print(f"--- {query}\n{plan}")
