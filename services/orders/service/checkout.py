"""The checkout saga: cart → prices → shipping quote → pending order → stock → payment → paid.

Each step commits on its own and records its outcome on the order (`stock_state`, the payment
row, `shipment_id`), so a crash leaves a trace the recovery loop can finish or undo. A failing
step runs the compensations of the steps before it and leaves the order `failed` with its
reason. Prices come from the products service only, never from the client.
"""

import logging
import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from souk_kit.catalogue import CatalogueProduct
from souk_kit.db import table_of
from souk_kit.errors import (
    ConflictError,
    DependencyError,
    PaymentDeclinedError,
    ValidationError,
)
from sqlalchemy import insert

from services.orders.clients import Quote, QuoteLine, StockLine
from services.orders.errors import (
    CheckoutIncompleteError,
    EmptyCartError,
    InvalidCartError,
    NoLongerPendingError,
    OrderSupersededError,
    OutOfStockError,
    PaymentProviderError,
    PaymentTimeoutError,
    PaymentUnavailableError,
    ProductUnavailableError,
    QuoteRefusedError,
    ReservationExpiredError,
    ReservationGoneError,
    StockShortError,
    TooManyShopsError,
)
from services.orders.models import (
    COUNTED_STATUSES,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    utcnow,
)
from services.orders.service.common import Deps, lock_order, touch
from services.orders.service.compensation import give_back, record_charge
from services.orders.service.steps import fail, finish_paid, request_shipment

log = logging.getLogger("souk.orders.checkout")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # what NUMERIC(12, 2) holds
MAX_SHOPS = 3
# A new order is written with plain inserts on its tables: nobody else knows of it yet, and
# the unit of work cost more than the three statements.
_NEW_ORDER = insert(table_of(Order))
_NEW_LINES = insert(table_of(OrderLine))
_NEW_STATUS_CHANGE = insert(table_of(OrderStatusChange))


@dataclass(frozen=True)
class CheckoutRequest:
    user_id: uuid.UUID
    shipping_address: Any | None
    shipping_method: str | None
    zone: str | None
    payment_token: str | None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PricedLine:
    product: CatalogueProduct
    quantity: int
    list_price: Decimal
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class PricedCart:
    lines: list[PricedLine]
    subtotal: Decimal
    discount: Decimal
    quote: Quote
    total: Decimal
    currency: str

    def stock_lines(self) -> list[StockLine]:
        return [StockLine(x.product.id, x.quantity) for x in self.lines]


def price_cart(deps: Deps, request: CheckoutRequest) -> PricedCart:
    """The caller's cart priced by the products service, with the shipping quote."""
    quantities: dict[uuid.UUID, int] = {}
    for item in deps.clients.cart.get_cart(request.user_id):
        quantities[item.product_id] = quantities.get(item.product_id, 0) + item.quantity
    if not quantities:
        raise EmptyCartError()
    limit = deps.settings.max_line_quantity
    bad = [str(pid) for pid, qty in quantities.items() if not 1 <= qty <= limit]
    if bad:
        raise InvalidCartError(details={"product_ids": bad, "max_quantity": limit})

    products = deps.clients.products.batch(quantities)
    unavailable = [str(p) for p in quantities if p not in products or not products[p].active]
    if unavailable:
        raise ProductUnavailableError(details={"product_ids": unavailable})
    currency = deps.settings.currency
    if any(products[p].currency != currency for p in quantities):
        raise ConflictError(
            "Some products are priced in another currency", code="currency_mismatch"
        )
    if len({products[p].seller_id for p in quantities}) > MAX_SHOPS:
        raise TooManyShopsError()

    lines = []
    for product_id, quantity in quantities.items():
        product = products[product_id]
        list_price = product.price.quantize(CENT)
        unit_price = min(product.effective_price, product.price).quantize(CENT)
        lines.append(PricedLine(product, quantity, list_price, unit_price, unit_price * quantity))
    subtotal = sum((x.list_price * x.quantity for x in lines), Decimal("0.00"))
    discount = sum(((x.list_price - x.unit_price) * x.quantity for x in lines), Decimal("0.00"))
    if subtotal > MAX_AMOUNT:
        raise InvalidCartError(
            "The order total is too large", details={"max_total": str(MAX_AMOUNT)}
        )

    weighed = [QuoteLine(x.product.id, x.quantity, x.product.weight_kg) for x in lines]
    try:
        quote = deps.clients.shipping.quote(weighed, request.zone, request.shipping_method)
    except QuoteRefusedError as refused:
        raise ValidationError(
            refused.message, code="shipping_unavailable_for_order", details=refused.details
        ) from None
    if quote.currency != currency:
        raise DependencyError(
            "Shipping quoted in another currency", details={"service": "shipping"}
        )
    total = subtotal - discount + quote.cost
    if total > MAX_AMOUNT:
        raise InvalidCartError(
            "The order total is too large", details={"max_total": str(MAX_AMOUNT)}
        )
    return PricedCart(lines, subtotal, discount, quote, total, currency)


def place_order(deps: Deps, request: CheckoutRequest) -> uuid.UUID:
    """Run the whole checkout; returns the id of the paid order or raises what API.md answers."""
    cart = price_cart(deps, request)
    order_id = _open_order(deps, request, cart)
    try:
        _reserve_stock(deps, order_id, cart)
        _charge(deps, order_id, request.payment_token)
        _commit_stock(deps, order_id)
        paid = finish_paid(deps, order_id)
    except NoLongerPendingError as superseded:
        if superseded.status in COUNTED_STATUSES:
            return order_id  # the recovery loop finished it meanwhile
        give_back(deps, order_id)
        raise OrderSupersededError(details={"order_id": str(order_id)}) from None
    request_shipment(deps, order_id, paid)
    return order_id


def _open_order(deps: Deps, request: CheckoutRequest, cart: PricedCart) -> uuid.UUID:
    order_id = uuid.uuid4()
    now = utcnow()
    with deps.transactions() as session:
        session.execute(
            _NEW_ORDER,
            {
                "id": order_id,
                "user_id": request.user_id,
                "status": "pending",
                "currency": cart.currency,
                "subtotal": cart.subtotal,
                "discount": cart.discount,
                "shipping_cost": cart.quote.cost,
                "total": cart.total,
                "shipping_address": request.shipping_address,
                "shipping_method": cart.quote.method,
                "shipping_zone": cart.quote.zone,
                "estimated_days": cart.quote.estimated_days,
                "idempotency_key": request.idempotency_key,
                "stock_state": "none",
                "compensation_due": False,
                "created_at": now,
                "updated_at": now,
            },
        )
        session.execute(
            _NEW_LINES,
            [
                {
                    "order_id": order_id,
                    "product_id": line.product.id,
                    "seller_id": line.product.seller_id,
                    "name": line.product.name[:200],
                    "list_price": line.list_price,
                    "unit_price": line.unit_price,
                    "quantity": line.quantity,
                    "line_total": line.line_total,
                }
                for line in cart.lines
            ],
        )
        session.execute(
            _NEW_STATUS_CHANGE, {"order_id": order_id, "status": "pending", "note": None, "at": now}
        )
    return order_id


def _pending(session: Any, order_id: uuid.UUID) -> Order:
    order = lock_order(session, order_id)
    if order.status != "pending":
        raise NoLongerPendingError(order.status)
    return order


def _reserve_stock(deps: Deps, order_id: uuid.UUID, cart: PricedCart) -> None:
    """Hold the stock (the order records the hold with its payment, in `_charge`: until then a
    crash leaves a pending order whose recovery releases whatever was held)."""
    try:
        deps.clients.inventory.reserve(order_id, cart.stock_lines())
    except StockShortError as short:
        fail(deps, order_id, "out_of_stock", compensate=False)
        raise OutOfStockError(
            details={"order_id": str(order_id), "lines": [asdict(x) for x in short.lines]}
        ) from None
    except DependencyError:
        fail(deps, order_id, "inventory_unavailable")  # the hold may have happened: release it
        raise


def _charge(deps: Deps, order_id: uuid.UUID, token: str | None) -> None:
    """Record the stock hold and a pending payment in one transaction, charge, and store the
    provider's answer at once (money that moved is on record even if the order was given up
    on meanwhile, so whoever gives it back refunds it)."""
    key = f"charge-{order_id}"
    with deps.transactions() as session:
        order = _pending(session, order_id)
        order.stock_state = "held"
        amount, currency = order.total, order.currency
        session.add(
            Payment(
                order_id=order_id,
                provider=deps.clients.payments.name,
                idempotency_key=key,
                amount=amount,
                currency=currency,
                status="pending",
                refunded_amount=Decimal("0.00"),
            )
        )
        touch(order)
    details = {"order_id": str(order_id)}
    try:
        charge = deps.clients.payments.charge(amount, currency, token, key)
    except PaymentTimeoutError:
        # Whether money moved is unknown: the order stays pending and recovery asks the provider.
        log.warning("payment for order %s timed out; recovery will settle it", order_id)
        raise PaymentUnavailableError(
            "The payment provider did not answer; the order will be settled shortly",
            details=details,
        ) from None
    except PaymentProviderError:
        log.warning("payment for order %s failed", order_id, exc_info=True)
        record_charge(deps, order_id, None)
        fail(deps, order_id, "payment_error")
        raise PaymentUnavailableError(details=details) from None
    record_charge(deps, order_id, charge)
    if charge.status != "succeeded":
        fail(deps, order_id, "payment_declined")
        raise PaymentDeclinedError(details={**details, "reason": charge.failure_code})


def _commit_stock(deps: Deps, order_id: uuid.UUID) -> None:
    try:
        deps.clients.inventory.commit(order_id)
    except ReservationGoneError:
        fail(deps, order_id, "reservation_expired")
        raise ReservationExpiredError(details={"order_id": str(order_id)}) from None
    except DependencyError:
        # Paid but not yet bought: recovery commits the reservation and finishes the order.
        raise CheckoutIncompleteError(
            "The payment went through; the order will be confirmed shortly",
            details={"order_id": str(order_id)},
        ) from None
