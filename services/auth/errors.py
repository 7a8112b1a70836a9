"""The auth service's errors: what its routes answer, and what its parts raise to each other."""

from souk_kit.errors import ConflictError


class EmailTakenError(ConflictError):
    code = "email_taken"
    message = "An account with this email already exists"
