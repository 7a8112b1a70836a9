"""Verifying access tokens with the public key, role checks, and the revocation set.

Only the auth service holds the private key; every other service can verify a token but
never mint one. A token names its session (`sid`); logout, a password change or disabling
a user revokes sessions, and every service refuses a revoked session's token within
`revocation_refresh_seconds` (the set is refreshed from the auth service at most that often).
"""

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import jwt as pyjwt
from flask import Flask, current_app, g
from flask_jwt_extended import JWTManager, get_jwt, verify_jwt_in_request

from souk_kit.errors import ForbiddenError, UnauthorizedError, error_response
from souk_kit.settings import ServiceSettings
from souk_kit.validation import route_spec

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("souk.auth")

# Fetches revoked session ids changed since a cursor; returns them and the next cursor.
RevocationSource = Callable[[str | None], tuple[list[str], str | None]]


@dataclass(frozen=True)
class Identity:
    user_id: uuid.UUID
    role: str
    session_id: str

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Identity":
        """The caller a verified token names; a subject that is not a user id is refused."""
        try:
            user_id = uuid.UUID(str(claims["sub"]))
        except ValueError:
            raise UnauthorizedError("The token does not name a user") from None
        return cls(user_id, str(claims.get("role", "")), str(claims.get("sid", "")))


class RevocationSet:
    """Revoked session ids, refreshed from the source when older than `max_age` seconds.

    A failed refresh keeps the previous set (and is retried on the next request), so an
    auth outage does not lock everybody out; it only stretches the revocation window.
    """

    def __init__(self, source: RevocationSource, max_age: float, keep_seconds: float) -> None:
        self._source = source
        self._max_age = max_age
        self._keep_seconds = keep_seconds
        self._revoked: dict[str, float] = {}
        self._cursor: str | None = None
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def is_revoked(self, session_id: str) -> bool:
        if time.monotonic() - self._fetched_at >= self._max_age:
            self.refresh()
        return session_id in self._revoked

    def holds(self, session_id: str) -> bool:
        """Whether the set as last fetched holds `session_id` (never fetches, never waits)."""
        return session_id in self._revoked

    def refresh(self) -> None:
        if not self._lock.acquire(blocking=False):
            return  # another thread is refreshing; use the current set meanwhile
        try:
            ids, cursor = self._source(self._cursor)
            now = time.monotonic()
            for session_id in ids:
                self._revoked[session_id] = now
            self._cursor = cursor
            self._fetched_at = now
            if len(self._revoked) > 10_000:
                horizon = now - self._keep_seconds
                self._revoked = {k: t for k, t in self._revoked.items() if t >= horizon}
        except Exception:
            log.warning("could not refresh the revocation set", exc_info=True)
        finally:
            self._lock.release()


def init_auth(app: Flask, settings: ServiceSettings, revocation_source: RevocationSource) -> None:
    app.config.update(
        JWT_ALGORITHM="EdDSA",
        JWT_DECODE_ALGORITHMS=["EdDSA"],
        JWT_PUBLIC_KEY=settings.jwt_public_key_file.read_text(),
        JWT_TOKEN_LOCATION=["headers"],
        JWT_IDENTITY_CLAIM="sub",
        JWT_ERROR_MESSAGE_KEY="error",
    )
    if settings.jwt_private_key_file is not None:
        app.config["JWT_PRIVATE_KEY"] = settings.jwt_private_key_file.read_text()
    keep = settings.access_token_minutes * 60 + 60
    app.extensions["souk_revocations"] = RevocationSet(
        revocation_source, settings.revocation_refresh_seconds, keep
    )
    jwt = JWTManager(app)

    @jwt.token_in_blocklist_loader
    def token_revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        return payload.get("type") != "access" or revocations().is_revoked(payload.get("sid", ""))

    def unauthorized(message: str) -> Any:
        return error_response(401, "unauthorized", message)

    jwt.unauthorized_loader(lambda _reason: unauthorized("Sign in to do this"))
    jwt.invalid_token_loader(lambda _reason: unauthorized("The token is not valid"))
    jwt.expired_token_loader(lambda _h, _p: unauthorized("The token has expired"))
    jwt.revoked_token_loader(lambda _h, _p: unauthorized("The session has ended; sign in again"))
    jwt.needs_fresh_token_loader(lambda _h, _p: unauthorized("Sign in again"))
    jwt.user_lookup_error_loader(lambda _h, _p: unauthorized("Sign in to do this"))


def _identity_from_token() -> Identity:
    identity = Identity.from_claims(get_jwt())
    g.identity = identity
    return identity


@dataclass(frozen=True)
class VerifiedToken:
    identity: Identity
    expires_at: float  # seconds since the epoch


def verify_access_token(raw: str, public_key: str, revoked: RevocationSet) -> VerifiedToken:
    """The checks a Flask route makes, for code outside Flask (the activity stream): the
    signature, expiry, an access token, a session not revoked. Never refreshes `revoked`
    (that may wait on the auth service); its owner refreshes it."""
    try:
        claims = pyjwt.decode(
            raw, public_key, algorithms=["EdDSA"], options={"require": ["exp", "sub"]}
        )
    except pyjwt.ExpiredSignatureError:
        raise UnauthorizedError("The token has expired") from None
    except pyjwt.PyJWTError:
        raise UnauthorizedError("The token is not valid") from None
    identity = Identity.from_claims(claims)
    if claims.get("type") != "access" or revoked.holds(identity.session_id):
        raise UnauthorizedError("The session has ended; sign in again")
    return VerifiedToken(identity, float(claims["exp"]))


def requires(*roles: str) -> Callable[[F], F]:
    """Only signed-in users with one of `roles` (any role when none is named) may call this."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            identity = _identity_from_token()
            if roles and identity.role not in roles:
                raise ForbiddenError("Your role may not do this")
            return view(*args, **kwargs)

        route_spec(wrapper).roles = roles or ("any signed-in user",)
        return wrapper  # type: ignore[return-value]

    return decorate


def optional_auth(view: F) -> F:
    """A token is optional here; when one is sent it must be valid."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if verify_jwt_in_request(optional=True) is not None:
            _identity_from_token()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def current_identity() -> Identity:
    identity: Identity | None = g.get("identity")
    if identity is None:
        raise UnauthorizedError()
    return identity


def maybe_identity() -> Identity | None:
    identity: Identity | None = g.get("identity")
    return identity


def revocations_of(app: Flask) -> RevocationSet:
    revocation_set: RevocationSet = app.extensions["souk_revocations"]
    return revocation_set


def revocations() -> RevocationSet:
    return revocations_of(current_app)
