"""Races that only real commits from several threads can show (no rolled-back test transaction)."""

import threading
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from souk_kit.app import use_clients
from souk_kit.auth import RevocationSet
from souk_kit.db import database_of
from sqlalchemy import create_engine, text

from services.reviews.app import create_app
from services.reviews.clients import Clients


@pytest.fixture
def committed_app(service_env, revoked_sessions, catalogue, people, orders) -> Iterator[Flask]:
    """The reviews app on the real database: every request commits."""
    app = create_app()
    app.extensions["souk_revocations"] = RevocationSet(revoked_sessions, 0.0, 3600.0)
    use_clients(app, Clients(catalogue, people, orders))
    yield app
    database_of(app).engine.dispose()


@pytest.fixture
def product(catalogue, migrated_url) -> Iterator[uuid.UUID]:
    product_id = catalogue.add()
    yield product_id
    engine = create_engine(migrated_url)
    with engine.begin() as connection:
        for statement in (
            "DELETE FROM reviews.reviews WHERE product_id = :p",
            "DELETE FROM reviews.product_ratings WHERE product_id = :p",
            "DELETE FROM reviews.outbox WHERE payload->>'product_id' = :p",
        ):
            connection.execute(text(statement), {"p": str(product_id)})
    engine.dispose()


def post_at_once(app: Flask, path: str, bodies_and_headers: list[tuple[dict, dict]]) -> list[int]:
    start = threading.Barrier(len(bodies_and_headers))
    statuses = [0] * len(bodies_and_headers)

    def post(index: int, body: dict, headers: dict) -> None:
        client = app.test_client()
        start.wait()
        statuses[index] = client.post(path, json=body, headers=headers).status_code

    threads = [
        threading.Thread(target=post, args=(i, body, headers))
        for i, (body, headers) in enumerate(bodies_and_headers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_the_same_user_reviewing_twice_at_once_gets_one_review(
    committed_app, product, tokens, people
):
    user_id = uuid.uuid4()
    people.known[user_id] = "Ada"
    headers = tokens.headers("customer", user_id=str(user_id))

    statuses = post_at_once(
        committed_app,
        f"/api/products/{product}/reviews",
        [({"rating": r}, headers) for r in (1, 2, 3, 4)],
    )

    assert sorted(statuses) == [201, 409, 409, 409]
    page = committed_app.test_client().get(f"/api/products/{product}/reviews").json
    assert page["total"] == page["review_count"] == 1


def test_reviews_written_at_once_leave_a_summary_that_counts_them_all(
    committed_app, product, tokens, people, migrated_url
):
    writers = []
    for rating in (1, 2, 3, 4, 5, 5):
        user_id = uuid.uuid4()
        people.known[user_id] = f"Reviewer {rating}"
        writers.append(({"rating": rating}, tokens.headers("customer", user_id=str(user_id))))

    statuses = post_at_once(committed_app, f"/api/products/{product}/reviews", writers)

    assert statuses == [201] * 6
    page = committed_app.test_client().get(f"/api/products/{product}/reviews").json
    assert (page["review_count"], page["average_rating"]) == (6, "3.33")
    engine = create_engine(migrated_url)
    with engine.connect() as connection:
        sent = (
            connection.execute(
                text(
                    "SELECT payload FROM reviews.outbox WHERE destination = 'products' "
                    "AND payload->>'product_id' = :p"
                ),
                {"p": str(product)},
            )
            .scalars()
            .all()
        )
    engine.dispose()
    newest = max(sent, key=lambda payload: payload["version"])
    assert sorted(p["version"] for p in sent) == [1, 2, 3, 4, 5, 6]
    assert (newest["review_count"], newest["average_rating"]) == (6, "3.33")
    # Each message's count matches its place in the order the changes were serialised.
    assert sorted((p["version"], p["review_count"]) for p in sent) == [(v, v) for v in range(1, 7)]
