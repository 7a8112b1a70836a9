import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from souk_kit.app import use_clients
from souk_kit.catalogue import CatalogueProduct
from souk_kit.errors import DependencyError

from services.activity.app import create_app
from services.activity.clients import Clients


class FakeProducts:
    """The products service's batch lookup."""

    def __init__(self) -> None:
        self.known: dict[uuid.UUID, CatalogueProduct] = {}
        self.calls = 0
        self.down = False

    def add(self, name: str = "Lamp", active: bool = True) -> uuid.UUID:
        product_id = uuid.uuid4()
        self.known[product_id] = CatalogueProduct(
            id=product_id,
            name=name,
            seller_id=uuid.uuid4(),
            price=Decimal("10.00"),
            effective_price=Decimal("8.00"),
            currency="USD",
            active=active,
        )
        return product_id

    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CatalogueProduct]:
        self.calls += 1
        if self.down:
            raise DependencyError(details={"service": "products"})
        wanted = set(ids)
        return {pid: facts for pid, facts in self.known.items() if pid in wanted}


@pytest.fixture
def fake_products() -> FakeProducts:
    return FakeProducts()


@pytest.fixture
def app(make_service_app, fake_products: FakeProducts) -> Flask:
    app = make_service_app(create_app)
    use_clients(app, Clients(fake_products, contacts=lambda _ids: {}))
    return app


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def message(
    event_type: str,
    at: datetime,
    user_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    metadata: dict | None = None,
    event_id: str | None = None,
) -> dict:
    """One outbox message as `souk_kit.outbox.record_event` writes it."""
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "payload": {
            "type": event_type,
            "user_id": str(user_id) if user_id else None,
            "product_id": str(product_id) if product_id else None,
            "metadata": metadata or {},
            "at": iso(at),
        },
    }


@pytest.fixture
def deliver(client: FlaskClient, internal_headers):
    """Deliver a relay batch to the internal receiver; returns the answer's JSON."""

    def deliver(*messages: dict) -> dict:
        answer = client.post(
            "/internal/activity/events", json={"messages": list(messages)}, headers=internal_headers
        )
        assert answer.status_code == 200, answer.json
        assert answer.json is not None
        return answer.json

    return deliver
