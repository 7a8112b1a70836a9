"""Numbers other services own, copied here so the catalogue never calls them per request.

Stock levels and ratings carry the sender's version and are applied only when newer, so a
late or repeated message can never roll a product back; sales add up (a cancellation sends a
negative quantity). Messages for unknown products change nothing."""

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from services.products.models import Product
from services.products.schemas import RatingMessage, SaleMessage, StockLevelMessage


def _update(session: Session, *conditions: object, **values: object) -> None:
    session.execute(
        update(Product)
        .where(*conditions)  # type: ignore[arg-type]
        .values(updated_at=Product.updated_at, **values)  # read models are not edits
        .execution_options(synchronize_session=False)
    )


def apply_stock_level(session: Session, level: StockLevelMessage) -> None:
    _update(
        session,
        Product.id == level.product_id,
        Product.stock_version < level.version,
        stock=level.available,
        stock_version=level.version,
    )


def apply_rating(session: Session, summary: RatingMessage) -> None:
    _update(
        session,
        Product.id == summary.product_id,
        Product.rating_version < summary.version,
        rating=(summary.average_rating or 0) if summary.review_count else 0,
        review_count=summary.review_count,
        rating_version=summary.version,
    )


def apply_sale(session: Session, sale: SaleMessage) -> None:
    _update(
        session,
        Product.id == sale.product_id,
        sold_count=func.greatest(Product.sold_count + sale.quantity, 0),
    )
