import uuid
from decimal import Decimal

from pydantic import BaseModel, Field, RootModel, StrictInt
from souk_kit.validation import MessageOut, Schema

MAX_QUANTITY = 99


class AddItemBody(Schema):
    product_id: uuid.UUID
    quantity: StrictInt = Field(1, ge=1, le=MAX_QUANTITY)


class QuantityBody(Schema):
    quantity: StrictInt = Field(ge=0, le=MAX_QUANTITY, description="0 removes the item")


class CartLineOut(BaseModel):
    item_id: uuid.UUID
    product_id: uuid.UUID
    name: str
    unit_price: Decimal | None = Field(
        description="The current price after any offer; null when the catalogue no longer has it"
    )
    quantity: int
    line_total: Decimal | None = Field(description="null when the product is unavailable")
    seller_id: uuid.UUID
    available: bool = Field(
        description="false when the product is disabled or deleted; such lines stay in the "
        "cart but are left out of the subtotal"
    )


class CartOut(BaseModel):
    items: list[CartLineOut]
    subtotal: Decimal
    currency: str


class ItemAddedOut(BaseModel):
    item_id: uuid.UUID
    message: str = "Item added to cart"


class QuantityChangedOut(RootModel[CartLineOut | MessageOut]):
    """The changed line, or only a message when quantity 0 removed it."""


class RawLineOut(BaseModel):
    product_id: uuid.UUID
    quantity: int
    seller_id: uuid.UUID


class RawCartOut(BaseModel):
    user_id: uuid.UUID
    items: list[RawLineOut]


class CheckedOutLineIn(Schema):
    product_id: uuid.UUID
    quantity: int = Field(ge=1)


class CheckedOutMessage(Schema):
    user_id: uuid.UUID
    order_id: uuid.UUID | None = None
    lines: list[CheckedOutLineIn]
