"""Sales figures on a small known data set."""

import uuid
from datetime import UTC, datetime

import pytest

from services.orders.models import utcnow
from services.orders.tests.builders import add_order

SELLER_A, SELLER_B = uuid.uuid4(), uuid.uuid4()
P1, P2, P3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def sales(db) -> None:
    u1, u2, u3 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with db() as session:
        add_order(  # total 75
            session,
            u1,
            "delivered",
            [(P1, SELLER_A, 2, "10.00"), (P3, SELLER_B, 1, "50.00")],
            paid_at=at("2026-01-15T12:00:00"),
        )
        add_order(  # total 30
            session,
            u2,
            "paid",
            [(P1, SELLER_A, 1, "10.00"), (P2, SELLER_A, 3, "5.00")],
            paid_at=at("2026-02-10T08:00:00"),
        )
        add_order(  # paid, then cancelled: never counts
            session,
            u1,
            "cancelled",
            [(P1, SELLER_A, 10, "10.00")],
            paid_at=at("2026-02-11T08:00:00"),
        )
        add_order(session, u3, "failed", [(P2, SELLER_A, 7, "5.00")])
        add_order(session, u3, "pending", [(P1, SELLER_A, 4, "10.00")])
        add_order(  # total 105, in the previous year
            session,
            u3,
            "picked_up",
            [(P3, SELLER_B, 2, "50.00")],
            paid_at=at("2025-12-31T23:30:00"),
        )


def _top(client, headers, **query):
    answer = client.get("/api/orders/analytics/top-products", query_string=query, headers=headers)
    assert answer.status_code == 200, answer.json
    return [
        (x["product_id"], x["quantity"], x["revenue"], x["orders"]) for x in answer.json["items"]
    ]


def test_top_products_for_an_admin_rank_by_quantity_then_revenue(sales, client, tokens):
    assert _top(client, tokens.headers("admin")) == [
        (str(P3), 3, "150.00", 2),
        (str(P1), 3, "30.00", 2),
        (str(P2), 3, "15.00", 1),
    ]


def test_a_seller_sees_only_their_own_products(sales, client, tokens):
    seller_a = tokens.headers("seller", user_id=str(SELLER_A))
    assert _top(client, seller_a) == [(str(P1), 3, "30.00", 2), (str(P2), 3, "15.00", 1)]
    seller_b = tokens.headers("seller", user_id=str(SELLER_B))
    assert _top(client, seller_b) == [(str(P3), 3, "150.00", 2)]


def test_top_products_honour_the_range_and_the_limit(sales, client, tokens):
    admin = tokens.headers("admin")
    assert _top(client, admin, **{"from": "2026-01-01"}) == [
        (str(P1), 3, "30.00", 2),
        (str(P2), 3, "15.00", 1),
        (str(P3), 1, "50.00", 1),
    ]
    assert _top(client, admin, limit=1) == [(str(P3), 3, "150.00", 2)]
    assert _top(client, admin, to="2025-12-31") == [(str(P3), 2, "100.00", 1)]


def _revenue(client, headers, **query):
    answer = client.get("/api/orders/analytics/revenue", query_string=query, headers=headers)
    assert answer.status_code == 200, answer.json
    return [(x["period"], x["revenue"], x["orders"]) for x in answer.json["items"]]


def test_revenue_per_month_and_year_counts_only_paid_orders(sales, client, tokens):
    admin = tokens.headers("admin")
    assert _revenue(client, admin) == [
        ("2025-12", "105.00", 1),
        ("2026-01", "75.00", 1),
        ("2026-02", "30.00", 1),
    ]
    assert _revenue(client, admin, granularity="year") == [
        ("2025", "105.00", 1),
        ("2026", "105.00", 2),
    ]
    assert _revenue(client, admin, to="2026-01-31") == [
        ("2025-12", "105.00", 1),
        ("2026-01", "75.00", 1),
    ]


def test_a_sellers_revenue_is_their_lines(sales, client, tokens):
    seller_a = tokens.headers("seller", user_id=str(SELLER_A))
    assert _revenue(client, seller_a) == [("2026-01", "20.00", 1), ("2026-02", "25.00", 1)]
    seller_b = tokens.headers("seller", user_id=str(SELLER_B))
    assert _revenue(client, seller_b, granularity="year") == [
        ("2025", "100.00", 1),
        ("2026", "50.00", 1),
    ]


def test_the_summary_counts_statuses_and_averages_paid_orders(sales, db, client, tokens):
    with db() as session:
        add_order(session, uuid.uuid4(), "paid", [(P2, SELLER_A, 1, "7.00")], paid_at=utcnow())

    answer = client.get("/api/orders/analytics/summary", headers=tokens.headers("admin"))

    assert answer.status_code == 200
    assert answer.json["orders_by_status"] == {
        "pending": 1,
        "paid": 2,
        "picked_up": 1,
        "out_for_delivery": 0,
        "delivered": 1,
        "cancelled": 1,
        "failed": 1,
    }
    assert answer.json["paid_orders"] == 4
    assert answer.json["average_order_value"] == "55.50"  # (75 + 30 + 105 + 12) / 4
    assert answer.json["revenue_today"] == "12.00"
    assert answer.json["revenue_this_month"] == "12.00"
    assert answer.json["currency"] == "USD"


def test_analytics_with_no_sales_are_zero(client, tokens):
    admin = tokens.headers("admin")
    summary = client.get("/api/orders/analytics/summary", headers=admin).json
    assert summary["average_order_value"] == "0.00" and summary["paid_orders"] == 0
    assert _top(client, admin) == []
    assert _revenue(client, admin) == []


def test_analytics_are_for_sellers_and_admins_only(client, tokens):
    customer = tokens.headers("customer")
    for path in ("top-products", "revenue", "summary"):
        assert client.get(f"/api/orders/analytics/{path}", headers=customer).status_code == 403
    seller = tokens.headers("seller")
    assert client.get("/api/orders/analytics/summary", headers=seller).status_code == 403


def test_times_with_offsets_postgresql_refuses_are_read_in_utc(client, tokens):
    admin = tokens.headers("admin")
    for path, query in (
        ("revenue", {"from": "0088-09-01T20:32:54-21:08", "granularity": "year"}),
        ("top-products", {"from": "2026-01-01T00:00:00+20:20", "to": "2026-12-31T00:00:00-23:00"}),
    ):
        answer = client.get(f"/api/orders/analytics/{path}", query_string=query, headers=admin)
        assert answer.status_code == 200, (path, answer.json)


def test_bad_analytics_queries_are_400(client, tokens):
    admin = tokens.headers("admin")
    for path, query in (
        ("revenue", {"granularity": "week"}),
        ("revenue", {"from": "yesterday"}),
        ("revenue", {"from": "2026-02-30"}),
        ("top-products", {"limit": "0"}),
        ("top-products", {"limit": "101"}),
        ("top-products", {"from": "2026-03-01", "to": "2026-02-01"}),
        ("top-products", {"from": "0001-01-01T00:00:00+05:00"}),
    ):
        answer = client.get(f"/api/orders/analytics/{path}", query_string=query, headers=admin)
        assert answer.status_code == 400, (path, query)
        assert answer.json["code"] == "validation_error"
