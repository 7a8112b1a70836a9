import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    model_validator,
)
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema, UtcDateTime

CENT = Decimal("0.01")
GRAM = Decimal("0.001")


def _decimal(value: Any, places: Decimal) -> Decimal:
    """A JSON number or decimal string with at most `places` decimals; never a bool, NaN or ∞."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a decimal number")
    try:
        amount = Decimal(str(value).strip())
        exact = amount.is_finite() and amount == amount.quantize(places)
    except InvalidOperation:
        raise ValueError("must be a decimal number") from None
    if not amount.is_finite():
        raise ValueError("must be a finite decimal number")
    if not exact:
        raise ValueError(f"must have at most {-int(places.as_tuple().exponent)} decimal places")
    return amount.quantize(places)


def _money(value: Any) -> Decimal:
    return _decimal(value, CENT)


def _weight(value: Any) -> Decimal:
    return _decimal(value, GRAM)


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    return value


MAX_PRICE = Decimal("10000000000")
Price = Annotated[Decimal, BeforeValidator(_money), Field(gt=0, lt=MAX_PRICE)]
PriceBound = Annotated[Decimal, BeforeValidator(_money), Field(ge=0, lt=MAX_PRICE)]
Percent = Annotated[Decimal, BeforeValidator(_money), Field(gt=0, lt=100)]
Weight = Annotated[Decimal, BeforeValidator(_weight), Field(gt=0, le=1000)]
Stock = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=1_000_000)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refused here it is a 400, not a driver error.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Name = Annotated[Text, Field(min_length=1, max_length=200)]
Description = Annotated[Text, Field(max_length=5000)]
Category = Annotated[Text, Field(min_length=1, max_length=60)]
Sku = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Sort = Literal["newest", "price", "-price", "rating", "popular"]


class ProductCreateBody(Schema):
    name: Name
    price: Price
    description: Description = ""
    stock: Stock = 0
    category: Category | None = None
    sku: Sku | None = None
    weight_kg: Weight | None = None


class ProductUpdateBody(Schema):
    """Fields to change; a field left out keeps its value. `stock` is ignored (inventory owns it)."""

    name: Name | None = None
    price: Price | None = None
    description: Description | None = None
    category: Category | None = None
    sku: Sku | None = None
    weight_kg: Weight | None = None

    @model_validator(mode="after")
    def required_fields_are_not_cleared(self) -> Self:
        cleared = [f for f in ("name", "price", "weight_kg") if f in self.model_fields_set]
        if any(getattr(self, f) is None for f in cleared):
            raise ValueError("name, price and weight_kg cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent; a null description becomes empty."""
        sent = self.model_dump(include=self.model_fields_set)
        if "description" in sent and sent["description"] is None:
            sent["description"] = ""
        return sent


class OfferCreateBody(Schema):
    percent_off: Percent | None = None
    price: Price | None = None
    starts_at: UtcDateTime | None = None
    ends_at: UtcDateTime | None = None

    @model_validator(mode="after")
    def percent_or_price(self) -> Self:
        if (self.percent_off is None) == (self.price is None):
            raise ValueError("give exactly one of percent_off and price")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CatalogueQuery(PageQuery):
    q: Text | None = Field(None, max_length=200)
    category: Category | None = None
    seller_id: uuid.UUID | None = None
    min_price: PriceBound | None = None
    max_price: PriceBound | None = None
    in_stock: bool | None = None
    on_offer: bool | None = Field(None, description="true: only products with an active offer")
    sort: Sort | None = Field(
        None, description="newest (default; with `q` the default is relevance), price, -price, …"
    )

    @model_validator(mode="after")
    def price_range(self) -> Self:
        low, high = self.min_price, self.max_price
        if low is not None and high is not None and low > high:
            raise ValueError("min_price must not be above max_price")
        if self.q is not None and not self.q.strip():
            self.q = None
        return self


class CategoryQuery(PageQuery):
    per_page: int = Field(100, ge=1, le=100)


class BatchQuery(BaseModel):
    ids: str = Field(max_length=37 * 500)


INT32 = 2**31 - 1
INT64 = 2**63 - 1


class StockLevelMessage(BaseModel):
    product_id: uuid.UUID
    available: int = Field(ge=0, le=INT32)
    version: int = Field(ge=0, le=INT64)


class RatingMessage(BaseModel):
    product_id: uuid.UUID
    average_rating: Decimal | None = Field(None, ge=0, le=5)
    review_count: int = Field(ge=0, le=INT32)
    version: int = Field(ge=0, le=INT64)


class SaleMessage(BaseModel):
    product_id: uuid.UUID
    quantity: int = Field(ge=-1_000_000, le=1_000_000)


class OfferOut(BaseModel):
    id: uuid.UUID
    percent_off: Decimal | None
    price: Decimal | None
    starts_at: datetime
    ends_at: datetime | None


class ProductOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str
    price: Decimal
    effective_price: Decimal
    currency: str
    stock: int
    in_stock: bool
    category: str | None
    seller_id: uuid.UUID
    sku: str | None
    images: list[str]
    rating: float | None = Field(description="Average review rating; null before any review")
    review_count: int
    offer: OfferOut | None = Field(description="The active offer that sets effective_price")
    weight_kg: Decimal
    active: bool = Field(description="False while the product is disabled (by its seller or staff)")
    created_at: datetime
    updated_at: datetime


class ProductSavedOut(ProductOut):
    message: str


class ProductPage(BaseModel):
    items: list[ProductOut]
    page: int
    per_page: int
    total: int


class CategoryOut(BaseModel):
    name: str
    count: int


class CategoryPage(BaseModel):
    items: list[CategoryOut]
    page: int
    per_page: int
    total: int


class ImageOut(BaseModel):
    id: uuid.UUID
    url: str
    message: str = "Image uploaded"


class OfferSavedOut(OfferOut):
    product_id: uuid.UUID
    effective_price: Decimal
    message: str


class OfferListOut(BaseModel):
    items: list[OfferOut]


class ModerationBody(Schema):
    reason: Annotated[Text, Field(max_length=500)] | None = None


class DisabledProductOut(BaseModel):
    id: uuid.UUID
    name: str
    seller_id: uuid.UUID
    category: str | None
    price: Decimal
    reason: str | None
    disabled_at: datetime | None
    by_staff: bool = Field(description="True when staff disabled it; only staff may enable it")


class DisabledProductPage(BaseModel):
    items: list[DisabledProductOut]
    page: int
    per_page: int
    total: int


# A site path ("/search?q=lamp") or an http(s) address; never `javascript:` and the like, nor
# "//host" or "/\\host", which browsers read as another site.
LinkUrl = Annotated[
    str, Field(max_length=500, pattern=r"^(/([^/\\\s][^\s]*)?|https?://[^\s/\\]+[^\s]*)$")
]
BannerTitle = Annotated[Text, Field(min_length=1, max_length=120)]
BannerText = Annotated[Text, Field(max_length=1000)]
Position = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=1000)]
Moment = UtcDateTime


class BannerCreateBody(Schema):
    title: BannerTitle
    body: BannerText = ""
    link_url: LinkUrl | None = None
    position: Position = 0
    published: bool = False
    starts_at: Moment | None = None
    ends_at: Moment | None = None

    @model_validator(mode="after")
    def ends_after_start(self) -> Self:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class BannerUpdateBody(Schema):
    """Fields to change; a field left out keeps its value."""

    title: BannerTitle | None = None
    body: BannerText | None = None
    link_url: LinkUrl | None = None
    position: Position | None = None
    published: bool | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None

    @model_validator(mode="after")
    def required_fields_are_not_cleared(self) -> Self:
        for name in ("title", "position", "published"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        sent = self.model_dump(include=self.model_fields_set)
        if "body" in sent and sent["body"] is None:
            sent["body"] = ""
        return sent


class BannerOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str
    link_url: str | None
    position: int
    published: bool
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime
    updated_at: datetime


class BannerSavedOut(BannerOut):
    message: str


class BannerListOut(BaseModel):
    items: list[BannerOut]


def _not_reserved(slug: str) -> str:
    if slug == "all":  # the address of the staff's list of every page
        raise ValueError("all is taken; choose another address")
    return slug


Slug = Annotated[
    str,
    Field(min_length=1, max_length=60, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
    AfterValidator(_not_reserved),
]


class PageSlugIn(BaseModel):
    slug: Slug


class PageWriteBody(Schema):
    """A whole page: PUT creates or replaces it."""

    title: BannerTitle
    body: Annotated[Text, Field(max_length=20_000)] = ""
    published: bool = False
    position: Position = 0


class PageOut(BaseModel):
    slug: str
    title: str
    body: str
    published: bool
    position: int
    updated_at: datetime


class PageSavedOut(PageOut):
    message: str


class PageLinkOut(BaseModel):
    slug: str
    title: str


class PageLinksOut(BaseModel):
    items: list[PageLinkOut]


class PageListOut(BaseModel):
    items: list[PageOut]
