"""The cart service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import ConflictError, NotFoundError


class ProductNotFoundError(NotFoundError):
    code = "product_not_found"
    message = "No such product in the catalogue"


class ItemNotFoundError(NotFoundError):
    code = "item_not_found"
    message = "No such item in your cart"


class TooManyShopsError(ConflictError):
    code = "too_many_shops"
    message = "A cart may hold items from at most 3 shops"


class InsufficientStockError(ConflictError):
    code = "insufficient_stock"
    message = "Not enough stock for this quantity"


class ProductUnavailableError(ConflictError):
    code = "product_unavailable"
    message = "This product is no longer sold; you can only lower its quantity or remove it"


class CartFullError(ConflictError):
    code = "cart_full"
    message = "The cart holds too many different products"
