"""The services activity asks: products, for names and prices of listed products, and auth,
for the e-mail addresses notifications are sent to.

The app is made with `http_clients(settings)`; routes reach them through `clients()`, and
service tests give the app fakes with the same methods. The name service that webhook
addresses are checked with counts among them.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from flask import current_app
from souk_kit.app import clients_of
from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings

from services.activity.service.mailer import Contact, Contacts
from services.activity.service.webhooks import Resolver, resolve

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProductFacts:
    id: uuid.UUID
    name: str
    price: Decimal
    effective_price: Decimal
    currency: str
    active: bool


class Products(Protocol):
    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductFacts]:
        """The products the catalogue knows among `ids` (unknown ids are left out)."""
        ...


class ProductsClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "products")

    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductFacts]:
        def parse(item: dict[str, Any]) -> ProductFacts:
            return ProductFacts(
                id=uuid.UUID(str(item["id"])),
                name=str(item["name"]),
                price=Decimal(str(item["price"])).quantize(CENT),
                effective_price=Decimal(str(item.get("effective_price") or item["price"])).quantize(
                    CENT
                ),
                currency=str(item.get("currency") or "USD"),
                active=bool(item.get("active", True)),
            )

        return {facts.id: facts for facts in self._client.get_items("/batch", ids, parse)}


class AuthClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "auth")

    def contacts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        def parse(item: dict[str, Any]) -> Contact:
            return Contact(
                user_id=uuid.UUID(str(item["user_id"])),
                email=str(item["email"]),
                name=str(item["name"]),
                active=bool(item["active"]),
            )

        return {
            contact.user_id: contact for contact in self._client.get_items("/users", ids, parse)
        }


@dataclass
class Clients:
    products: Products
    contacts: Contacts
    dns: Resolver = resolve


def http_clients(settings: ServiceSettings) -> Clients:
    return Clients(ProductsClient(settings), AuthClient(settings).contacts)


def clients() -> Clients:
    return clients_of(current_app, Clients)
