"""The auth use cases: accounts, sign-in with rotating refresh tokens, sessions and revocation."""

import contextlib
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_jwt_extended import create_access_token
from souk_kit.errors import ConflictError, NotFoundError, RateLimitedError, ValidationError
from souk_kit.outbox import record_event
from souk_kit.pagination import paginate
from souk_kit.validation import maybe_uuid
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.auth.errors import EmailTakenError
from services.auth.models import LoginThrottle, OutboxMessage, User, UserSession
from services.auth.schemas import (
    ProfileUpdateBody,
    RegisterBody,
    UserCreateBody,
    UserQuery,
    UserUpdateBody,
)
from services.auth.settings import AuthSettings, PasswordHashing

# Revocations committed a little before the reader's cursor can become visible after it.
REVOCATION_OVERLAP = timedelta(seconds=10)


def now() -> datetime:
    return datetime.now(UTC)


def make_hasher(settings: PasswordHashing) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find_user(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFoundError("No such user")
    return user


def _user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(
        select(User).where(func.lower(User.email) == email.lower(), User.deleted_at.is_(None))
    )


def _add_user(session: Session, user: User) -> User:
    if _user_by_email(session, user.email) is not None:
        raise EmailTakenError()
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:
        raise EmailTakenError() from None
    return user


def register_user(session: Session, hasher: PasswordHasher, body: RegisterBody) -> User:
    user = _add_user(
        session,
        User(
            email=str(body.email).lower(),
            password_hash=hasher.hash(body.password),
            name=body.name,
            role="customer",
            addresses=[],
        ),
    )
    record_event(session, OutboxMessage, "register", user_id=str(user.id))
    return user


def create_user(session: Session, hasher: PasswordHasher, body: UserCreateBody) -> User:
    return _add_user(
        session,
        User(
            email=str(body.email).lower(),
            password_hash=hasher.hash(body.password),
            name=body.name,
            role=body.role,
            shop_name=body.shop_name,
            zone=body.zone,
            phone=body.phone,
            addresses=[],
        ),
    )


@dataclass(frozen=True)
class SignedIn:
    user: User
    access_token: str
    refresh_token: str
    expires_in: int


def _open_session(session: Session, user: User, settings: AuthSettings) -> SignedIn:
    secret = secrets.token_urlsafe(32)
    user_session = UserSession(
        id=uuid.uuid4(),
        user_id=user.id,
        refresh_token_hash=_digest(secret),
        expires_at=now() + timedelta(days=settings.refresh_token_days),
    )
    session.add(user_session)
    return _tokens_for(user, user_session, secret, settings)


def _tokens_for(
    user: User, user_session: UserSession, secret: str, settings: AuthSettings
) -> SignedIn:
    lifetime = timedelta(minutes=settings.access_token_minutes)
    access = create_access_token(
        identity=str(user.id),
        additional_claims={"role": user.role, "sid": str(user_session.id)},
        expires_delta=lifetime,
    )
    return SignedIn(user, access, f"{user_session.id}.{secret}", int(lifetime.total_seconds()))


_DUMMY_HASH: dict[int, str] = {}


def _check_password(hasher: PasswordHasher, user: User | None, password: str) -> bool:
    if user is None:
        # Spend the same time as for a real account, so timing does not reveal which exist.
        dummy = _DUMMY_HASH.setdefault(id(hasher), hasher.hash("not-a-password"))
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(dummy, password)
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sign_in(
    session: Session, hasher: PasswordHasher, settings: AuthSettings, email: str, password: str
) -> SignedIn | None:
    """Tokens for a good email and password; None (with the failure counted) otherwise."""
    key = email.strip().lower()
    throttle = session.get(LoginThrottle, key, with_for_update=True)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now():
        wait = int((throttle.locked_until - now()).total_seconds()) + 1
        raise RateLimitedError(
            "Too many failed sign-ins; try again later", headers={"Retry-After": str(wait)}
        )
    user = _user_by_email(session, key)
    if not _check_password(hasher, user, password) or user is None or not user.active:
        if throttle is None:
            throttle = LoginThrottle(email=key, failures=0)
            session.add(throttle)
        throttle.failures += 1
        throttle.last_failure_at = now()
        if throttle.failures >= settings.login_max_failures:
            throttle.locked_until = now() + timedelta(seconds=settings.login_lockout_seconds)
            throttle.failures = 0
        return None
    if throttle is not None:
        session.delete(throttle)
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    record_event(session, OutboxMessage, "login", user_id=str(user.id))
    return _open_session(session, user, settings)


def rotate_refresh_token(session: Session, settings: AuthSettings, token: str) -> SignedIn | None:
    """A new token pair for a current refresh token; None when it is unknown, spent or ended.

    Presenting an already-rotated token means it leaked: the whole session is revoked.
    """
    session_part, _, secret = token.partition(".")
    try:
        session_id = uuid.UUID(session_part)
    except ValueError:
        return None
    user_session = session.get(UserSession, session_id, with_for_update=True)
    if user_session is None or user_session.revoked_at is not None:
        return None
    if not hmac.compare_digest(user_session.refresh_token_hash, _digest(secret)):
        user_session.revoked_at = now()
        return None
    user = session.get(User, user_session.user_id)
    if user_session.expires_at <= now() or user is None or not user.active or user.deleted_at:
        user_session.revoked_at = now()
        return None
    new_secret = secrets.token_urlsafe(32)
    user_session.refresh_token_hash = _digest(new_secret)
    return _tokens_for(user, user_session, new_secret, settings)


def revoke_session(session: Session, session_id: str) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.id == uuid.UUID(session_id), UserSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )


def revoke_user_sessions(
    session: Session, user_id: uuid.UUID, keep_session_id: str | None = None
) -> None:
    statement = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep_session_id:
        statement = statement.where(UserSession.id != uuid.UUID(keep_session_id))
    session.execute(statement.values(revoked_at=now()))


def change_password(
    session: Session,
    hasher: PasswordHasher,
    user_id: uuid.UUID,
    session_id: str,
    current_password: str,
    new_password: str,
) -> None:
    user = find_user(session, user_id)
    if not _check_password(hasher, user, current_password):
        raise ValidationError(
            "The current password is wrong",
            code="wrong_password",
            details={"fields": {"current_password": "does not match"}},
        )
    user.password_hash = hasher.hash(new_password)
    revoke_user_sessions(session, user.id, keep_session_id=session_id)


def update_profile(session: Session, user_id: uuid.UUID, body: ProfileUpdateBody) -> User:
    user = find_user(session, user_id)
    changes = body.model_dump(exclude_unset=True, mode="json")
    for name in ("name", "phone"):
        if name in changes and (changes[name] is not None or name == "phone"):
            setattr(user, name, changes[name])
    if changes.get("addresses") is not None:
        user.addresses = changes["addresses"]
    return user


def list_users(session: Session, query: UserQuery, serialize: Any) -> dict[str, Any]:
    statement = select(User).where(User.deleted_at.is_(None)).order_by(User.created_at.desc())
    if query.role:
        statement = statement.where(User.role == query.role)
    if query.q:
        pattern = "%" + query.q.replace("%", r"\%").replace("_", r"\_") + "%"
        statement = statement.where(or_(User.email.ilike(pattern), User.name.ilike(pattern)))
    return paginate(session, statement, query, serialize)


def update_user(
    session: Session, admin_id: uuid.UUID, user_id: uuid.UUID, body: UserUpdateBody
) -> User:
    user = find_user(session, user_id)
    changes = body.model_dump(exclude_unset=True)
    demotes_or_disables = changes.get("active") is False or changes.get("role", "admin") != "admin"
    if user.id == admin_id and demotes_or_disables:
        raise ConflictError("You cannot disable or demote your own account", code="own_account")
    role_after = changes.get("role") or user.role
    if role_after == "seller" and not (changes.get("shop_name") or user.shop_name):
        raise ValidationError(
            "A seller needs a shop_name", details={"fields": {"shop_name": "required for sellers"}}
        )
    if role_after == "courier" and not (changes.get("zone") or user.zone):
        raise ValidationError(
            "A courier needs a zone", details={"fields": {"zone": "required for couriers"}}
        )
    ends_sessions = changes.get("active") is False or changes.get("role", user.role) != user.role
    for name, value in changes.items():
        if value is not None:
            setattr(user, name, value)
    if ends_sessions:
        revoke_user_sessions(session, user.id)
    return user


def delete_user(session: Session, admin_id: uuid.UUID, user_id: uuid.UUID) -> None:
    user = find_user(session, user_id)
    if user.id == admin_id:
        raise ConflictError("You cannot delete your own account", code="own_account")
    user.deleted_at = now()
    user.active = False
    revoke_user_sessions(session, user.id)


def revoked_session_ids(
    session: Session, settings: AuthSettings, since: datetime | None
) -> tuple[list[str], str]:
    """Sessions revoked since the cursor (or within an access token's lifetime), and a new cursor."""
    cursor = session.scalar(select(func.now()))
    assert cursor is not None
    if since is None:
        horizon = cursor - timedelta(minutes=settings.access_token_minutes + 1)
    else:
        horizon = since - REVOCATION_OVERLAP
    ids = session.scalars(select(UserSession.id).where(UserSession.revoked_at >= horizon)).all()
    return [str(i) for i in ids], cursor.isoformat()


def users_by_ids(session: Session, ids: list[str]) -> list[User]:
    keys = [key for key in map(maybe_uuid, ids) if key]
    if not keys:
        return []
    return list(session.scalars(select(User).where(User.id.in_(keys))).all())


def users_with_role(session: Session, role: str | None) -> list[User]:
    """Every user with the role that has not been deleted, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.role == role, User.deleted_at.is_(None))
            .order_by(User.name, User.id)
        ).all()
    )


def ensure_admin(session: Session, hasher: PasswordHasher, email: str, password: str) -> bool:
    """Create the first admin unless an admin with this email exists; True if created."""
    if _user_by_email(session, email) is not None:
        return False
    session.add(
        User(
            email=email.lower(),
            password_hash=hasher.hash(password),
            name="Administrator",
            role="admin",
            addresses=[],
        )
    )
    return True
