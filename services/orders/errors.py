"""The orders service's errors: what its routes answer, and what its parts raise to each other."""

from dataclasses import dataclass
from typing import Any

from souk_kit.errors import ConflictError, DependencyError, NotFoundError


class EmptyCartError(ConflictError):
    code = "empty_cart"
    message = "Your cart is empty"


class ProductUnavailableError(ConflictError):
    code = "product_unavailable"
    message = "Some products in your cart are no longer available"


class TooManyShopsError(ConflictError):
    code = "too_many_shops"
    message = "An order can hold products from at most 3 shops"


class InvalidCartError(ConflictError):
    code = "invalid_cart"
    message = "Your cart holds quantities or amounts an order cannot take"


class OutOfStockError(ConflictError):
    code = "out_of_stock"
    message = "Not enough stock for some items in your cart"


class PaymentUnavailableError(DependencyError):
    code = "payment_unavailable"
    message = "The payment could not be processed right now; nothing was charged"


class CheckoutIncompleteError(DependencyError):
    code = "checkout_incomplete"
    message = "The order could not be completed right now; it will be settled shortly"


class IllegalTransitionError(ConflictError):
    code = "illegal_transition"
    message = "The order cannot move to that status"


class AlreadyPickedUpError(ConflictError):
    code = "already_picked_up"
    message = "The order has already been picked up and can no longer be cancelled"


class OrderNotFoundError(NotFoundError):
    message = "No such order"


@dataclass(frozen=True)
class ShortLine:
    product_id: str
    requested: int
    available: int


class StockShortError(Exception):
    """Inventory could not hold every line; nothing was held."""

    def __init__(self, lines: list[ShortLine]) -> None:
        super().__init__("out of stock")
        self.lines = lines


class ReservationGoneError(Exception):
    """The reservation expired or was released before it could be committed."""


class QuoteRefusedError(Exception):
    """Shipping refused the quote request (an unknown method or zone): the buyer's input."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ShipmentPickedUpError(Exception):
    """A courier already has the parcel: the shipment can no longer be cancelled."""


class PaymentProviderError(Exception):
    """The provider failed; no money moved."""


class PaymentTimeoutError(PaymentProviderError):
    """The provider did not answer in time; whether money moved is unknown."""


class OrderSupersededError(ConflictError):
    code = "order_cancelled"
    message = "The order was cancelled while it was being placed; any charge is refunded"


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was already used with a different request body"


class IdempotencyKeyInProgressError(ConflictError):
    code = "idempotency_key_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry shortly"


class CancelIncompleteError(DependencyError):
    code = "refund_pending"
    message = "The order is cancelled; its stock and refund will follow shortly"


class ReservationExpiredError(ConflictError):
    code = "reservation_expired"
    message = "The stock held for this order expired; any payment is refunded"


class NoLongerPendingError(Exception):
    """The order left `pending` under the saga's feet (cancelled, or settled by recovery)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class OrderChangedError(ConflictError):
    code = "order_changed"
    message = "The order changed while it was being cancelled; try again"
