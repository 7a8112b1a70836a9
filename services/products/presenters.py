"""Products as the API shows them. Catalogue rows become plain dicts, ready for JSON (the
catalogue's reads are the hot path, so they skip building response models)."""

from datetime import UTC, datetime
from typing import Any

from services.products.models import Banner, ContentPage, Offer
from services.products.schemas import BannerOut, OfferOut, PageOut
from services.products.service.catalogue.rows import BatchRow, CatalogueRow
from services.products.service.images import MEDIA_URL


def _iso(moment: datetime) -> str:
    """As the JSON provider writes a time: ISO 8601 in UTC with a Z. The database's sessions
    are in UTC, so its times need no conversion."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def product_out(row: CatalogueRow, currency: str) -> dict[str, Any]:
    """The fields of `ProductOut`, in its order."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "price": row.price,
        "effective_price": row.effective_price,
        "currency": currency,
        "stock": row.stock,
        "in_stock": row.stock > 0,
        "category": row.category,
        "seller_id": row.seller_id,
        "sku": row.sku,
        "images": [MEDIA_URL + file for file in row.image_files] if row.image_files else [],
        "rating": row.rating if row.review_count else None,
        "review_count": row.review_count,
        "offer": None
        if row.offer_id is None or row.offer_starts_at is None
        else {
            "id": row.offer_id,
            "percent_off": row.offer_percent_off,
            "price": row.offer_price,
            "starts_at": _iso(row.offer_starts_at),
            "ends_at": None if row.offer_ends_at is None else _iso(row.offer_ends_at),
        },
        "weight_kg": row.weight_kg,
        "active": not row.disabled and row.deleted_at is None,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
    }


def batch_product_out(row: BatchRow, currency: str) -> dict[str, Any]:
    """What cart and checkout read of a product (`GET /internal/products/batch`)."""
    return {
        "id": row.id,
        "name": row.name,
        "seller_id": row.seller_id,
        "price": row.price,
        "effective_price": row.effective_price,
        "currency": currency,
        "active": not row.disabled and row.deleted_at is None,
        "weight_kg": row.weight_kg,
    }


def offer_out(offer: Offer) -> OfferOut:
    return OfferOut(
        id=offer.id,
        percent_off=offer.percent_off,
        price=offer.price,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
    )


def banner_out(banner: Banner) -> dict[str, Any]:
    return BannerOut.model_validate(banner, from_attributes=True).model_dump(mode="json")


def page_out(page: ContentPage) -> dict[str, Any]:
    return PageOut.model_validate(page, from_attributes=True).model_dump(mode="json")
