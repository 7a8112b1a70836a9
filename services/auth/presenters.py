"""Users and their tokens as the API shows them."""

from services.auth import service
from services.auth.models import User
from services.auth.schemas import (
    TokensOut,
    UserOut,
)


def user_out(user: User) -> UserOut:
    return UserOut(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,  # type: ignore[arg-type]
        phone=user.phone,
        addresses=user.addresses,  # type: ignore[arg-type]
        shop_name=user.shop_name,
        zone=user.zone,
        active=user.active,
        created_at=user.created_at,
    )


def tokens_out(signed_in: service.SignedIn) -> TokensOut:
    return TokensOut(
        token=signed_in.access_token,
        access_token=signed_in.access_token,
        refresh_token=signed_in.refresh_token,
        expires_in=signed_in.expires_in,
        user_id=signed_in.user.id,
        role=signed_in.user.role,  # type: ignore[arg-type]
    )
