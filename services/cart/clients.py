"""The other services the cart asks: products (names, prices, sellers) and inventory (stock).

The app is made with `http_clients(settings)`; routes reach them through `clients()`, and
service tests give the app fakes with the same methods.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from souk_kit.app import clients_of
from souk_kit.catalogue import Catalogue, CatalogueClient
from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings


class Inventory(Protocol):
    def available(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Units that can still be sold per product (products without a stock row are left out)."""
        ...


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
    products: Catalogue
    inventory: Inventory


def http_clients(settings: ServiceSettings) -> Clients:
    return Clients(CatalogueClient(settings), InventoryClient(settings))


def clients() -> Clients:
    return clients_of(current_app, Clients)
