"""The shipping service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import ConflictError, ForbiddenError, ValidationError


class UnknownZoneError(ValidationError):
    code = "unknown_zone"
    message = "We do not ship to this zone"


class UnknownMethodError(ValidationError):
    code = "unknown_method"
    message = "No such shipping method"


class UnknownProductsError(ValidationError):
    code = "unknown_products"
    message = "Some products are not in the catalogue"


class AlreadyPickedUpError(ConflictError):
    code = "already_picked_up"
    message = "This shipment has already been picked up"


class IllegalTransitionError(ConflictError):
    code = "illegal_transition"
    message = "The shipment cannot make this move from its current status"


class NotYourShipmentError(ForbiddenError):
    code = "not_your_shipment"
    message = "Another courier is delivering this shipment"
