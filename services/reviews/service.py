"""The reviews use cases: one review per user and product, and the product's rating summary."""

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from souk_kit.outbox import record_event, send_later
from souk_kit.pagination import paginate
from souk_kit.validation import parse_uuid
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.reviews.errors import AlreadyReviewedError, NotYourReviewError, ReviewNotFoundError
from services.reviews.models import OutboxMessage, ProductRating, Review
from services.reviews.presenters import my_review_out, review_out
from services.reviews.schemas import ReviewBody, ReviewChangeBody, ReviewsQuery

CENT = Decimal("0.01")


def has_reviewed(session: Session, product_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(Review.id).where(Review.product_id == product_id, Review.user_id == user_id)
        )
        is not None
    )


def refresh_rating(session: Session, product_id: uuid.UUID) -> ProductRating:
    """Recount the product's reviews and queue the new summary for the catalogue.

    The upsert takes the summary row's lock before counting, so a concurrent change to the
    same product waits, then counts after this one commits; the later count always carries
    the higher version, and the catalogue keeps only the highest.
    """
    bump = insert(ProductRating).values(product_id=product_id, review_count=0, version=1)
    session.execute(
        bump.on_conflict_do_update(
            index_elements=[ProductRating.product_id],
            set_={"version": ProductRating.version + 1, "updated_at": func.now()},
        )
    )
    count, average = session.execute(
        select(func.count(Review.id), func.avg(Review.rating)).where(
            Review.product_id == product_id
        )
    ).one()
    summary = session.get(ProductRating, product_id, populate_existing=True)
    assert summary is not None
    summary.review_count = int(count)
    summary.average_rating = Decimal(average).quantize(CENT, ROUND_HALF_UP) if count else None
    session.flush()
    send_later(
        session,
        OutboxMessage,
        "products",
        "/ratings",
        {
            "product_id": str(product_id),
            # A product without reviews is sent as 0.00 so the catalogue always gets a number.
            "average_rating": str(summary.average_rating or Decimal("0.00")),
            "review_count": summary.review_count,
            "version": summary.version,
        },
    )
    return summary


def add_review(
    session: Session,
    product_id: uuid.UUID,
    user_id: uuid.UUID,
    author: str,
    verified_purchase: bool,
    body: ReviewBody,
) -> Review:
    """Store the user's one review of the product (a second one is `AlreadyReviewedError`)."""
    review = Review(
        id=uuid.uuid4(),
        product_id=product_id,
        user_id=user_id,
        rating=body.rating,
        comment=body.comment or "",
        author_name=author[:100],
        verified_purchase=verified_purchase,
    )
    try:
        with session.begin_nested():
            session.add(review)
    except IntegrityError:
        raise AlreadyReviewedError() from None
    refresh_rating(session, product_id)
    record_event(
        session,
        OutboxMessage,
        "review_added",
        user_id=str(user_id),
        product_id=str(product_id),
        metadata={"rating": body.rating, "verified_purchase": verified_purchase},
    )
    return review


def find_review(session: Session, product_id: str, review_id: str) -> Review:
    """The review `review_id` of product `product_id`, locked for a change."""
    review = session.scalar(
        select(Review)
        .where(
            Review.id == parse_uuid(review_id, ReviewNotFoundError),
            Review.product_id == parse_uuid(product_id, ReviewNotFoundError),
        )
        .with_for_update()
    )
    if review is None:
        raise ReviewNotFoundError()
    return review


def change_review(
    session: Session,
    review: Review,
    user_id: uuid.UUID,
    body: ReviewChangeBody,
    author: str | None,
    verified_purchase: bool,
) -> Review:
    """Only the author may edit; the author's name and the purchase check are refreshed."""
    if review.user_id != user_id:
        raise NotYourReviewError()
    if body.rating is not None:
        review.rating = body.rating
    if body.comment is not None:
        review.comment = body.comment
    if author is not None:
        review.author_name = author[:100]
    review.verified_purchase = review.verified_purchase or verified_purchase
    session.flush()
    session.refresh(review)
    refresh_rating(session, review.product_id)
    return review


def delete_review(session: Session, review: Review, user_id: uuid.UUID, is_admin: bool) -> None:
    """The author or an admin may delete a review."""
    if review.user_id != user_id and not is_admin:
        raise NotYourReviewError("Only the review's author or an admin may delete it")
    product_id = review.product_id
    session.delete(review)
    session.flush()
    refresh_rating(session, product_id)


def product_reviews(session: Session, product_id: uuid.UUID, query: ReviewsQuery) -> dict[str, Any]:
    """A page of the product's reviews, newest first, with its rating summary."""
    page = paginate(
        session,
        select(Review)
        .where(Review.product_id == product_id)
        .order_by(Review.created_at.desc(), Review.id.desc()),
        query,
        lambda review: review_out(review).model_dump(),
    )
    summary = session.get(ProductRating, product_id)
    page["average_rating"] = summary.average_rating if summary else None
    page["review_count"] = summary.review_count if summary else 0
    return page


def my_reviews(session: Session, user_id: uuid.UUID, query: ReviewsQuery) -> dict[str, Any]:
    return paginate(
        session,
        select(Review)
        .where(Review.user_id == user_id)
        .order_by(Review.created_at.desc(), Review.id.desc()),
        query,
        lambda review: my_review_out(review).model_dump(),
    )
