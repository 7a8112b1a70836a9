"""Races that need real commits from several threads: a separate app on its own engine (not
the rolled-back test transaction), fresh ids, and everything it made deleted at the end."""

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from souk_kit.app import use_clients
from souk_kit.auth import RevocationSet
from souk_kit.db import database_of
from sqlalchemy import delete, func, or_, select, update

from services.orders.app import create_app
from services.orders.dependencies import deps_for
from services.orders.models import IdempotencyKey, Order, OutboxMessage
from services.orders.service.recovery import recover
from services.orders.tests.fakes import Fakes


@pytest.fixture
def live_app(service_env, revoked_sessions, monkeypatch, fakes: Fakes) -> Iterator[Flask]:
    monkeypatch.setenv("SOUK_DB_POOL_SIZE", "25")
    monkeypatch.setenv("SOUK_DB_MAX_OVERFLOW", "5")
    app = create_app()
    app.config["TESTING"] = True
    app.extensions["souk_revocations"] = RevocationSet(revoked_sessions, 0.0, 3600.0)
    use_clients(app, fakes.clients())
    database = database_of(app)
    users: list[uuid.UUID] = []
    app.config["TEST_USERS"] = users
    yield app
    products = [str(p) for p in fakes.products.products]
    with database.transaction() as session:
        session.execute(delete(Order).where(Order.user_id.in_(users)))
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id.in_(users)))
        session.execute(
            delete(OutboxMessage).where(
                or_(
                    OutboxMessage.payload["user_id"].astext.in_([str(u) for u in users]),
                    OutboxMessage.payload["product_id"].astext.in_(products),
                )
            )
        )
    database.engine.dispose()


def _together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; their results in order."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_concurrent_retries_with_one_key_place_one_order(live_app, fakes, tokens):
    user = uuid.uuid4()
    live_app.config["TEST_USERS"].append(user)
    fakes.cart.put(user, fakes.stocked("10.00", stock=100).id, 2)
    headers = {**tokens.headers("customer", user_id=str(user)), "Idempotency-Key": "same-one"}

    def checkout(_i: int) -> tuple[int, Any]:
        answer = live_app.test_client().post(
            "/api/orders", json={"payment": {"token": "tok_visa"}}, headers=headers
        )
        return answer.status_code, answer.get_data()

    results = _together(20, checkout)

    assert {status for status, _ in results} == {201}
    assert len({body for _, body in results}) == 1  # byte for byte
    assert len(fakes.provider.charges) == 1
    database = database_of(live_app)
    with database.new_session() as session:
        assert session.scalar(select(func.count()).where(Order.user_id == user)) == 1


def test_two_recovery_loops_never_settle_the_same_order_twice(live_app, fakes, tokens):
    """Replicas run the loop at once; `SKIP LOCKED` and the lease split the work between them."""
    lamp = fakes.stocked("10.00", stock=100)
    client = live_app.test_client()
    for _ in range(12):
        user = uuid.uuid4()
        live_app.config["TEST_USERS"].append(user)
        fakes.cart.put(user, lamp.id, 1)
        answer = client.post(
            "/api/orders",
            json={"payment": {"token": "tok_timeout"}},
            headers=tokens.headers("customer", user_id=str(user)),
        )
        assert answer.status_code == 503
    users = live_app.config["TEST_USERS"]
    database = database_of(live_app)
    with database.transaction() as session:
        session.execute(
            update(Order)
            .where(Order.user_id.in_(users))
            .values(updated_at=Order.updated_at - timedelta(minutes=5))
        )
    deps = deps_for(live_app)

    def loop(_i: int) -> Any:
        with live_app.app_context():
            return recover(deps)

    reports = _together(2, loop)

    assert sum(r.abandoned for r in reports) == 12
    assert sum(r.errors for r in reports) == 0
    releases = [o for op, o in fakes.inventory.calls if op == "release"]
    assert len(releases) == len(set(releases)) == 12
    assert fakes.inventory.stock[lamp.id] == 100
    with database.new_session() as session:
        statuses = session.scalars(select(Order.status).where(Order.user_id.in_(users))).all()
    assert set(statuses) == {"failed"}
