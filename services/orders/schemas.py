"""Request and response models of the orders service (they also make its OpenAPI document).

Money fields are decimal strings with two places. In an order, `subtotal` is the lines at
their list prices, `discount` what active offers took off, and
`total = subtotal - discount + shipping_cost`; a line's `unit_price` is the price paid.
"""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema

CENT = Decimal("0.01")
Money = Annotated[Decimal, PlainSerializer(lambda d: str(d.quantize(CENT)), return_type=str)]
Status = Literal[
    "pending", "paid", "picked_up", "out_for_delivery", "delivered", "cancelled", "failed"
]
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACED_OFFSET = re.compile(r" (\d{2}:\d{2})$")


# Not `AddressIn`: a union member's class name is part of its error paths in the API
# (`shipping_address.Address.phone`), which the storefront reads.
class Address(Schema):
    name: str | None = Field(None, max_length=100)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str | None = Field(None, max_length=20)
    country: str = Field(min_length=2, max_length=56)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{5,32}$")
    zone: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")


class PaymentIn(Schema):
    token: str | None = Field(None, min_length=1, max_length=100)


class CheckoutBody(Schema):
    """Prices, totals and sellers are never taken from the client; such fields are ignored."""

    shipping_address: Address | Annotated[str, Field(min_length=1, max_length=500)] | None = None
    shipping_method: str | None = Field(None, pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    payment: PaymentIn | None = None


def _instant(value: Any, *, end: bool) -> datetime | None:
    """A date (`2026-11-01`, the whole day) or an ISO 8601 time, in UTC; naive times are UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _DATE_ONLY.match(value):
        day = date.fromisoformat(value)
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if end:
            try:
                moment += timedelta(days=1) - timedelta(microseconds=1)
            except OverflowError:
                raise ValueError("the date is out of range") from None
    elif isinstance(value, str):
        # A "+" in a query string arrives as a space: "10:00:00 02:00" means "+02:00".
        text = _SPACED_OFFSET.sub(r"+\1", value.replace("Z", "+00:00"))
        moment = datetime.fromisoformat(text)
    else:
        raise ValueError("expected a date or an ISO 8601 time")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (up to ±23:59).
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range") from None


class TimeRangeQuery(BaseModel):
    """`from` and `to` bound a time range; both ends are inclusive, a bare date means the whole day."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    starts: datetime | None = Field(None, alias="from")
    ends: datetime | None = Field(None, alias="to")

    @field_validator("starts", mode="before")
    @classmethod
    def _start(cls, value: Any) -> datetime | None:
        try:
            return _instant(value, end=False)
        except ValueError as error:
            raise ValueError(f"not a date or time: {error}") from None

    @field_validator("ends", mode="before")
    @classmethod
    def _end(cls, value: Any) -> datetime | None:
        try:
            return _instant(value, end=True)
        except ValueError as error:
            raise ValueError(f"not a date or time: {error}") from None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.starts and self.ends and self.starts > self.ends:
            raise ValueError("`from` is after `to`")
        return self


class OrderListQuery(PageQuery, TimeRangeQuery):
    status: Status | None = None


class AdminOrderListQuery(OrderListQuery):
    user_id: uuid.UUID | None = None
    seller_id: uuid.UUID | None = None  # orders holding that shop's products


class TopProductsQuery(TimeRangeQuery):
    limit: int = Field(10, ge=1, le=100)


class RevenueQuery(TimeRangeQuery):
    granularity: Literal["month", "year"] = "month"


class StatusBody(Schema):
    status: Status


class PurchasesQuery(BaseModel):
    user_id: uuid.UUID
    product_id: uuid.UUID


class LineOut(BaseModel):
    product_id: uuid.UUID
    seller_id: uuid.UUID
    name: str
    quantity: int
    list_price: Money
    unit_price: Money
    line_total: Money


class RefundOut(BaseModel):
    refund_id: str | None
    amount: Money
    status: str
    at: datetime


class PaymentOut(BaseModel):
    status: str
    provider: str | None
    charge_id: str | None
    amount: Money
    refunded_amount: Money
    currency: str
    refunds: list[RefundOut] = []


class HistoryOut(BaseModel):
    status: Status
    at: datetime
    note: str | None = None


class ShipmentOut(BaseModel):
    id: str
    tracking_number: str | None
    status: str
    courier_id: str | None
    events: list[dict[str, Any]]


class OrderSummaryOut(BaseModel):
    """An order in a list. In a seller's list, items and money cover only the seller's lines."""

    order_id: uuid.UUID
    user_id: uuid.UUID
    status: Status
    items: list[LineOut]
    subtotal: Money
    discount: Money
    shipping_cost: Money
    total: Money
    currency: str
    created_at: datetime
    paid_at: datetime | None


class OrderOut(OrderSummaryOut):
    """One order. A seller sees only their lines and no payment or address."""

    failure_reason: str | None
    shipping_address: Any | None
    shipping_method: str
    estimated_days: int | None
    payment: PaymentOut | None
    history: list[HistoryOut]
    shipment: ShipmentOut | None


class CheckoutOut(BaseModel):
    order_id: uuid.UUID
    status: Status
    message: str = "Order created and payment processed"
    subtotal: Money
    discount: Money
    shipping_cost: Money
    total: Money
    currency: str
    items: list[LineOut]
    shipping_address: Any | None
    shipping_method: str
    estimated_days: int | None
    payment: PaymentOut | None
    tracking_number: str | None
    created_at: datetime


class OrderPageOut(BaseModel):
    items: list[OrderSummaryOut]
    page: int
    per_page: int
    total: int


class TopProductOut(BaseModel):
    product_id: uuid.UUID
    name: str
    quantity: int
    revenue: Money
    orders: int


class TopProductsOut(BaseModel):
    items: list[TopProductOut]
    currency: str


class RevenuePeriodOut(BaseModel):
    period: str
    revenue: Money
    orders: int


class RevenueOut(BaseModel):
    """Paid-or-later orders per period of their payment time (cancelled and failed ones never
    count). An admin sees order totals; a seller sees the totals of their own lines."""

    granularity: Literal["month", "year"]
    currency: str
    items: list[RevenuePeriodOut]


class SummaryOut(BaseModel):
    orders_by_status: dict[str, int]
    paid_orders: int
    revenue_today: Money
    revenue_this_month: Money
    average_order_value: Money
    currency: str


class PurchasedOut(BaseModel):
    purchased: bool


class ShipmentUpdateMessage(BaseModel):
    """Shipping's `/shipment-updates` outbox payload: the parcel took a step."""

    order_id: uuid.UUID
    status: Literal["picked_up", "out_for_delivery", "delivered"]
    at: AwareDatetime | None = None
    shipment_id: str | None = Field(None, max_length=64)
    courier_id: str | None = Field(None, max_length=64)
