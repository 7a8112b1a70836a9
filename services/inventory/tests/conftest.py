import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from souk_kit.db import database_of
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.inventory.app import create_app
from services.inventory.models import OutboxMessage, StockItem, StockMovement


@pytest.fixture
def app(make_service_app) -> Flask:
    return make_service_app(create_app)


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test's (rolled-back) connection, to look behind the API."""
    with database_of(app).new_session() as session:
        yield session


@pytest.fixture
def seller_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def seller(tokens, seller_id: str) -> dict[str, str]:
    return tokens.headers("seller", user_id=seller_id)


@pytest.fixture
def admin(tokens) -> dict[str, str]:
    return tokens.headers("admin")


@pytest.fixture
def add_product(client: FlaskClient, internal_headers) -> Callable[..., str]:
    """Deliver a products-service `/items` message, as the outbox relay does; returns the id."""

    def add(seller_id: str, stock: int = 10, product_id: str | None = None) -> str:
        product_id = product_id or str(uuid.uuid4())
        answer = client.post(
            "/internal/inventory/items",
            json={
                "messages": [
                    {
                        "event_id": str(uuid.uuid4()),
                        "payload": {
                            "product_id": product_id,
                            "seller_id": seller_id,
                            "stock": stock,
                        },
                    }
                ]
            },
            headers=internal_headers,
        )
        assert answer.status_code == 200, answer.json
        return product_id

    return add


@pytest.fixture
def reserve(client: FlaskClient, internal_headers) -> Callable[..., Any]:
    def reserve(*lines: tuple[str, int], order_id: str | None = None) -> Any:
        return client.post(
            "/internal/inventory/reservations",
            json={
                "order_id": order_id or str(uuid.uuid4()),
                "lines": [{"product_id": p, "quantity": q} for p, q in lines],
            },
            headers=internal_headers,
        )

    return reserve


def levels_messages(session: Session, product_id: str) -> list[dict[str, Any]]:
    """The `/stock-levels` payloads queued for one product, oldest first."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.destination == "products",
            OutboxMessage.path == "/stock-levels",
            OutboxMessage.payload["product_id"].astext == product_id,
        )
        .order_by(OutboxMessage.id)
    ).all()
    return [row.payload for row in rows]


def ledger_gaps(session: Session) -> list[tuple[Any, int, int]]:
    """Products whose ledger does not sum to their stock: (product_id, stock, ledger sum)."""
    sums = (
        select(StockMovement.product_id, func.sum(StockMovement.quantity).label("total"))
        .group_by(StockMovement.product_id)
        .subquery()
    )
    rows = session.execute(
        select(StockItem.product_id, StockItem.stock, func.coalesce(sums.c.total, 0))
        .outerjoin(sums, sums.c.product_id == StockItem.product_id)
        .where(StockItem.stock != func.coalesce(sums.c.total, 0))
    ).all()
    return [tuple(row) for row in rows]
