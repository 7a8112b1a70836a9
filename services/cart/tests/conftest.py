import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from souk_kit.app import use_clients
from souk_kit.catalogue import CatalogueProduct

from services.cart.app import create_app
from services.cart.clients import Clients


@dataclass
class FakeProducts:
    """The catalogue as the cart sees it; counts calls so tests can prove one batch per read."""

    known: dict[uuid.UUID, CatalogueProduct] = field(default_factory=dict)
    calls: list[list[uuid.UUID]] = field(default_factory=list)

    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CatalogueProduct]:
        wanted = list(ids)
        self.calls.append(wanted)
        return {i: self.known[i] for i in wanted if i in self.known}

    def add(
        self,
        seller_id: uuid.UUID | None = None,
        price: str = "10.00",
        effective_price: str | None = None,
        name: str = "Brass lamp",
        active: bool = True,
    ) -> CatalogueProduct:
        facts = CatalogueProduct(
            id=uuid.uuid4(),
            name=name,
            seller_id=seller_id or uuid.uuid4(),
            price=Decimal(price),
            effective_price=Decimal(effective_price or price),
            currency="USD",
            active=active,
        )
        self.known[facts.id] = facts
        return facts

    def change(self, product_id: uuid.UUID, **changes: object) -> None:
        self.known[product_id] = replace(self.known[product_id], **changes)  # type: ignore[arg-type]

    def forget(self, product_id: uuid.UUID) -> None:
        del self.known[product_id]


@dataclass
class FakeInventory:
    levels: dict[uuid.UUID, int] = field(default_factory=dict)
    default: int = 50

    def available(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        return {i: self.levels.get(i, self.default) for i in ids}


@pytest.fixture
def catalogue() -> FakeProducts:
    return FakeProducts()


@pytest.fixture
def stock() -> FakeInventory:
    return FakeInventory()


@pytest.fixture
def app(make_service_app, catalogue: FakeProducts, stock: FakeInventory) -> Flask:
    app = make_service_app(create_app)
    use_clients(app, Clients(catalogue, stock))
    return app


@dataclass
class Shopper:
    """A signed-in user driving the cart API."""

    client: FlaskClient
    headers: dict[str, str]
    user_id: str

    def add(self, product_id: uuid.UUID | str, quantity: int = 1):
        return self.client.post(
            "/api/cart",
            json={"product_id": str(product_id), "quantity": quantity},
            headers=self.headers,
        )

    def cart(self):
        answer = self.client.get("/api/cart", headers=self.headers)
        assert answer.status_code == 200, answer.json
        return answer.json

    def patch(self, item_id: str, quantity: object):
        return self.client.patch(
            f"/api/cart/{item_id}", json={"quantity": quantity}, headers=self.headers
        )

    def delete(self, item_id: str):
        return self.client.delete(f"/api/cart/{item_id}", headers=self.headers)


@pytest.fixture
def make_shopper(client: FlaskClient, tokens):
    def make(role: str = "customer") -> Shopper:
        user_id = str(uuid.uuid4())
        return Shopper(client, tokens.headers(role, user_id=user_id), user_id)

    return make


@pytest.fixture
def shopper(make_shopper) -> Shopper:
    return make_shopper()
