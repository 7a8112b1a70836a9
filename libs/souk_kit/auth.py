"""Verifying access tokens with the public key, role checks, and the revocation set.

Only the auth service holds the private key; every other service can verify a token but
never mint one. A token names its session (`sid`); logout, a password change or disabling
a user revokes sessions, and every service refuses a revoked session's token within
`revocation_refresh_seconds` (the set is refreshed from the auth service at most that often).

flask-jwt-extended mints the tokens in the auth service. Routes verify them here, with PyJWT
and one `TokenVerifier` per app, shared with the activity stream: flask-jwt-extended parses a
token three times on every request and re-reads the PEM key, three quarters of the kit's cost
on a signed-in request, and cannot remember a token it has already verified.
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
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask, current_app, g, request
from flask_jwt_extended import JWTManager

from souk_kit.errors import ForbiddenError, UnauthorizedError
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
    if settings.jwt_private_key_file is not None:  # the auth service, which mints tokens
        app.config.update(
            JWT_ALGORITHM="EdDSA",
            JWT_PRIVATE_KEY=settings.jwt_private_key_file.read_text(),
            JWT_IDENTITY_CLAIM="sub",
        )
        JWTManager(app)
    keep = settings.access_token_minutes * 60 + 60
    app.extensions["souk_revocations"] = RevocationSet(
        revocation_source, settings.revocation_refresh_seconds, keep
    )
    app.extensions["souk_tokens"] = TokenVerifier(settings.jwt_public_key_file.read_text())


@dataclass(frozen=True)
class VerifiedToken:
    identity: Identity
    expires_at: float  # seconds since the epoch


@dataclass(frozen=True)
class _SignedClaims:
    identity: Identity
    kind: str
    expires_at: float


class TokenVerifier:
    """Checks access tokens: the signature, expiry, an access token, a session not revoked.

    A client sends the same token with every request for `access_token_minutes`, and checking
    its Ed25519 signature costs more than the rest of the kit's work on a request. So the
    claims of a token whose signature held are remembered by the token's exact text (a
    different token, even one byte, is checked afresh); expiry and revocation are checked
    again on every use.
    """

    def __init__(self, public_key_pem: str, remembered: int = 4096) -> None:
        public_key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(public_key, Ed25519PublicKey):
            raise ValueError("The JWT public key is not an Ed25519 key (tokens are signed EdDSA)")
        self._public_key = public_key
        self._signed_claims = functools.lru_cache(maxsize=remembered)(self._check_signature)

    def _check_signature(self, raw: str) -> _SignedClaims:
        try:
            claims = pyjwt.decode(
                raw, self._public_key, algorithms=["EdDSA"], options={"require": ["exp", "sub"]}
            )
        except pyjwt.ExpiredSignatureError:
            raise UnauthorizedError("The token has expired") from None
        except pyjwt.PyJWTError:
            raise UnauthorizedError("The token is not valid") from None
        return _SignedClaims(
            Identity.from_claims(claims), str(claims.get("type", "")), float(claims["exp"])
        )

    def verify(self, raw: str, is_revoked: Callable[[str], bool]) -> VerifiedToken:
        """The token's caller, or an `UnauthorizedError` saying why not; `is_revoked` says
        whether a session has ended."""
        signed = self._signed_claims(raw)
        if signed.expires_at <= time.time():
            raise UnauthorizedError("The token has expired")
        if signed.kind != "access" or is_revoked(signed.identity.session_id):
            raise UnauthorizedError("The session has ended; sign in again")
        return VerifiedToken(signed.identity, signed.expires_at)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None without the header."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise UnauthorizedError("The token is not valid")
    return token


def tokens_of(app: Flask) -> TokenVerifier:
    verifier: TokenVerifier = app.extensions["souk_tokens"]
    return verifier


def _signed_in_caller() -> Identity | None:
    """The caller the request's token names (kept as `g.identity`); None when it sends none."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return None
    verified = tokens_of(current_app).verify(token, revocations().is_revoked)
    g.identity = verified.identity
    return verified.identity


def requires(*roles: str) -> Callable[[F], F]:
    """Only signed-in users with one of `roles` (any role when none is named) may call this."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            identity = _signed_in_caller()
            if identity is None:
                raise UnauthorizedError()
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
        _signed_in_caller()
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
