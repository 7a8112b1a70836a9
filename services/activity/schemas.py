import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema, UtcDateTime


class ClientEventBody(Schema):
    """An event a client reports: `product_view` and `product_click` name a product;
    `search` usually carries `metadata.q`."""

    type: str = Field(min_length=1, max_length=40)
    product_id: uuid.UUID | None = None
    metadata: dict[str, Any] | None = Field(
        None,
        description=(
            "a JSON object: at most 20 keys, nested at most 8 deep, and 2 KB serialized "
            "(bigger → 413)"
        ),
    )


class TimeRangeQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: UtcDateTime | None = Field(None, alias="from")
    to: UtcDateTime | None = None


class EventQuery(PageQuery, TimeRangeQuery):
    user_id: uuid.UUID | None = None
    type: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")


class StatsQuery(TimeRangeQuery):
    pass


class RecommendationQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: uuid.UUID


class AcceptedOut(BaseModel):
    status: str = "accepted"
    event_id: uuid.UUID


class BatchOut(BaseModel):
    received: int
    applied: int
    skipped: int


class EventOut(BaseModel):
    id: uuid.UUID
    type: str
    user_id: uuid.UUID | None
    product_id: uuid.UUID | None
    metadata: dict[str, Any]
    at: datetime


class EventPage(BaseModel):
    items: list[EventOut]
    page: int
    per_page: int
    total: int


class ProductFactsOut(BaseModel):
    name: str
    price: Decimal
    effective_price: Decimal
    currency: str


class RecentItemOut(BaseModel):
    product_id: uuid.UUID
    viewed_at: datetime
    product: ProductFactsOut | None = Field(
        description="from the catalogue; null when the catalogue did not answer"
    )


class RecentOut(BaseModel):
    items: list[RecentItemOut]


class DayCountsOut(BaseModel):
    day: str
    total: int
    counts: dict[str, int]


class FunnelStepOut(BaseModel):
    type: str
    events: int
    users: int


class StatsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime = Field(alias="from")
    to: datetime
    total: int
    by_type: dict[str, int]
    by_day: list[DayCountsOut]
    funnel: list[FunnelStepOut]


class RecommendationOut(BaseModel):
    product_id: uuid.UUID
    score: int
    viewed_together: int
    bought_together: int
    product: ProductFactsOut | None


class RecommendationsOut(BaseModel):
    product_id: uuid.UUID
    items: list[RecommendationOut]


class LiveEventMessage(BaseModel):
    """A live update from a service's outbox (`souk_kit.outbox.send_live_event`)."""

    kind: str = Field(pattern=r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$", max_length=40)
    user_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    data: dict[str, Any]
    at: datetime

    @model_validator(mode="after")
    def _has_audience(self) -> "LiveEventMessage":
        if self.user_id is None and self.product_id is None:
            raise ValueError("a live event names a user_id or a product_id")
        return self


class LiveBatchOut(BaseModel):
    received: int
    applied: int


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="only the notifications not yet read")


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    body: str
    link: str | None = Field(description="the page of the web front end it is about")
    data: dict[str, Any] = Field(description="the live event it was made from")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    page: int
    per_page: int
    total: int
    unread: int = Field(description="how many of the caller's notifications are unread")


class MarkedOut(BaseModel):
    marked: int


class PreferenceOut(BaseModel):
    kind: str
    label: str
    inbox: bool
    email: bool


class PreferencesOut(BaseModel):
    items: list[PreferenceOut]


class PreferenceBody(Schema):
    """Turn a kind's inbox and/or e-mail on or off (a field left out stays as it is)."""

    inbox: bool | None = None
    email: bool | None = None

    @model_validator(mode="after")
    def _chooses_something(self) -> "PreferenceBody":
        if self.inbox is None and self.email is None:
            raise ValueError("send inbox, email or both")
        return self


WebhookEvent = Literal["order.created", "order.cancelled", "stock.low"]


class WebhookBody(Schema):
    """A shop's endpoint: an https:// URL on a public address, and the events it is sent."""

    url: AnyHttpUrl = Field(description="https:// only, never an internal address")
    events: list[WebhookEvent] = Field(min_length=1, max_length=3)
    description: str = Field("", max_length=200)

    @field_validator("url")
    @classmethod
    def _not_too_long(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(url)) > 2000:
            raise ValueError("the URL is longer than 2000 characters")
        return url


class LastDeliveryOut(BaseModel):
    event: str
    attempted_at: datetime
    status: int | None = Field(description="the receiver's HTTP status; null: no answer")
    error: str | None
    delivered: bool


class WebhookOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_reason: str | None
    failures_in_a_row: int
    created_at: datetime
    last_delivery: LastDeliveryOut | None


class NewWebhookOut(WebhookOut):
    secret: str = Field(description="the signing secret: shown this once, keep it")


class WebhooksOut(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    gave_up_at: datetime | None
    next_attempt_at: datetime | None = Field(description="null once delivered or given up")


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    page: int
    per_page: int
    total: int
