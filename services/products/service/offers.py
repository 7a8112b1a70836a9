"""Offers: a price cut for a while. The best active one sets the effective price (see catalogue)."""

from datetime import UTC, datetime

from souk_kit.auth import Identity
from souk_kit.errors import NotFoundError, ValidationError
from souk_kit.outbox import record_event
from souk_kit.validation import parse_uuid
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.products.models import Offer, OutboxMessage
from services.products.schemas import OfferCreateBody
from services.products.service.products import editable_product


def create_offer(
    session: Session, identity: Identity, product_id: str, body: OfferCreateBody
) -> Offer:
    """Exactly one of `percent_off` and `price` (below the list price); it starts now unless
    `starts_at` says otherwise and must end in the future when `ends_at` is given."""
    product = editable_product(session, identity, product_id)
    now = datetime.now(UTC)
    if body.ends_at is not None and body.ends_at <= max(body.starts_at or now, now):
        raise ValidationError(
            "The offer must end in the future and after it starts",
            details={"fields": {"ends_at": "must be later"}},
        )
    if body.price is not None and body.price >= product.price:
        raise ValidationError(
            "An offer price must be below the list price",
            details={"fields": {"price": f"must be below {product.price}"}},
        )
    offer = Offer(
        product_id=product.id,
        percent_off=body.percent_off,
        price=body.price,
        # The database clock, which also decides whether the offer is active.
        starts_at=body.starts_at or func.statement_timestamp(),
        ends_at=body.ends_at,
        created_by=identity.user_id,
    )
    session.add(offer)
    session.flush()
    record_event(
        session,
        OutboxMessage,
        "offer_created",
        user_id=identity.user_id,
        product_id=str(product.id),
        metadata={
            "percent_off": None if offer.percent_off is None else str(offer.percent_off),
            "price": None if offer.price is None else str(offer.price),
        },
    )
    return offer


def product_offers(session: Session, identity: Identity, product_id: str) -> list[Offer]:
    """Every offer of the product (past, active and scheduled), newest start first."""
    product = editable_product(session, identity, product_id)
    return list(
        session.scalars(
            select(Offer)
            .where(Offer.product_id == product.id)
            .order_by(Offer.starts_at.desc(), Offer.id)
        )
    )


def remove_offer(session: Session, identity: Identity, product_id: str, offer_id: str) -> None:
    """Withdraw an offer; orders already placed keep the price they were charged."""
    product = editable_product(session, identity, product_id)
    key = parse_uuid(offer_id, NotFoundError("No such offer"))
    offer = session.scalar(select(Offer).where(Offer.id == key, Offer.product_id == product.id))
    if offer is None:
        raise NotFoundError("No such offer")
    session.delete(offer)
    session.flush()
