import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Weight = Annotated[Decimal, Field(gt=0, le=1000, decimal_places=3, allow_inf_nan=False)]
Status = Literal["pending", "picked_up", "out_for_delivery", "delivered", "cancelled"]


class QuoteItemIn(Schema):
    product_id: uuid.UUID
    quantity: int = Field(ge=1, le=999)
    weight_kg: Weight | None = Field(
        None,
        description="the product's weight as the caller read it from the catalogue (null: "
        "none recorded, the default weight applies); left out, shipping reads it there",
    )


class QuoteBody(Schema):
    """Either `items` (weighed from the catalogue) or `weight_kg`; zone and method default."""

    items: list[QuoteItemIn] | None = Field(None, min_length=1, max_length=100)
    weight_kg: Weight | None = Field(None, description="total weight in kg, up to 3 decimals")
    zone: Code | None = None
    method: Code | None = None


class ShipmentLineIn(Schema):
    product_id: uuid.UUID
    quantity: int = Field(ge=1, le=10_000)
    seller_id: uuid.UUID | None = None


class ShipmentCreateBody(Schema):
    order_id: uuid.UUID
    user_id: uuid.UUID
    zone: Code | None = None
    method: Code | None = None
    address: dict[str, Any] | None = None
    lines: list[ShipmentLineIn] = Field(default_factory=list, max_length=500)


class ShipmentQuery(PageQuery):
    order_id: uuid.UUID | None = None
    status: Status | None = None
    zone: Code | None = None


class CourierQuery(PageQuery):
    pass


class QuoteOut(BaseModel):
    cost: Decimal
    currency: str
    method: str
    zone: str
    estimated_days: int = Field(description="the latest day the parcel should arrive by")
    min_days: int
    max_days: int
    weight_kg: Decimal


class RateOut(BaseModel):
    zone: str
    base_cost: Decimal
    cost_per_kg: Decimal


class MethodOut(BaseModel):
    code: str
    name: str
    estimated_days: int = Field(description="the latest day the parcel should arrive by")
    min_days: int
    max_days: int
    rates: list[RateOut]


class ZoneOut(BaseModel):
    code: str
    name: str


class MethodsOut(BaseModel):
    methods: list[MethodOut]
    zones: list[ZoneOut]
    currency: str
    default_method: str
    default_zone: str


class EventOut(BaseModel):
    status: Status
    at: datetime
    note: str | None


class ShipmentSummaryOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    tracking_number: str
    status: Status
    zone: str
    method: str
    courier_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ShipmentPage(BaseModel):
    items: list[ShipmentSummaryOut]
    page: int
    per_page: int
    total: int


class CourierRefOut(BaseModel):
    id: uuid.UUID
    name: str | None


class ShipmentOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    tracking_number: str
    status: Status
    courier: CourierRefOut | None
    zone: str
    method: str
    address: dict[str, Any] | None = Field(
        description="shown to the buyer, the assigned courier and staff only"
    )
    created_at: datetime
    events: list[EventOut]


class TrackingOut(BaseModel):
    tracking_number: str
    status: Status
    events: list[EventOut]


class ShipmentCreatedOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    tracking_number: str
    status: Status


class InternalShipmentOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    tracking_number: str
    status: Status
    courier_id: uuid.UUID | None
    zone: str
    method: str
    events: list[EventOut]


class CancelledOut(BaseModel):
    status: Literal["cancelled"] = "cancelled"


class CourierOut(BaseModel):
    courier_id: uuid.UUID
    name: str | None
    zone: str | None
    active: bool | None
    active_deliveries: int
    completed_deliveries: int


class CourierPage(BaseModel):
    items: list[CourierOut]
    page: int
    per_page: int
    total: int
