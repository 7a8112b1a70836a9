"""The inventory service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import ConflictError, ForbiddenError, NotFoundError


class OutOfStockError(ConflictError):
    code = "out_of_stock"
    message = "Not enough stock for some lines; nothing was held"


class ReservationGoneError(ConflictError):
    code = "reservation_gone"
    message = "The reservation was released or has expired"


class ReservationMismatchError(ConflictError):
    code = "reservation_mismatch"
    message = "This order already holds a reservation with other lines"


class StockBelowReservedError(ConflictError):
    code = "stock_below_reserved"
    message = "Stock cannot go below the units currently reserved for checkouts"


class NotOwnerError(ForbiddenError):
    code = "not_owner"
    message = "This product belongs to another seller"


class ProductNotFoundError(NotFoundError):
    code = "product_not_found"
    message = "No stock is kept for this product"


class ReservationNotFoundError(NotFoundError):
    code = "reservation_not_found"
    message = "No reservation for this order"
