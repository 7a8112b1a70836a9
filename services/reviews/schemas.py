import uuid
from datetime import datetime
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, Field, StrictInt, field_validator, model_validator
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema

Rating = Field(ge=1, le=5, description="a whole number of stars, 1 to 5")
Comment = Field(None, max_length=2000, description="optional; at most 2000 characters")


class ReviewBody(Schema):
    rating: StrictInt = Rating
    comment: str | None = Comment

    @field_validator("comment")
    @classmethod
    def no_comment_is_empty(cls, value: str | None) -> str:
        return value or ""


class ReviewChangeBody(Schema):
    """Change the rating, the comment or both (fields left out stay as they are)."""

    rating: StrictInt | None = Field(None, ge=1, le=5)
    comment: str | None = Comment

    @model_validator(mode="after")
    def something_to_change(self) -> Self:
        if self.rating is None and self.comment is None:
            raise ValueError("send a rating, a comment or both")
        return self


class ReviewsQuery(PageQuery):
    pass


class ReviewOut(BaseModel):
    id: uuid.UUID
    rating: int
    comment: str
    author: str
    verified_purchase: bool
    created_at: datetime
    updated_at: datetime


class ReviewPageOut(BaseModel):
    items: list[ReviewOut]
    page: int
    per_page: int
    total: int
    average_rating: Decimal | None = Field(
        description="mean rating to two places; null while the product has no reviews"
    )
    review_count: int


class MyReviewOut(ReviewOut):
    product_id: uuid.UUID


class MyReviewPageOut(BaseModel):
    items: list[MyReviewOut]
    page: int
    per_page: int
    total: int


class ReviewAddedOut(BaseModel):
    id: uuid.UUID
    message: str = "Review added"


class ReviewUpdatedOut(ReviewOut):
    message: str = "Review updated"
