"""Typed clients for the services the orders service calls: cart, products, inventory, shipping.

Each method makes one call through `ServiceClient` (connect/read timeouts, retries only for
reads and idempotent writes) and returns plain dataclasses. A service that is down, answers
5xx or answers something unreadable raises `DependencyError` (503). The app keeps the clients
with `http_clients(settings)` (the payment provider among them); service tests give it
fakes with the same methods.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from souk_kit.catalogue import Catalogue, CatalogueClient, money
from souk_kit.errors import DependencyError
from souk_kit.http import ServiceClient, ServiceResponse
from souk_kit.settings import ServiceSettings

from services.orders.errors import (
    QuoteRefusedError,
    ReservationGoneError,
    ShipmentPickedUpError,
    ShortLine,
    StockShortError,
)
from services.orders.payments import PaymentProvider, make_provider
from services.orders.settings import OrdersSettings

log = logging.getLogger("souk.orders.clients")
T = TypeVar("T")


@dataclass(frozen=True)
class CartLine:
    product_id: uuid.UUID
    quantity: int
    seller_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StockLine:
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class QuoteLine:
    product_id: uuid.UUID
    quantity: int
    weight_kg: Decimal | None  # as the catalogue has it (None: none recorded)


@dataclass(frozen=True)
class ShipmentLineIn:
    product_id: uuid.UUID
    quantity: int
    seller_id: uuid.UUID


@dataclass(frozen=True)
class Quote:
    cost: Decimal
    currency: str
    method: str
    estimated_days: int | None = None
    zone: str | None = None


@dataclass(frozen=True)
class ShipmentRef:
    id: str
    tracking_number: str | None
    status: str


@dataclass(frozen=True)
class Shipment:
    id: str
    tracking_number: str | None
    status: str
    courier_id: str | None
    events: list[dict[str, Any]] = field(default_factory=list)


class CartClient(Protocol):
    def get_cart(self, user_id: uuid.UUID) -> list[CartLine]: ...


class InventoryClient(Protocol):
    def reserve(self, order_id: uuid.UUID, lines: list[StockLine]) -> None: ...
    def commit(self, order_id: uuid.UUID) -> None: ...
    def release(self, order_id: uuid.UUID) -> str: ...


class ShippingClient(Protocol):
    def quote(self, lines: list[QuoteLine], zone: str | None, method: str | None) -> Quote: ...
    def create_shipment(
        self,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        zone: str | None,
        method: str,
        address: Any,
        lines: list[ShipmentLineIn],
    ) -> ShipmentRef: ...
    def cancel_shipment(self, order_id: uuid.UUID) -> str: ...
    def shipment_for_order(self, order_id: uuid.UUID) -> Shipment | None: ...


@dataclass
class Clients:
    cart: CartClient
    products: Catalogue
    inventory: InventoryClient
    shipping: ShippingClient
    payments: PaymentProvider


def _read(service: str, parse: Callable[[], T]) -> T:
    """Parse another service's answer; an answer of the wrong shape counts as that service down."""
    try:
        return parse()
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        log.warning("unreadable answer from %s", service, exc_info=True)
        raise DependencyError(details={"service": service}) from None


def _unexpected(service: str, answer: ServiceResponse) -> DependencyError:
    log.warning("unexpected %s answer from %s: %s", answer.status, service, answer.data)
    return DependencyError(details={"service": service})


class HttpCartClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._http = ServiceClient(settings, "cart")

    def get_cart(self, user_id: uuid.UUID) -> list[CartLine]:
        answer = self._http.get(f"/carts/{user_id}")
        if answer.status == 404:
            return []
        if not answer.ok:
            raise _unexpected("cart", answer)
        return _read(
            "cart",
            lambda: [
                CartLine(
                    product_id=uuid.UUID(str(item["product_id"])),
                    quantity=int(item["quantity"]),
                    seller_id=uuid.UUID(str(item["seller_id"])) if item.get("seller_id") else None,
                )
                for item in answer.data["items"]
            ],
        )


class HttpInventoryClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._http = ServiceClient(settings, "inventory")

    def reserve(self, order_id: uuid.UUID, lines: list[StockLine]) -> None:
        body = {
            "order_id": str(order_id),
            "lines": [{"product_id": str(x.product_id), "quantity": x.quantity} for x in lines],
        }
        answer = self._http.post("/reservations", body, idempotency_key=f"reserve-{order_id}")
        if answer.status == 409 and (answer.data or {}).get("code") == "out_of_stock":
            raise StockShortError(
                _read(
                    "inventory",
                    lambda: [
                        ShortLine(
                            product_id=str(line["product_id"]),
                            requested=int(line["requested"]),
                            available=int(line["available"]),
                        )
                        for line in answer.data["details"]["lines"]
                    ],
                )
            )
        if not answer.ok:
            raise _unexpected("inventory", answer)

    def commit(self, order_id: uuid.UUID) -> None:
        answer = self._http.post(
            f"/reservations/{order_id}/commit", idempotency_key=f"commit-{order_id}"
        )
        if answer.status in (404, 409):  # never held, expired or released
            raise ReservationGoneError()
        if not answer.ok:
            raise _unexpected("inventory", answer)

    def release(self, order_id: uuid.UUID) -> str:
        """ "released" (held stock freed), "returned" (bought stock put back) or "none"."""
        answer = self._http.post(
            f"/reservations/{order_id}/release", idempotency_key=f"release-{order_id}"
        )
        if not answer.ok:
            raise _unexpected("inventory", answer)
        return _read("inventory", lambda: str(answer.data.get("status") or "none"))


class HttpShippingClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._http = ServiceClient(settings, "shipping")

    def quote(self, lines: list[QuoteLine], zone: str | None, method: str | None) -> Quote:
        # With the weights checkout already read, so shipping need not ask the catalogue.
        body: dict[str, Any] = {
            "items": [
                {
                    "product_id": str(x.product_id),
                    "quantity": x.quantity,
                    "weight_kg": None if x.weight_kg is None else str(x.weight_kg),
                }
                for x in lines
            ]
        }
        if zone:
            body["zone"] = zone
        if method:
            body["method"] = method
        # A quote changes nothing, so it may be retried like a read.
        answer = self._http.post("/quote", body, idempotency_key=f"quote-{uuid.uuid4()}")
        if answer.status in (400, 404, 422):
            data = answer.data if isinstance(answer.data, dict) else {}
            raise QuoteRefusedError(
                str(data.get("error") or "Shipping cannot deliver this order"),
                dict(data.get("details") or {}),
            )
        if not answer.ok:
            raise _unexpected("shipping", answer)
        return _read(
            "shipping",
            lambda: Quote(
                cost=money(answer.data["cost"]),
                currency=str(answer.data.get("currency") or "USD"),
                method=str(answer.data.get("method") or method or "standard"),
                estimated_days=(
                    int(answer.data["estimated_days"])
                    if answer.data.get("estimated_days") is not None
                    else None
                ),
                zone=str(answer.data["zone"]) if answer.data.get("zone") else zone,
            ),
        )

    def create_shipment(
        self,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        zone: str | None,
        method: str,
        address: Any,
        lines: list[ShipmentLineIn],
    ) -> ShipmentRef:
        body = {
            "order_id": str(order_id),
            "user_id": str(user_id),
            "zone": zone,
            "method": method,
            # Shipping takes an address object; a one-line address becomes its first line.
            "address": address
            if isinstance(address, dict) or address is None
            else {"line1": str(address)},
            "lines": [
                {
                    "product_id": str(x.product_id),
                    "quantity": x.quantity,
                    "seller_id": str(x.seller_id),
                }
                for x in lines
            ],
        }
        answer = self._http.post("/shipments", body, idempotency_key=f"shipment-{order_id}")
        if not answer.ok:
            raise _unexpected("shipping", answer)
        return _read(
            "shipping",
            lambda: ShipmentRef(
                id=str(answer.data["id"]),
                tracking_number=answer.data.get("tracking_number"),
                status=str(answer.data.get("status") or "pending"),
            ),
        )

    def cancel_shipment(self, order_id: uuid.UUID) -> str:
        """ "cancelled", or "none" when shipping has no shipment for the order."""
        answer = self._http.post(
            f"/shipments/by-order/{order_id}/cancel", idempotency_key=f"cancel-{order_id}"
        )
        if answer.status == 404:
            return "none"
        if answer.status == 409:
            code = (
                str((answer.data or {}).get("code") or "") if isinstance(answer.data, dict) else ""
            )
            if "cancel" in code:  # cancelled before: the outcome we want
                return "cancelled"
            raise ShipmentPickedUpError()
        if not answer.ok:
            raise _unexpected("shipping", answer)
        return "cancelled"

    def shipment_for_order(self, order_id: uuid.UUID) -> Shipment | None:
        answer = self._http.get(f"/shipments/by-order/{order_id}")
        if answer.status == 404:
            return None
        if not answer.ok:
            raise _unexpected("shipping", answer)
        return _read(
            "shipping",
            lambda: Shipment(
                id=str(answer.data["id"]),
                tracking_number=answer.data.get("tracking_number"),
                status=str(answer.data["status"]),
                courier_id=(
                    str(answer.data["courier_id"]) if answer.data.get("courier_id") else None
                ),
                events=list(answer.data.get("events") or []),
            ),
        )


def http_clients(settings: OrdersSettings) -> Clients:
    return Clients(
        cart=HttpCartClient(settings),
        products=CatalogueClient(settings),
        inventory=HttpInventoryClient(settings),
        shipping=HttpShippingClient(settings),
        payments=make_provider(settings),
    )
