"""The products service's batch lookup, which cart, checkout and activity read products from:
one contract, read one way."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    """An amount another service sent, to the cent; anything else is an unreadable answer."""
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not an amount: {value!r}")
    return amount.quantize(CENT)


@dataclass(frozen=True)
class CatalogueProduct:
    """A product as `GET /internal/products/batch` answers it."""

    id: uuid.UUID
    name: str
    seller_id: uuid.UUID
    price: Decimal
    effective_price: Decimal  # after the best active offer
    currency: str
    active: bool  # false when disabled or deleted: it may not be sold
    weight_kg: Decimal | None = None


def parse_catalogue_product(item: dict[str, Any]) -> CatalogueProduct:
    weight = item.get("weight_kg")
    return CatalogueProduct(
        id=uuid.UUID(str(item["id"])),
        name=str(item["name"]),
        seller_id=uuid.UUID(str(item["seller_id"])),
        price=money(item["price"]),
        effective_price=money(item.get("effective_price") or item["price"]),
        currency=str(item.get("currency") or "USD"),
        active=bool(item.get("active", True)),
        weight_kg=None if weight is None else Decimal(str(weight)),
    )


class Catalogue(Protocol):
    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CatalogueProduct]:
        """The products the catalogue knows among `ids` (unknown ids are left out)."""
        ...


class CatalogueClient:
    """`Catalogue` over HTTP: one request for many ids; an unreadable answer is a 503."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "products")

    def batch(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CatalogueProduct]:
        products = self._client.get_items("/batch", ids, parse_catalogue_product)
        return {product.id: product for product in products}
