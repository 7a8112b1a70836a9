import uuid
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from souk_kit.app import use_clients

from services.reviews.app import create_app
from services.reviews.clients import Clients


@dataclass
class FakeProducts:
    on_sale: set[uuid.UUID] = field(default_factory=set)
    calls: int = 0

    def is_on_sale(self, product_id: uuid.UUID) -> bool:
        self.calls += 1
        return product_id in self.on_sale

    def add(self) -> uuid.UUID:
        product_id = uuid.uuid4()
        self.on_sale.add(product_id)
        return product_id


@dataclass
class FakeUsers:
    known: dict[uuid.UUID, str] = field(default_factory=dict)
    calls: list[list[uuid.UUID]] = field(default_factory=list)

    def names(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        self.calls.append(list(user_ids))
        return {u: self.known[u] for u in user_ids if u in self.known}


@dataclass
class FakePurchases:
    bought: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)

    def has_bought(self, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
        return (user_id, product_id) in self.bought


@pytest.fixture
def catalogue() -> FakeProducts:
    return FakeProducts()


@pytest.fixture
def people() -> FakeUsers:
    return FakeUsers()


@pytest.fixture
def orders() -> FakePurchases:
    return FakePurchases()


@pytest.fixture
def app(make_service_app, catalogue, people, orders) -> Flask:
    app = make_service_app(create_app)
    use_clients(app, Clients(catalogue, people, orders))
    return app


@dataclass
class Reviewer:
    client: FlaskClient
    headers: dict[str, str]
    user_id: uuid.UUID

    def review(self, product_id: object, rating: object = 5, comment: object = "Lovely", **extra):
        body = {"rating": rating, "comment": comment, **extra}
        return self.client.post(
            f"/api/products/{product_id}/reviews", json=body, headers=self.headers
        )

    def edit(self, product_id: object, review_id: object, **body: object):
        return self.client.put(
            f"/api/products/{product_id}/reviews/{review_id}", json=body, headers=self.headers
        )

    def delete(self, product_id: object, review_id: object):
        return self.client.delete(
            f"/api/products/{product_id}/reviews/{review_id}", headers=self.headers
        )

    def mine(self, **params: object):
        return self.client.get("/api/reviews/mine", query_string=params, headers=self.headers)


@pytest.fixture
def make_reviewer(client, tokens, people):
    def make(name: str = "Ada Lovelace", role: str = "customer") -> Reviewer:
        user_id = uuid.uuid4()
        people.known[user_id] = name
        return Reviewer(client, tokens.headers(role, user_id=str(user_id)), user_id)

    return make


@pytest.fixture
def ada(make_reviewer) -> Reviewer:
    return make_reviewer("Ada Lovelace")


@pytest.fixture
def product(catalogue) -> uuid.UUID:
    return catalogue.add()
