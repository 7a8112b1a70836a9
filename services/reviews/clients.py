"""The other services reviews asks: products (does it exist), auth (names), orders (purchases).

The app is made with `http_clients(settings)`; routes reach them through `clients()`, and
service tests give the app fakes with the same methods.
"""

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from souk_kit.app import clients_of
from souk_kit.errors import DependencyError
from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings

log = logging.getLogger("souk.reviews")


class Products(Protocol):
    def is_on_sale(self, product_id: uuid.UUID) -> bool:
        """True when the catalogue knows the product and it is neither disabled nor deleted."""
        ...


class Users(Protocol):
    def names(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Display names of the users the auth service knows among `user_ids`."""
        ...


class Purchases(Protocol):
    def has_bought(self, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
        """True when the user has a paid (or later) order holding the product."""
        ...


class ProductsClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "products")

    def is_on_sale(self, product_id: uuid.UUID) -> bool:
        answer = self._client.get("/batch", params={"ids": str(product_id)})
        if not answer.ok or not isinstance(answer.data, dict):
            raise DependencyError(details={"service": "products"})
        return any(
            str(item.get("id")) == str(product_id) and bool(item.get("active", True))
            for item in answer.data.get("items", [])
        )


class UsersClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "auth")

    def names(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        names = self._client.get_items(
            "/users",
            user_ids,
            lambda item: (uuid.UUID(str(item["user_id"])), str(item.get("name") or "")),
        )
        return dict(names)


class PurchasesClient:
    """Asks the orders service; when it cannot answer, the purchase counts as unverified.

    A review is not worth refusing because orders is down: it is stored with
    `verified_purchase: false`, and editing the review later asks again.
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "orders")

    def has_bought(self, user_id: uuid.UUID, product_id: uuid.UUID) -> bool:
        try:
            answer = self._client.get(
                "/purchases", params={"user_id": str(user_id), "product_id": str(product_id)}
            )
        except DependencyError:
            log.warning("orders did not answer; storing the review as unverified")
            return False
        if not answer.ok or not isinstance(answer.data, dict):
            log.warning("orders answered %s to a purchase check", answer.status)
            return False
        return answer.data.get("purchased") is True


@dataclass
class Clients:
    products: Products
    users: Users
    purchases: Purchases


def http_clients(settings: ServiceSettings) -> Clients:
    return Clients(ProductsClient(settings), UsersClient(settings), PurchasesClient(settings))


def clients() -> Clients:
    return clients_of(current_app, Clients)
