import uuid
from typing import Any

from flask import Blueprint, current_app
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, requires
from souk_kit.db import transaction
from souk_kit.validation import MessageOut, parse_uuid, validate

from services.reviews import service
from services.reviews.clients import clients
from services.reviews.errors import AlreadyReviewedError, NotYourReviewError, ProductNotFoundError
from services.reviews.presenters import review_out
from services.reviews.schemas import (
    MyReviewPageOut,
    ReviewAddedOut,
    ReviewBody,
    ReviewChangeBody,
    ReviewPageOut,
    ReviewsQuery,
    ReviewUpdatedOut,
)
from services.reviews.settings import ReviewsSettings

public = Blueprint("reviews", __name__, url_prefix="/api")


def author_name(user_id: uuid.UUID) -> str:
    """The caller's display name from the auth service (one call)."""
    name = clients().users.names([user_id]).get(user_id, "").strip()
    return name or settings_of(current_app, ReviewsSettings).anonymous_author


@public.post("/products/<product_id>/reviews")
@requires()
@validate(body=ReviewBody, responses={201: ReviewAddedOut})
def add_review(product_id: str, body: ReviewBody) -> Any:
    """Review a product once; `verified_purchase` says whether the caller bought it."""
    product = parse_uuid(product_id, ProductNotFoundError)
    user_id = current_identity().user_id
    if not clients().products.is_on_sale(product):
        raise ProductNotFoundError()
    with transaction() as session:
        if service.has_reviewed(session, product, user_id):
            raise AlreadyReviewedError()
    author = author_name(user_id)
    verified = clients().purchases.has_bought(user_id, product)
    with transaction() as session:
        review = service.add_review(session, product, user_id, author, verified, body)
        return ReviewAddedOut(id=review.id), 201


@public.get("/products/<product_id>/reviews")
@validate(query=ReviewsQuery, responses={200: ReviewPageOut})
def list_reviews(product_id: str, query: ReviewsQuery) -> Any:
    """A product's reviews, newest first, with its average rating and review count."""
    product = parse_uuid(product_id, ProductNotFoundError)
    with transaction() as session:
        return service.product_reviews(session, product, query)


@public.put("/products/<product_id>/reviews/<review_id>")
@public.patch("/products/<product_id>/reviews/<review_id>")
@requires()
@validate(body=ReviewChangeBody, responses={200: ReviewUpdatedOut})
def change_review(product_id: str, review_id: str, body: ReviewChangeBody) -> Any:
    """The author changes their rating and/or comment; anyone else gets 403."""
    user_id = current_identity().user_id
    with transaction() as session:
        review = service.find_review(session, product_id, review_id)
        if review.user_id != user_id:
            raise NotYourReviewError()
    author = author_name(user_id)
    verified = clients().purchases.has_bought(user_id, review.product_id)
    with transaction() as session:
        review = service.find_review(session, product_id, review_id)
        review = service.change_review(session, review, user_id, body, author, verified)
        return ReviewUpdatedOut(**review_out(review).model_dump())


@public.delete("/products/<product_id>/reviews/<review_id>")
@requires()
@validate(responses={200: MessageOut})
def delete_review(product_id: str, review_id: str) -> Any:
    """The author or an admin deletes a review."""
    identity = current_identity()
    with transaction() as session:
        review = service.find_review(session, product_id, review_id)
        service.delete_review(session, review, identity.user_id, identity.role == "admin")
    return MessageOut(message="Review deleted")


@public.get("/reviews/mine")
@requires()
@validate(query=ReviewsQuery, responses={200: MyReviewPageOut})
def my_reviews(query: ReviewsQuery) -> Any:
    """The caller's reviews, newest first."""
    with transaction() as session:
        return service.my_reviews(session, current_identity().user_id, query)
