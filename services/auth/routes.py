import uuid
from typing import Any

from argon2 import PasswordHasher
from flask import Blueprint, current_app
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, requires
from souk_kit.db import transaction
from souk_kit.errors import NotFoundError, UnauthorizedError
from souk_kit.http import internal_blueprint
from souk_kit.validation import MessageOut, parse_uuid, validate

from services.auth import service
from services.auth.presenters import tokens_out, user_out
from services.auth.schemas import (
    LoginBody,
    PasswordChangeBody,
    ProfileUpdateBody,
    RefreshBody,
    RegisterBody,
    RegisteredOut,
    RevocationsQuery,
    ShopOut,
    ShopsOut,
    ShopsQuery,
    TokensOut,
    UserCreateBody,
    UserOut,
    UserQuery,
    UsersLookupQuery,
    UserUpdateBody,
)
from services.auth.settings import AuthSettings

public = Blueprint("auth", __name__, url_prefix="/api/auth")
internal = internal_blueprint("auth")


def hasher() -> PasswordHasher:
    password_hasher: PasswordHasher = current_app.extensions["auth_hasher"]
    return password_hasher


@public.post("/register")
@validate(body=RegisterBody, responses={201: RegisteredOut})
def register(body: RegisterBody) -> Any:
    """Create a customer account (a `role` in the body is ignored)."""
    with transaction() as session:
        user = service.register_user(session, hasher(), body)
        return RegisteredOut(user_id=user.id, email=user.email, role="customer"), 201


@public.post("/login")
@validate(body=LoginBody, responses={200: TokensOut})
def login(body: LoginBody) -> Any:
    """Sign in: an access token and a refresh token."""
    with transaction() as session:
        signed_in = service.sign_in(
            session, hasher(), settings_of(current_app, AuthSettings), body.email, body.password
        )
    if signed_in is None:
        raise UnauthorizedError("Wrong email or password", code="invalid_credentials")
    return tokens_out(signed_in)


@public.post("/refresh")
@validate(body=RefreshBody, responses={200: TokensOut})
def refresh(body: RefreshBody) -> Any:
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    with transaction() as session:
        signed_in = service.rotate_refresh_token(
            session, settings_of(current_app, AuthSettings), body.refresh_token
        )
    if signed_in is None:
        raise UnauthorizedError("The refresh token is not valid", code="invalid_refresh_token")
    return tokens_out(signed_in)


@public.post("/logout")
@requires()
@validate(responses={200: MessageOut})
def logout() -> Any:
    """End this session: its access and refresh tokens stop working everywhere."""
    with transaction() as session:
        service.revoke_session(session, current_identity().session_id)
    return MessageOut(message="Logged out")


def user_key(raw: str) -> uuid.UUID:
    return parse_uuid(raw, NotFoundError("No such user"))


@public.get("/me")
@requires()
@validate(responses={200: UserOut})
def me() -> Any:
    with transaction() as session:
        return user_out(service.find_user(session, current_identity().user_id))


@public.patch("/me")
@requires()
@validate(body=ProfileUpdateBody, responses={200: UserOut})
def update_me(body: ProfileUpdateBody) -> Any:
    with transaction() as session:
        return user_out(service.update_profile(session, current_identity().user_id, body))


@public.post("/password")
@requires()
@validate(body=PasswordChangeBody, responses={200: MessageOut})
def change_password(body: PasswordChangeBody) -> Any:
    """Change the password; every other session of the user ends."""
    identity = current_identity()
    with transaction() as session:
        service.change_password(
            session,
            hasher(),
            identity.user_id,
            identity.session_id,
            body.current_password,
            body.new_password,
        )
    return MessageOut(message="Password changed")


@public.get("/shops")
@validate(query=ShopsQuery, responses={200: ShopsOut})
def shops(query: ShopsQuery) -> Any:
    """The names of shops, for anyone: a storefront shows whose products it lists."""
    with transaction() as session:
        found = service.users_by_ids(session, query.ids.split(","))
        return ShopsOut(
            items=[
                ShopOut(seller_id=user.id, shop_name=user.shop_name)
                for user in found
                if user.role == "seller" and user.shop_name and user.active and not user.deleted_at
            ]
        )


@public.get("/users")
@requires("admin")
@validate(query=UserQuery)
def list_users(query: UserQuery) -> Any:
    with transaction() as session:
        return service.list_users(session, query, lambda u: user_out(u).model_dump(mode="json"))


@public.post("/users")
@requires("admin")
@validate(body=UserCreateBody, responses={201: UserOut})
def create_user(body: UserCreateBody) -> Any:
    """Register staff, a shop (`seller` with `shop_name`) or delivery crew (`courier` with `zone`)."""
    with transaction() as session:
        return user_out(service.create_user(session, hasher(), body)), 201


@public.get("/users/<user_id>")
@requires("admin")
@validate(responses={200: UserOut})
def get_user(user_id: str) -> Any:
    with transaction() as session:
        return user_out(service.find_user(session, user_key(user_id)))


@public.patch("/users/<user_id>")
@requires("admin")
@validate(body=UserUpdateBody, responses={200: UserOut})
def update_user(user_id: str, body: UserUpdateBody) -> Any:
    """Change a user; disabling them or changing their role ends their sessions."""
    with transaction() as session:
        admin_id = current_identity().user_id
        return user_out(service.update_user(session, admin_id, user_key(user_id), body))


@public.delete("/users/<user_id>")
@requires("admin")
@validate(responses={200: MessageOut})
def delete_user(user_id: str) -> Any:
    with transaction() as session:
        service.delete_user(session, current_identity().user_id, user_key(user_id))
    return MessageOut(message="User deleted")


@internal.get("/revocations")
@validate(query=RevocationsQuery)
def revocations(query: RevocationsQuery) -> Any:
    with transaction() as session:
        ids, cursor = service.revoked_session_ids(
            session, settings_of(current_app, AuthSettings), query.since
        )
    return {"session_ids": ids, "cursor": cursor}


@internal.get("/users")
@validate(query=UsersLookupQuery)
def users(query: UsersLookupQuery) -> Any:
    """Facts about many users at once (names, shops, zones, and the e-mail address
    notifications go to) for other services: the given ids, or every user with the given
    role."""
    with transaction() as session:
        if query.ids is not None:
            found = service.users_by_ids(session, query.ids.split(","))
        else:
            found = service.users_with_role(session, query.role)
        return {
            "items": [
                {
                    "user_id": str(u.id),
                    "name": u.name,
                    "email": u.email,
                    "role": u.role,
                    "shop_name": u.shop_name,
                    "zone": u.zone,
                    "active": u.active and u.deleted_at is None,
                }
                for u in found
            ]
        }
