import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema

# A count of units: a JSON integer (not a string, float or boolean) within sane bounds.
MAX_UNITS = 1_000_000
Units = Annotated[int, Field(strict=True, ge=0, le=MAX_UNITS)]
PositiveUnits = Annotated[int, Field(strict=True, ge=1, le=MAX_UNITS)]
MAX_RESERVATION_LINES = 100
MAX_LEVEL_IDS = 500

ChangeType = Literal["restock", "purchase", "adjustment", "release", "return"]
ReservationStatus = Literal["held", "committed", "released", "expired", "returned"]


class StockUpdateBody(Schema):
    stock: Units
    reason: str | None = Field(None, max_length=200)


class ThresholdUpdateBody(Schema):
    low_stock_threshold: Units


class LevelsQuery(PageQuery):
    """`seller_id` narrows an admin's list to one shop (a seller always sees only their own)."""

    seller_id: uuid.UUID | None = None


class ReservationLineIn(Schema):
    product_id: uuid.UUID
    quantity: PositiveUnits


class ReservationBody(Schema):
    """Lines naming the same product twice are merged (their quantities added up)."""

    order_id: uuid.UUID
    lines: list[ReservationLineIn] = Field(min_length=1, max_length=MAX_RESERVATION_LINES)


class LevelIdsQuery(BaseModel):
    ids: str = Field(max_length=40 * MAX_LEVEL_IDS)

    @field_validator("ids")
    @classmethod
    def not_too_many(cls, value: str) -> str:
        if value.count(",") >= MAX_LEVEL_IDS:
            raise ValueError(f"at most {MAX_LEVEL_IDS} ids")
        return value


class ItemCreatedMessage(BaseModel):
    """The products service's `/items` outbox payload: a new product's opening stock."""

    product_id: uuid.UUID
    seller_id: uuid.UUID
    stock: Annotated[int, Field(ge=0, le=MAX_UNITS)] = 0


class LevelsOut(BaseModel):
    product_id: uuid.UUID
    seller_id: uuid.UUID
    stock: int
    reserved: int
    available: int
    low_stock_threshold: int
    low_stock: bool
    updated_at: datetime


class StockUpdatedOut(LevelsOut):
    message: str = "Stock updated"


class ThresholdUpdatedOut(LevelsOut):
    message: str = "Low-stock threshold updated"


class MovementOut(BaseModel):
    id: int
    change_type: ChangeType
    quantity: int = Field(description="signed change of on-hand stock")
    reserved_change: int = Field(description="signed change of reserved stock")
    old_stock: int
    new_stock: int
    reason: str | None
    order_id: uuid.UUID | None
    at: datetime


class ReservationLineOut(BaseModel):
    product_id: uuid.UUID
    quantity: int


class ReservationOut(BaseModel):
    order_id: uuid.UUID
    status: ReservationStatus
    lines: list[ReservationLineOut]
    expires_at: datetime


class ReservationStatusOut(BaseModel):
    order_id: uuid.UUID
    status: Literal["committed", "released", "returned", "none"]
