"""Races on real commits: each request here commits, so the data is made with fresh ids and
deleted at the end."""

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from souk_kit.auth import RevocationSet
from souk_kit.db import database_of
from souk_kit.testing import FakeRevocations
from sqlalchemy import delete, select

from services.products.app import create_app
from services.products.models import OutboxMessage, ProcessedMessage, Product
from services.products.tests.conftest import Seller, image_bytes, relay_batch


@pytest.fixture
def live_app(service_env) -> Iterator[Flask]:
    app = create_app()
    app.config["TESTING"] = True
    app.extensions["souk_revocations"] = RevocationSet(FakeRevocations(), 0.0, 3600.0)
    sellers: list[uuid.UUID] = []
    event_ids: list[uuid.UUID] = []
    app.extensions["test_cleanup"] = (sellers, event_ids)
    yield app
    database = database_of(app)
    with database.transaction() as session:
        products = list(session.scalars(select(Product.id).where(Product.seller_id.in_(sellers))))
        named = [str(p) for p in products]
        session.execute(
            delete(OutboxMessage).where(OutboxMessage.payload["product_id"].astext.in_(named))
        )
        session.execute(delete(ProcessedMessage).where(ProcessedMessage.event_id.in_(event_ids)))
        session.execute(delete(Product).where(Product.id.in_(products)))
    database.engine.dispose()


def live_seller(app: Flask, tokens) -> Seller:
    user_id = uuid.uuid4()
    app.extensions["test_cleanup"][0].append(user_id)
    headers = tokens.headers("seller", user_id=str(user_id))
    return Seller(app.test_client(), headers, str(user_id))


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; their results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_products_racing_for_one_sku_get_one_201_and_one_409(live_app, tokens):
    seller = live_seller(live_app, tokens)

    def create(i: int) -> int:
        client = live_app.test_client()
        body = {"name": f"Racer {i}", "price": "5.00", "sku": "RACE-1"}
        return client.post("/api/products", json=body, headers=seller.headers).status_code

    assert sorted(race(4, create)) == [201, 409, 409, 409]


def test_stock_levels_arriving_in_any_order_end_at_the_newest(live_app, tokens, internal_headers):
    product = live_seller(live_app, tokens).create(stock=100)
    versions = list(range(1, 21))
    random.Random(3).shuffle(versions)
    event_ids = [uuid.uuid4() for _ in versions]
    live_app.extensions["test_cleanup"][1].extend(event_ids)

    def deliver(i: int) -> int:
        level = {
            "product_id": product["id"],
            "available": 100 - versions[i],
            "version": versions[i],
        }
        answer = live_app.test_client().post(
            "/internal/products/stock-levels",
            json=relay_batch(level, event_ids=[str(event_ids[i])]),
            headers=internal_headers,
        )
        return answer.status_code

    assert race(len(versions), deliver) == [200] * len(versions)
    shown = live_app.test_client().get(f"/api/products/{product['id']}").json
    assert shown["stock"] == 80


def test_racing_uploads_never_pass_the_image_limit(live_app, tokens):
    live_app.config["SOUK_SETTINGS"].max_images_per_product = 3
    seller = live_seller(live_app, tokens)
    product = seller.create()
    data = image_bytes()

    def upload(_i: int) -> int:
        owner = Seller(live_app.test_client(), seller.headers, seller.user_id)
        return owner.upload(product["id"], data).status_code

    results = race(6, upload)
    assert sorted(results) == [201, 201, 201, 409, 409, 409]
    shown = live_app.test_client().get(f"/api/products/{product['id']}").json
    assert len(shown["images"]) == 3
