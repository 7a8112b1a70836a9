import uuid

from souk_kit.auth import Identity
from souk_kit.errors import NotFoundError, UnauthorizedError


def parse_id(raw: str, what: str = "product") -> uuid.UUID:
    """An id from a path; anything that is not a UUID is simply not found."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError(f"No such {what}") from None


def user_uuid(identity: Identity) -> uuid.UUID:
    try:
        return uuid.UUID(identity.user_id)
    except ValueError:
        raise UnauthorizedError("The token does not name a user") from None
