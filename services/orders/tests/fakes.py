"""Small stand-ins for the cart, products, inventory and shipping services and the payment
provider, at the clients.py boundary. They record what they were asked, and can be told to
be down (`down = True` raises `DependencyError`, as the real clients do)."""

import threading
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from souk_kit.catalogue import CatalogueProduct
from souk_kit.errors import DependencyError

from services.orders.clients import (
    CartLine,
    Clients,
    Quote,
    QuoteLine,
    Shipment,
    ShipmentLineIn,
    ShipmentRef,
    StockLine,
)
from services.orders.errors import (
    QuoteRefusedError,
    ReservationGoneError,
    ShipmentPickedUpError,
    ShortLine,
    StockShortError,
)
from services.orders.payments import Charge, Refund, TestPaymentProvider


def _fail_if(down: bool, service: str) -> None:
    if down:
        raise DependencyError(details={"service": service})


@dataclass
class FakeCart:
    carts: dict[uuid.UUID, list[CartLine]] = field(default_factory=dict)
    down: bool = False

    def put(self, user_id: uuid.UUID, product_id: uuid.UUID, quantity: int) -> None:
        self.carts.setdefault(user_id, []).append(CartLine(product_id, quantity))

    def get_cart(self, user_id: uuid.UUID) -> list[CartLine]:
        _fail_if(self.down, "cart")
        return list(self.carts.get(user_id, []))


@dataclass
class FakeProducts:
    products: dict[uuid.UUID, CatalogueProduct] = field(default_factory=dict)
    down: bool = False
    calls: int = 0

    def add(
        self,
        price: str,
        *,
        seller_id: uuid.UUID | None = None,
        name: str = "Thing",
        effective_price: str | None = None,
        active: bool = True,
        currency: str = "USD",
    ) -> CatalogueProduct:
        product = CatalogueProduct(
            id=uuid.uuid4(),
            name=name,
            seller_id=seller_id or uuid.uuid4(),
            price=Decimal(price),
            effective_price=Decimal(effective_price or price),
            currency=currency,
            active=active,
        )
        self.products[product.id] = product
        return product

    def batch(self, ids: Any) -> dict[uuid.UUID, CatalogueProduct]:
        _fail_if(self.down, "products")
        self.calls += 1
        return {i: self.products[i] for i in ids if i in self.products}


@dataclass
class FakeInventory:
    """Stock per product; reservations keyed by order id, all lines or none, like the real one."""

    stock: dict[uuid.UUID, int] = field(default_factory=dict)
    reservations: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    down_on: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls_for(self, order_id: uuid.UUID | str) -> list[str]:
        key = uuid.UUID(str(order_id))
        return [op for op, o in self.calls if o == key]

    def reserve(self, order_id: uuid.UUID, lines: list[StockLine]) -> None:
        with self.lock:
            self.calls.append(("reserve", order_id))
            _fail_if("reserve" in self.down_on, "inventory")
            if order_id in self.reservations:
                return
            short = [
                ShortLine(str(x.product_id), x.quantity, self.stock.get(x.product_id, 0))
                for x in lines
                if self.stock.get(x.product_id, 0) < x.quantity
            ]
            if short:
                raise StockShortError(short)
            for x in lines:
                self.stock[x.product_id] -= x.quantity
            self.reservations[order_id] = {"lines": lines, "status": "held"}

    def commit(self, order_id: uuid.UUID) -> None:
        with self.lock:
            self.calls.append(("commit", order_id))
            _fail_if("commit" in self.down_on, "inventory")
            reservation = self.reservations.get(order_id)
            if reservation is None or reservation["status"] == "released":
                raise ReservationGoneError()
            reservation["status"] = "committed"

    def release(self, order_id: uuid.UUID) -> str:
        with self.lock:
            self.calls.append(("release", order_id))
            _fail_if("release" in self.down_on, "inventory")
            reservation = self.reservations.get(order_id)
            if reservation is None:
                return "none"
            if reservation["status"] in ("held", "committed"):
                for x in reservation["lines"]:
                    self.stock[x.product_id] += x.quantity
                reservation["status"] = (
                    "returned" if reservation["status"] == "committed" else "released"
                )
            return str(reservation["status"])


@dataclass
class FakeShipping:
    cost: Decimal = Decimal("5.00")
    quote_down: bool = False
    shipments_down: bool = False
    known_methods: tuple[str, ...] = ("standard", "express")
    shipments: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[uuid.UUID] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def quote(self, lines: list[QuoteLine], zone: str | None, method: str | None) -> Quote:
        _fail_if(self.quote_down, "shipping")
        if method is not None and method not in self.known_methods:
            raise QuoteRefusedError("Unknown shipping method", {"fields": {"method": "unknown"}})
        self.quotes.append({"lines": lines, "zone": zone, "method": method})
        return Quote(self.cost, "USD", method or "standard", 3, zone or "central")

    def create_shipment(
        self,
        order_id: uuid.UUID,
        user_id: uuid.UUID,
        zone: str | None,
        method: str,
        address: Any,
        lines: list[ShipmentLineIn],
    ) -> ShipmentRef:
        _fail_if(self.shipments_down, "shipping")
        with self.lock:
            if order_id not in self.shipments:
                self.shipments[order_id] = {
                    "id": str(uuid.uuid4()),
                    "tracking_number": f"SK{len(self.shipments) + 1:08d}",
                    "status": "pending",
                    "user_id": user_id,
                    "zone": zone,
                    "method": method,
                    "address": address,
                    "lines": lines,
                }
            found = self.shipments[order_id]
            return ShipmentRef(found["id"], found["tracking_number"], found["status"])

    def cancel_shipment(self, order_id: uuid.UUID) -> str:
        _fail_if(self.shipments_down, "shipping")
        found = self.shipments.get(order_id)
        if found is None:
            return "none"
        if found["status"] in ("picked_up", "out_for_delivery", "delivered"):
            raise ShipmentPickedUpError()
        found["status"] = "cancelled"
        self.cancelled.append(order_id)
        return "cancelled"

    def shipment_for_order(self, order_id: uuid.UUID) -> Shipment | None:
        _fail_if(self.shipments_down, "shipping")
        found = self.shipments.get(order_id)
        if found is None:
            return None
        return Shipment(found["id"], found["tracking_number"], found["status"], None, [])


class RecordingProvider(TestPaymentProvider):
    """The built-in test provider, remembering every charge and refund it made."""

    def __init__(self) -> None:
        super().__init__()
        self.charges: list[Charge] = []
        self.refunds: list[Refund] = []

    def charge(
        self, amount: Decimal, currency: str, token: str | None, idempotency_key: str
    ) -> Charge:
        charge = super().charge(amount, currency, token, idempotency_key)
        if charge not in self.charges:
            self.charges.append(charge)
        return charge

    def refund(self, charge_id: str, amount: Decimal, idempotency_key: str) -> Refund:
        refund = super().refund(charge_id, amount, idempotency_key)
        if refund not in self.refunds:
            self.refunds.append(refund)
        return refund

    @property
    def approved(self) -> list[Charge]:
        return [c for c in self.charges if c.status == "succeeded"]


@dataclass
class Fakes:
    cart: FakeCart = field(default_factory=FakeCart)
    products: FakeProducts = field(default_factory=FakeProducts)
    inventory: FakeInventory = field(default_factory=FakeInventory)
    shipping: FakeShipping = field(default_factory=FakeShipping)
    provider: RecordingProvider = field(default_factory=RecordingProvider)

    def clients(self) -> Clients:
        return Clients(self.cart, self.products, self.inventory, self.shipping, self.provider)

    def stocked(self, price: str, stock: int = 10, **product: Any) -> CatalogueProduct:
        """A product on sale with `stock` units in inventory."""
        made = self.products.add(price, **product)
        self.inventory.stock[made.id] = stock
        return made
