"""The other services the cart asks: products (names, prices, sellers) and inventory (stock).

The app is made with `http_clients(settings)`; routes reach them through `clients()`, and
service tests give the app fakes with the same methods.
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

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProductFacts:
    id: uuid.UUID
    name: str
    seller_id: uuid.UUID
    price: Decimal
    effective_price: Decimal
    currency: str
    active: bool


class Products(Protocol):
    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductFacts]:
        """The products the catalogue knows among `ids` (unknown ids are left out)."""
        ...


class Inventory(Protocol):
    def available(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Units that can still be sold per product (products without a stock row are left out)."""
        ...


class ProductsClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "products")

    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ProductFacts]:
        def parse(item: dict[str, Any]) -> ProductFacts:
            return ProductFacts(
                id=uuid.UUID(str(item["id"])),
                name=str(item["name"]),
                seller_id=uuid.UUID(str(item["seller_id"])),
                price=Decimal(str(item["price"])).quantize(CENT),
                effective_price=Decimal(str(item.get("effective_price") or item["price"])).quantize(
                    CENT
                ),
                currency=str(item.get("currency") or "USD"),
                active=bool(item.get("active", True)),
            )

        return {facts.id: facts for facts in self._client.get_items("/batch", ids, parse)}


class InventoryClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "inventory")

    def available(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        levels = self._client.get_items(
            "/levels",
            ids,
            lambda item: (uuid.UUID(str(item["product_id"])), int(item["available"])),
        )
        return dict(levels)


@dataclass
class Clients:
    products: Products
    inventory: Inventory


def http_clients(settings: ServiceSettings) -> Clients:
    return Clients(ProductsClient(settings), InventoryClient(settings))


def clients() -> Clients:
    return clients_of(current_app, Clients)
