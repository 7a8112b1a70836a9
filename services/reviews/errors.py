"""The reviews service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import ConflictError, ForbiddenError, NotFoundError


class ProductNotFoundError(NotFoundError):
    code = "product_not_found"
    message = "No such product in the catalogue"


class ReviewNotFoundError(NotFoundError):
    code = "review_not_found"
    message = "No such review"


class AlreadyReviewedError(ConflictError):
    code = "already_reviewed"
    message = "You have already reviewed this product; edit your review instead"


class NotYourReviewError(ForbiddenError):
    code = "not_your_review"
    message = "Only the review's author may do this"
