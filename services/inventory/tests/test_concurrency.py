"""Races against real PostgreSQL with real commits: the app on its own engine (not the
rolled-back test connection), one test client per thread. Each test uses fresh ids and
deletes what it created."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from souk_kit.auth import RevocationSet
from souk_kit.db import Database, database_of
from sqlalchemy import delete, func, select, update

from services.inventory import service
from services.inventory.app import create_app, expiry_work
from services.inventory.models import (
    OutboxMessage,
    ProcessedMessage,
    Reservation,
    StockItem,
    StockMovement,
)

RESERVATIONS = "/internal/inventory/reservations"


@dataclass
class LiveInventory:
    app: Flask
    headers: dict[str, str]
    products: list[uuid.UUID] = field(default_factory=list)
    orders: list[uuid.UUID] = field(default_factory=list)
    events: list[uuid.UUID] = field(default_factory=list)

    @property
    def database(self) -> Database:
        return database_of(self.app)

    def add_product(self, stock: int) -> str:
        product_id, event_id = uuid.uuid4(), uuid.uuid4()
        self.products.append(product_id)
        self.events.append(event_id)
        payload = {"product_id": str(product_id), "seller_id": str(uuid.uuid4()), "stock": stock}
        answer = self.app.test_client().post(
            "/internal/inventory/items",
            json={"messages": [{"event_id": str(event_id), "payload": payload}]},
            headers=self.headers,
        )
        assert answer.status_code == 200
        return str(product_id)

    def new_order(self) -> str:
        order_id = uuid.uuid4()
        self.orders.append(order_id)
        return str(order_id)

    def post(self, path: str, body: Any = None) -> Any:
        return self.app.test_client().post(path, json=body, headers=self.headers)

    def reserve(self, order_id: str, *lines: tuple[str, int]) -> Any:
        body = {"order_id": order_id, "lines": [{"product_id": p, "quantity": q} for p, q in lines]}
        return self.post(RESERVATIONS, body)

    def item(self, product_id: str) -> StockItem:
        with self.database.new_session() as session:
            item = session.get(StockItem, uuid.UUID(product_id))
            assert item is not None
            return item

    def ledger_sum(self, product_id: str) -> int:
        with self.database.new_session() as session:
            return session.scalars(
                select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
                    StockMovement.product_id == uuid.UUID(product_id)
                )
            ).one()

    def count_movements(self, product_id: str, change_type: str) -> int:
        with self.database.new_session() as session:
            return session.scalars(
                select(func.count()).where(
                    StockMovement.product_id == uuid.UUID(product_id),
                    StockMovement.change_type == change_type,
                )
            ).one()

    def cleanup(self) -> None:
        with self.database.transaction() as session:
            ids = [str(p) for p in self.products]
            session.execute(delete(Reservation).where(Reservation.order_id.in_(self.orders)))
            session.execute(
                delete(StockMovement).where(StockMovement.product_id.in_(self.products))
            )
            session.execute(delete(StockItem).where(StockItem.product_id.in_(self.products)))
            session.execute(
                delete(OutboxMessage).where(OutboxMessage.payload["product_id"].astext.in_(ids))
            )
            session.execute(
                delete(ProcessedMessage).where(ProcessedMessage.event_id.in_(self.events))
            )


@pytest.fixture
def live(service_env, internal_headers, revoked_sessions, monkeypatch) -> Iterator[LiveInventory]:
    monkeypatch.setenv("SOUK_DB_POOL_SIZE", "20")
    monkeypatch.setenv("SOUK_DB_MAX_OVERFLOW", "0")
    app = create_app()
    app.config["TESTING"] = True
    app.extensions["souk_revocations"] = RevocationSet(revoked_sessions, 0.0, 3600.0)
    inventory = LiveInventory(app, internal_headers)
    try:
        yield inventory
    finally:
        inventory.cleanup()
        inventory.database.engine.dispose()


def in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together."""
    start = threading.Barrier(count)

    def run(i: int) -> Any:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_a_hundred_buyers_for_ten_units_get_exactly_ten(live):
    product = live.add_product(stock=10)
    orders = [live.new_order() for _ in range(100)]
    lowest_seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            with live.database.new_session() as session:
                row = session.execute(
                    select(StockItem.stock, StockItem.stock - StockItem.reserved).where(
                        StockItem.product_id == uuid.UUID(product)
                    )
                ).one()
            lowest_seen.append(min(row))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        answers = in_parallel(100, lambda i: live.reserve(orders[i], (product, 1)))
    finally:
        done.set()
        watcher.join()

    assert Counter(a.status_code for a in answers) == {201: 10, 409: 90}
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json["details"]["lines"] == [
        {"product_id": product, "requested": 1, "available": 0}
    ]
    assert min(lowest_seen) >= 0
    item = live.item(product)
    assert (item.stock, item.reserved) == (10, 10)
    assert live.ledger_sum(product) == item.stock

    held = [orders[i] for i, a in enumerate(answers) if a.status_code == 201]
    commits = in_parallel(10, lambda i: live.post(f"{RESERVATIONS}/{held[i]}/commit"))
    assert all(a.status_code == 200 for a in commits)
    item = live.item(product)
    assert (item.stock, item.reserved) == (0, 0)
    assert live.count_movements(product, "purchase") == 10
    assert live.ledger_sum(product) == item.stock == 0


def test_concurrent_repeats_of_one_order_hold_the_stock_once(live):
    product = live.add_product(stock=10)
    order_id = live.new_order()
    answers = in_parallel(20, lambda _: live.reserve(order_id, (product, 3)))
    assert Counter(a.status_code for a in answers) == {201: 1, 200: 19}
    assert all(a.json == answers[0].json for a in answers)
    item = live.item(product)
    assert (item.stock, item.reserved) == (10, 3)


def test_lines_in_opposite_orders_do_not_deadlock(live):
    first, second = live.add_product(stock=100), live.add_product(stock=100)
    orders = [live.new_order() for _ in range(30)]

    def reserve(i: int) -> Any:
        lines = [(first, 1), (second, 2)] if i % 2 else [(second, 2), (first, 1)]
        return live.reserve(orders[i], *lines)

    answers = in_parallel(30, reserve)
    assert [a.status_code for a in answers] == [201] * 30
    assert (live.item(first).reserved, live.item(second).reserved) == (30, 60)


def test_a_commit_racing_a_release_leaves_consistent_stock(live):
    product = live.add_product(stock=20)
    orders = [live.new_order() for _ in range(10)]
    for order_id in orders:
        assert live.reserve(order_id, (product, 2)).status_code == 201

    def act(i: int) -> Any:
        order_id = orders[i // 2]
        return live.post(f"{RESERVATIONS}/{order_id}/{'commit' if i % 2 else 'release'}")

    answers = in_parallel(20, act)
    assert all(a.status_code in (200, 409) for a in answers)
    item = live.item(product)
    # Released first: nothing sold. Committed first: sold, then returned. Either way all back.
    assert (item.stock, item.reserved) == (20, 0)
    assert live.ledger_sum(product) == item.stock


def test_two_expiry_workers_release_each_expired_hold_once(live):
    product = live.add_product(stock=30)
    orders = [live.new_order() for _ in range(20)]
    for order_id in orders:
        assert live.reserve(order_id, (product, 1)).status_code == 201
    with live.database.transaction() as session:
        session.execute(
            update(Reservation)
            .where(Reservation.order_id.in_([uuid.UUID(o) for o in orders[:15]]))
            .values(expires_at=service.utcnow() - timedelta(seconds=1))
        )
    settings = live.app.config["SOUK_SETTINGS"].model_copy(update={"reservation_expiry_batch": 3})
    in_parallel(4, lambda _: expiry_work(live.database, settings))
    item = live.item(product)
    assert (item.stock, item.reserved) == (30, 5)
    assert live.count_movements(product, "release") == 15
    assert live.ledger_sum(product) == item.stock
