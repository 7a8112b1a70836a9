import uuid
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, EmailStr, Field, model_validator
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema

Role = Literal["customer", "seller", "courier", "admin"]
Password = Field(min_length=8, max_length=128)
Phone = Field(default=None, pattern=r"^\+?[0-9 ()-]{5,32}$")


class AddressIn(Schema):
    label: str | None = Field(None, max_length=40)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str | None = Field(None, max_length=20)
    country: str = Field(min_length=2, max_length=56)
    phone: str | None = Phone


class RegisterBody(Schema):
    email: EmailStr = Field(max_length=254)
    password: str = Password
    name: str = Field("", max_length=100)


class LoginBody(Schema):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class RefreshBody(Schema):
    refresh_token: str = Field(min_length=1, max_length=200)


class ProfileUpdateBody(Schema):
    name: str | None = Field(None, max_length=100)
    phone: str | None = Phone
    addresses: list[AddressIn] | None = Field(None, max_length=10)


class PasswordChangeBody(Schema):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Password


class UserCreateBody(Schema):
    email: EmailStr = Field(max_length=254)
    password: str = Password
    name: str = Field(min_length=1, max_length=100)
    role: Role
    shop_name: str | None = Field(None, min_length=1, max_length=100)
    zone: str | None = Field(None, min_length=1, max_length=40)
    phone: str | None = Phone

    @model_validator(mode="after")
    def shops_and_zones(self) -> Self:
        if self.role == "seller" and not self.shop_name:
            raise ValueError("a seller needs a shop_name")
        if self.role == "courier" and not self.zone:
            raise ValueError("a courier needs a zone")
        return self


class UserUpdateBody(Schema):
    active: bool | None = None
    role: Role | None = None
    name: str | None = Field(None, min_length=1, max_length=100)
    shop_name: str | None = Field(None, min_length=1, max_length=100)
    zone: str | None = Field(None, min_length=1, max_length=40)
    phone: str | None = Phone


class UserQuery(PageQuery):
    role: Role | None = None
    q: str | None = Field(None, max_length=100)


class UsersLookupQuery(BaseModel):
    """Either `ids` (comma-separated) or a `role` (every user with it; used for couriers)."""

    ids: str | None = Field(None, max_length=40 * 100)
    role: Role | None = None

    @model_validator(mode="after")
    def ids_or_role(self) -> Self:
        if (self.ids is None) == (self.role is None):
            raise ValueError("give either ids or role")
        return self


class ShopsQuery(BaseModel):
    ids: str = Field(
        min_length=1, max_length=37 * 100, description="comma-separated seller ids, at most 100"
    )

    @model_validator(mode="after")
    def ids_are_seller_ids(self) -> Self:
        ids = self.ids.split(",")
        if len(ids) > 100:
            raise ValueError("at most 100 ids")
        for raw in ids:
            try:
                uuid.UUID(raw)
            except ValueError:
                raise ValueError(f"not a seller id: {raw[:40]!r}") from None
        return self


class ShopOut(BaseModel):
    seller_id: uuid.UUID
    shop_name: str


class ShopsOut(BaseModel):
    items: list[ShopOut] = Field(description="the open shops among the ids asked for")


class RevocationsQuery(BaseModel):
    since: datetime | None = None


class UserOut(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role
    phone: str | None
    addresses: list[AddressIn]
    shop_name: str | None
    zone: str | None
    active: bool
    created_at: datetime


class RegisteredOut(BaseModel):
    user_id: uuid.UUID
    email: str
    role: Role
    message: str = "User registered"


class TokensOut(BaseModel):
    token: str
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    user_id: uuid.UUID
    role: Role
