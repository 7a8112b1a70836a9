"""A seller's products: create (opening stock handed to inventory), update, soft delete, and
admin moderation. Stock is never changed here: inventory owns it."""

from datetime import UTC, datetime
from typing import Any

from souk_kit.auth import Identity
from souk_kit.errors import NotFoundError
from souk_kit.outbox import record_event, send_later
from souk_kit.pagination import PageQuery, paginate
from souk_kit.validation import parse_uuid
from sqlalchemy import func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.products.errors import DisabledByStaffError, DuplicateSkuError, NotYourProductError
from services.products.models import Moderation, OutboxMessage, Product
from services.products.schemas import GRAM, ProductCreateBody, ProductUpdateBody
from services.products.settings import ProductsSettings

SKU_INDEX = "uq_products_seller_sku"


def find_product(session: Session, product_id: str, *, lock: bool = False) -> Product:
    """A product that is not deleted (disabled ones included), optionally locked for a write."""
    statement = select(Product).where(
        Product.id == parse_uuid(product_id, NotFoundError("No such product"))
    )
    if lock:
        statement = statement.with_for_update()
    product = session.scalar(statement)
    if product is None or product.deleted_at is not None:
        raise NotFoundError("No such product")
    return product


def editable_product(session: Session, identity: Identity, product_id: str) -> Product:
    """The product, locked, when the caller is its seller or an admin; another seller → 403."""
    product = find_product(session, product_id, lock=True)
    if identity.role != "admin" and product.seller_id != identity.user_id:
        raise NotYourProductError()
    return product


def _flush_checking_sku(session: Session, product: Product) -> None:
    try:
        with session.begin_nested():
            session.add(product)
            session.flush()
    except IntegrityError as error:
        constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if constraint == SKU_INDEX:
            raise DuplicateSkuError(details={"fields": {"sku": "already used"}}) from None
        raise


def create_product(
    session: Session, identity: Identity, body: ProductCreateBody, settings: ProductsSettings
) -> Product:
    """A new product of the caller's; its opening stock goes to inventory through the outbox,
    delivered before the answer, and into the stock read model at version 0, so the catalogue
    shows it at once."""
    product = Product(
        seller_id=identity.user_id,
        name=body.name,
        description=body.description,
        price=body.price,
        category=body.category,
        sku=body.sku,
        weight_kg=(body.weight_kg or settings.default_weight_kg).quantize(GRAM),
        stock=body.stock,
        stock_version=0,
    )
    _flush_checking_sku(session, product)
    send_later(
        session,
        OutboxMessage,
        "inventory",
        "/items",
        {"product_id": str(product.id), "seller_id": str(product.seller_id), "stock": body.stock},
        before_answer=True,  # sellable, and its stock editable, from the seller's next request
    )
    record_event(
        session,
        OutboxMessage,
        "product_created",
        user_id=identity.user_id,
        product_id=str(product.id),
        metadata={"category": product.category, "price": str(product.price)},
    )
    return product


def update_product(
    session: Session, identity: Identity, product_id: str, body: ProductUpdateBody
) -> Product:
    product = editable_product(session, identity, product_id)
    changes: dict[str, Any] = body.changes()
    for field, value in changes.items():
        setattr(product, field, value)
    if changes:
        _flush_checking_sku(session, product)
        record_event(
            session,
            OutboxMessage,
            "product_updated",
            user_id=identity.user_id,
            product_id=str(product.id),
            metadata={"fields": sorted(changes)},
        )
    return product


def delete_product(session: Session, identity: Identity, product_id: str) -> None:
    """Hide the product for good; orders and the batch lookup still see it (active=false)."""
    product = editable_product(session, identity, product_id)
    product.deleted_at = datetime.now(UTC)
    session.flush()
    record_event(
        session,
        OutboxMessage,
        "product_deleted",
        user_id=identity.user_id,
        product_id=str(product.id),
    )


def set_disabled(
    session: Session, identity: Identity, product_id: str, disabled: bool, reason: str | None
) -> Product:
    """Take a product out of the catalogue (checkout sees it inactive) or put it back: its
    seller for their own, staff for any (moderation, with a reason). What staff disabled only
    staff may enable. Each change is kept in `moderations`."""
    product = editable_product(session, identity, product_id)
    by_staff = identity.role == "admin"
    if product.disabled == disabled:
        return product
    if not disabled and not by_staff:
        last = session.scalar(
            select(Moderation)
            .where(Moderation.product_id == product.id)
            .order_by(Moderation.at.desc(), Moderation.id.desc())
            .limit(1)
        )
        # Before moderations were kept (migration 0005) only staff could disable a product.
        if last is None or last.by_staff:
            because = f": {last.reason}" if last and last.reason else ""
            raise DisabledByStaffError(f"Souk's staff disabled this product{because}")
    product.disabled = disabled
    session.add(
        Moderation(
            product_id=product.id,
            disabled=disabled,
            reason=reason,
            by_user=identity.user_id,
            by_staff=by_staff,
        )
    )
    session.flush()
    record_event(
        session,
        OutboxMessage,
        "product_disabled" if disabled else "product_enabled",
        user_id=identity.user_id,
        product_id=str(product.id),
        metadata={"reason": reason, "by_staff": by_staff},
    )
    return product


DISABLED_FIELDS = (
    "id",
    "name",
    "seller_id",
    "category",
    "price",
    "reason",
    "disabled_at",
    "by_staff",
)


def disabled_products(session: Session, query: PageQuery) -> dict[str, Any]:
    """Disabled products that are not deleted, most recently disabled first, with who
    disabled them and why."""
    last = (
        select(Moderation.reason, Moderation.at, Moderation.by_staff)
        .where(Moderation.product_id == Product.id)
        .order_by(Moderation.at.desc(), Moderation.id.desc())
        .limit(1)
        .lateral()
    )
    statement = (
        select(
            Product.id,
            Product.name,
            Product.seller_id,
            Product.category,
            Product.price,
            last.c.reason,
            last.c.at,
            func.coalesce(last.c.by_staff, True),  # disabled before moderations were kept
        )
        .outerjoin(last, true())
        .where(Product.disabled, Product.deleted_at.is_(None))
        .order_by(last.c.at.desc().nulls_last(), Product.id)
    )
    return paginate(
        session,
        statement,
        query,
        lambda row: dict(zip(DISABLED_FIELDS, row, strict=True)),
        scalars=False,
    )
