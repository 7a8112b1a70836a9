"""The other services shipping asks: products (weights) and auth (couriers' names and zones).

The app is made with `http_clients(settings)`; routes reach them through `clients()`, and
service tests give the app fakes with the same methods.
"""

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from flask import current_app
from souk_kit.app import clients_of
from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings

from services.shipping.settings import ShippingSettings


@dataclass(frozen=True)
class UserFacts:
    id: uuid.UUID
    name: str
    role: str
    zone: str | None
    active: bool


class Products(Protocol):
    def weights(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal | None]:
        """Weight in kg of each known product among `ids` (None when it has none recorded);
        unknown ids are left out."""
        ...


class Users(Protocol):
    def users(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserFacts]:
        """Public facts about the known users among `ids`."""
        ...

    def courier_zone(self, user_id: uuid.UUID) -> str | None:
        """The courier's zone (None when none is recorded), cached for a while."""
        ...

    def couriers(self) -> list[UserFacts]:
        """Every courier account that has not been deleted, by name."""
        ...


def _weight(raw: object) -> Decimal | None:
    if raw is None:
        return None
    try:
        weight = Decimal(str(raw))
    except InvalidOperation:
        return None
    return weight if weight.is_finite() and weight >= 0 else None


class ProductsClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "products")

    def weights(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Decimal | None]:
        weights = self._client.get_items(
            "/batch", ids, lambda item: (uuid.UUID(str(item["id"])), _weight(item.get("weight_kg")))
        )
        return dict(weights)


class ZoneCache:
    """Per-process memory of couriers' zones: a zone changed in auth is seen within `ttl` seconds."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._zones: dict[uuid.UUID, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: uuid.UUID, fetch: Callable[[], str | None]) -> str | None:
        now = self._clock()
        with self._lock:
            cached = self._zones.get(user_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        zone = fetch()
        with self._lock:
            if len(self._zones) > 10_000:
                self._zones.clear()
            self._zones[user_id] = (now, zone)
        return zone


def _user_facts(item: dict[str, Any]) -> UserFacts:
    return UserFacts(
        id=uuid.UUID(str(item["user_id"])),
        name=str(item.get("name") or ""),
        role=str(item.get("role") or ""),
        zone=item.get("zone") or None,
        active=bool(item.get("active", True)),
    )


class AuthClient:
    def __init__(self, settings: ServiceSettings, zone_ttl: float) -> None:
        self._client = ServiceClient(settings, "auth")
        self._zones = ZoneCache(zone_ttl)

    def users(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, UserFacts]:
        return {facts.id: facts for facts in self._client.get_items("/users", ids, _user_facts)}

    def couriers(self) -> list[UserFacts]:
        return self._client.get_list("/users", {"role": "courier"}, _user_facts)

    def courier_zone(self, user_id: uuid.UUID) -> str | None:
        def fetch() -> str | None:
            facts = self.users([user_id]).get(user_id)
            return facts.zone if facts is not None else None

        return self._zones.get(user_id, fetch)


@dataclass
class Clients:
    products: Products
    auth: Users


def http_clients(settings: ShippingSettings) -> Clients:
    return Clients(
        ProductsClient(settings), AuthClient(settings, settings.courier_zone_cache_seconds)
    )


def clients() -> Clients:
    return clients_of(current_app, Clients)
