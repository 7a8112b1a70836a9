import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from souk_kit.app import use_clients
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.orders.app import create_app
from services.orders.dependencies import deps_for
from services.orders.models import Order, OutboxMessage, Payment
from services.orders.service.common import Deps
from services.orders.tests.fakes import Fakes


@pytest.fixture
def fakes() -> Fakes:
    return Fakes()


@pytest.fixture
def app(make_service_app, fakes: Fakes) -> Flask:
    app = make_service_app(create_app)
    use_clients(app, fakes.clients())
    return app


@pytest.fixture
def deps(app: Flask) -> Deps:
    return deps_for(app)


@pytest.fixture
def db(deps: Deps) -> Callable[[], AbstractContextManager[Session]]:
    """A committing session inside the test's rolled-back transaction."""
    return deps.transactions


class Buyer:
    """A customer with a token, a cart in the fake cart service, and a way to check out."""

    def __init__(self, client: FlaskClient, fakes: Fakes, tokens: Any) -> None:
        self.id = uuid.uuid4()
        self.client = client
        self.fakes = fakes
        self.headers = tokens.headers("customer", user_id=str(self.id))

    def add(self, product: Any, quantity: int = 1) -> "Buyer":
        self.fakes.cart.put(self.id, product.id, quantity)
        return self

    def checkout(self, body: dict | None = None, key: str | None = None, **extra: Any) -> Any:
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post("/api/orders", json=body or {}, headers=headers, **extra)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.headers, **kwargs)


@pytest.fixture
def buyer(client: FlaskClient, fakes: Fakes, tokens: Any) -> Callable[[], Buyer]:
    return lambda: Buyer(client, fakes, tokens)


@pytest.fixture
def load_order(db) -> Callable[[Any], Order]:
    def load(order_id: Any) -> Order:
        with db() as session:
            order = session.scalar(
                select(Order)
                .where(Order.id == uuid.UUID(str(order_id)))
                .options(
                    selectinload(Order.lines),
                    selectinload(Order.history),
                    selectinload(Order.payment).selectinload(Payment.refunds),
                )
            )
            assert order is not None
            return order

    return load


@pytest.fixture
def outbox(db) -> Callable[..., list[OutboxMessage]]:
    def messages(destination: str | None = None, path: str | None = None) -> list[OutboxMessage]:
        with db() as session:
            statement = select(OutboxMessage).order_by(OutboxMessage.id)
            if destination:
                statement = statement.where(OutboxMessage.destination == destination)
            if path:
                statement = statement.where(OutboxMessage.path == path)
            return list(session.scalars(statement).all())

    return messages
