"""Races that only real commits from several threads can show (no rolled-back test transaction)."""

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from souk_kit.app import use_clients
from souk_kit.auth import RevocationSet
from souk_kit.db import database_of
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from services.cart import service
from services.cart.app import create_app
from services.cart.clients import Clients
from services.cart.errors import TooManyShopsError
from services.cart.models import CartItem
from services.cart.settings import CartSettings
from services.cart.tests.conftest import FakeInventory, FakeProducts


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = create_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def committed_app(
    service_env, revoked_sessions, catalogue: FakeProducts, stock: FakeInventory
) -> Iterator[Flask]:
    """The cart app on the real database: every request commits."""
    app = create_app()
    app.extensions["souk_revocations"] = RevocationSet(revoked_sessions, 0.0, 3600.0)
    use_clients(app, Clients(catalogue, stock))
    yield app
    database_of(app).engine.dispose()


@pytest.fixture
def user_id(engine: Engine) -> Iterator[str]:
    user_id = str(uuid.uuid4())
    yield user_id
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM cart.carts WHERE user_id = :u"), {"u": user_id})
        connection.execute(
            text("DELETE FROM cart.outbox WHERE payload->>'user_id' = :u"), {"u": user_id}
        )


def add_at_once(app: Flask, headers: dict, product_ids: list[uuid.UUID]) -> list[int]:
    """POST every product from its own thread, all released at the same moment."""
    start = threading.Barrier(len(product_ids))
    statuses: list[int] = [0] * len(product_ids)

    def add(index: int, product_id: uuid.UUID) -> None:
        client = app.test_client()
        start.wait()
        body = {"product_id": str(product_id), "quantity": 1}
        statuses[index] = client.post("/api/cart", json=body, headers=headers).status_code

    threads = [threading.Thread(target=add, args=(i, p)) for i, p in enumerate(product_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_products_of_a_third_and_fourth_shop_added_at_once_cannot_both_get_in(
    committed_app, catalogue, tokens, user_id, engine
):
    headers = tokens.headers("customer", user_id=user_id)
    client = committed_app.test_client()
    for _ in range(2):
        body = {"product_id": str(catalogue.add().id), "quantity": 1}
        assert client.post("/api/cart", json=body, headers=headers).status_code == 201
    newcomers = [catalogue.add().id for _ in range(4)]

    statuses = add_at_once(committed_app, headers, newcomers)

    assert sorted(statuses) == [201, 409, 409, 409]
    with Session(engine) as session:
        sellers = session.scalars(
            select(CartItem.seller_id).where(CartItem.user_id == uuid.UUID(user_id)).distinct()
        ).all()
    assert len(sellers) == 3


def test_the_same_product_added_at_once_makes_one_line_with_every_unit(
    committed_app, catalogue, tokens, user_id, engine
):
    headers = tokens.headers("customer", user_id=user_id)
    lamp = catalogue.add()

    statuses = add_at_once(committed_app, headers, [lamp.id] * 6)

    assert statuses == [201] * 6
    with Session(engine) as session:
        lines = session.scalars(
            select(CartItem).where(CartItem.user_id == uuid.UUID(user_id))
        ).all()
    assert [line.quantity for line in lines] == [6]


def backend_waits_for_a_lock(engine: Engine, pid: int) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"),
                {"pid": pid},
            )
        )


def test_a_second_add_waits_for_the_first_and_then_sees_its_shop(
    service_env, catalogue, user_id, engine
):
    """Deterministic form of the race: B must block on A's cart lock, then count A's shop."""
    settings = CartSettings()
    owner = uuid.UUID(user_id)
    with Session(engine) as session:
        for _ in range(2):
            service.add_item(session, settings, owner, catalogue.add(), 1, 10)
        session.commit()
    third, fourth = catalogue.add(), catalogue.add()
    b_pid: list[int] = []
    b_ready = threading.Event()
    b_outcome: list[object] = []

    def writer_b() -> None:
        with Session(engine) as session:
            b_pid.append(session.scalar(text("SELECT pg_backend_pid()")))
            b_ready.set()
            try:
                service.add_item(session, settings, owner, fourth, 1, 10)
                session.commit()
                b_outcome.append("added")
            except TooManyShopsError as error:
                b_outcome.append(error)

    with Session(engine) as a:
        service.add_item(a, settings, owner, third, 1, 10)
        b = threading.Thread(target=writer_b)
        b.start()
        assert b_ready.wait(10)
        deadline = time.monotonic() + 10
        while not backend_waits_for_a_lock(engine, b_pid[0]):
            assert b.is_alive(), f"B did not wait for A's lock: {b_outcome}"
            assert time.monotonic() < deadline, "B never reached the cart lock"
            b.join(timeout=0.01)
        a.commit()
    b.join(timeout=10)

    assert len(b_outcome) == 1
    assert isinstance(b_outcome[0], TooManyShopsError)
