import uuid
from collections.abc import Iterable
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from souk_kit.app import use_clients
from souk_kit.db import database_of
from souk_kit.errors import DependencyError

from services.shipping.app import create_app
from services.shipping.clients import Clients, UserFacts


class FakeProducts:
    """The products service's batch lookup: known products and their weights."""

    def __init__(self) -> None:
        self.weights_kg: dict[uuid.UUID, Decimal | None] = {}
        self.calls: list[set[uuid.UUID]] = []
        self.down = False

    def add(self, weight: str | None) -> uuid.UUID:
        product_id = uuid.uuid4()
        self.weights_kg[product_id] = None if weight is None else Decimal(weight)
        return product_id

    def weights(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal | None]:
        wanted = set(ids)
        self.calls.append(wanted)
        if self.down:
            raise DependencyError(details={"service": "products"})
        return {pid: w for pid, w in self.weights_kg.items() if pid in wanted}


class FakeUsers:
    """The auth service's user lookup (couriers' names and zones)."""

    def __init__(self) -> None:
        self.known: dict[uuid.UUID, UserFacts] = {}
        self.down = False

    def courier(self, zone: str | None = "central", name: str = "Carl Courier") -> uuid.UUID:
        user_id = uuid.uuid4()
        self.known[user_id] = UserFacts(user_id, name, "courier", zone, True)
        return user_id

    def users(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserFacts]:
        if self.down:
            raise DependencyError(details={"service": "auth"})
        wanted = set(ids)
        return {uid: facts for uid, facts in self.known.items() if uid in wanted}

    def courier_zone(self, user_id: uuid.UUID) -> str | None:
        facts = self.users([user_id]).get(user_id)
        return facts.zone if facts else None

    def couriers(self) -> list[UserFacts]:
        if self.down:
            raise DependencyError(details={"service": "auth"})
        found = [facts for facts in self.known.values() if facts.role == "courier"]
        return sorted(found, key=lambda facts: (facts.name, str(facts.id)))


@pytest.fixture
def fake_products() -> FakeProducts:
    return FakeProducts()


@pytest.fixture
def fake_users() -> FakeUsers:
    return FakeUsers()


@pytest.fixture
def app(make_service_app, fake_products: FakeProducts, fake_users: FakeUsers) -> Flask:
    app = make_service_app(create_app)
    use_clients(app, Clients(fake_products, fake_users))
    return app


@pytest.fixture
def db_session(app: Flask):
    with database_of(app).new_session() as session:
        yield session


@pytest.fixture
def new_shipment(client: FlaskClient, internal_headers):
    """Create a shipment the way the checkout saga does; returns the answer's JSON."""

    def create(
        user_id: uuid.UUID | None = None, zone: str = "central", method: str = "standard", **extra
    ) -> dict:
        body = {
            "order_id": str(uuid.uuid4()),
            "user_id": str(user_id or uuid.uuid4()),
            "zone": zone,
            "method": method,
            "address": {"line1": "1 Souk Street", "city": "Cairo", "phone": "+20 100 000 0000"},
            "lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}],
            **extra,
        }
        answer = client.post("/internal/shipping/shipments", json=body, headers=internal_headers)
        assert answer.status_code == 201, answer.json
        assert answer.json is not None
        return {**answer.json, "user_id": body["user_id"]}

    return create
