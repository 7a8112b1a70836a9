"""The products service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import (
    ConflictError,
    ForbiddenError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)


class DuplicateSkuError(ConflictError):
    code = "duplicate_sku"
    message = "You already have a product with this SKU"


class NotYourProductError(ForbiddenError):
    code = "not_your_product"
    message = "This product belongs to another seller"


class DisabledByStaffError(ForbiddenError):
    code = "disabled_by_staff"


class NotAnImageError(UnsupportedMediaTypeError):
    code = "unsupported_image"
    message = "Upload a JPEG, PNG or WebP image"


class ImageTooLargeError(PayloadTooLargeError):
    code = "image_too_large"


class TooManyImagesError(ConflictError):
    code = "too_many_images"
