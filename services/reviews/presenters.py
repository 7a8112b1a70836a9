"""Reviews as the API shows them."""

from services.reviews.models import Review
from services.reviews.schemas import MyReviewOut, ReviewOut


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        rating=review.rating,
        comment=review.comment,
        author=review.author_name,
        verified_purchase=review.verified_purchase,
        created_at=review.created_at,
        updated_at=review.updated_at,
    )


def my_review_out(review: Review) -> MyReviewOut:
    return MyReviewOut(**review_out(review).model_dump(), product_id=review.product_id)
