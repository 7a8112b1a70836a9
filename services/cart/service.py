"""The cart use cases: what a user holds, under the shop, quantity and stock rules."""

import uuid
from decimal import Decimal

from souk_kit.catalogue import CENT, Catalogue, CatalogueProduct
from souk_kit.db import rows_affected, table_of
from souk_kit.errors import ValidationError
from souk_kit.outbox import record_event
from souk_kit.validation import parse_uuid
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from services.cart.clients import Inventory
from services.cart.errors import (
    CartFullError,
    InsufficientStockError,
    ItemNotFoundError,
    ProductNotFoundError,
    ProductUnavailableError,
    TooManyShopsError,
)
from services.cart.models import Cart, CartItem, OutboxMessage
from services.cart.presenters import line_out
from services.cart.schemas import MAX_QUANTITY, CartLineOut, CartOut, CheckedOutMessage
from services.cart.settings import CartSettings

# The statements every cart call runs, built once: each run only binds its values (no
# statement building or cache-key computation per call). The writes are on the tables, not the
# models: an ORM-enabled insert or update takes the ORM's bulk path, several times the CPU.
carts = table_of(Cart)
items = table_of(CartItem)
_NEW_CART = insert(carts).values(user_id=bindparam("user_id")).on_conflict_do_nothing()
_LOCK_CART = select(Cart.user_id).where(Cart.user_id == bindparam("user_id")).with_for_update()
_LINES = (
    select(CartItem)
    .where(CartItem.user_id == bindparam("user_id"))
    .order_by(CartItem.created_at, CartItem.id)
)
_ADD = insert(items).values(
    id=bindparam("id"),
    user_id=bindparam("user_id"),
    product_id=bindparam("product_id"),
    seller_id=bindparam("seller_id"),
    name=bindparam("name"),
    quantity=bindparam("quantity"),
)
_ADD_OR_ADD_TO = _ADD.on_conflict_do_update(
    constraint="uq_cart_items_user_product",
    set_={
        "quantity": items.c.quantity + _ADD.excluded.quantity,
        "name": _ADD.excluded.name,
        "updated_at": func.now(),
    },
).returning(items.c.id)
# (An UPDATE's parameters may not be named after its columns.)
_LINE = (items.c.user_id == bindparam("owner"), items.c.product_id == bindparam("product"))
_TAKE_WHOLE_LINE = delete(items).where(*_LINE, items.c.quantity <= bindparam("taken"))
_TAKE_FROM_LINE = (
    update(items)
    .where(*_LINE)
    .values(quantity=items.c.quantity - bindparam("taken"), updated_at=func.now())
)


def lock_cart(session: Session, user_id: uuid.UUID) -> None:
    """Create the user's cart row if needed and hold its lock until the transaction ends."""
    session.execute(_NEW_CART, {"user_id": user_id})
    session.execute(_LOCK_CART, {"user_id": user_id})


def _lines(session: Session, user_id: uuid.UUID) -> list[CartItem]:
    return list(session.scalars(_LINES, {"user_id": user_id}))


def _owned_item(session: Session, user_id: uuid.UUID, item_id: str) -> CartItem:
    item = session.scalar(
        select(CartItem).where(
            CartItem.id == parse_uuid(item_id, ItemNotFoundError), CartItem.user_id == user_id
        )
    )
    if item is None:
        raise ItemNotFoundError()
    return item


def sellable_product(products: Catalogue, product_id: uuid.UUID) -> CatalogueProduct:
    facts = products.batch([product_id]).get(product_id)
    if facts is None or not facts.active:
        raise ProductNotFoundError()
    return facts


def _check_stock(product_id: uuid.UUID, wanted: int, available: int) -> None:
    if wanted > available:
        raise InsufficientStockError(
            details={"product_id": str(product_id), "requested": wanted, "available": available}
        )


def _check_quantity_limit(wanted: int, in_cart: int) -> None:
    if wanted > MAX_QUANTITY:
        raise ValidationError(
            f"A cart holds at most {MAX_QUANTITY} of one product",
            code="quantity_limit",
            details={
                "fields": {"quantity": f"{in_cart} already in the cart; at most {MAX_QUANTITY}"},
                "in_cart": in_cart,
            },
        )


def add_item(
    session: Session,
    settings: CartSettings,
    user_id: uuid.UUID,
    product: CatalogueProduct,
    quantity: int,
    available: int,
) -> uuid.UUID:
    """Add `quantity` of a sellable product (its stock level read just before) to the cart.

    The user's cart is locked first, so the shop count and the line total are read and
    written by one writer at a time. The same product again adds to its line.
    """
    lock_cart(session, user_id)
    lines = _lines(session, user_id)
    existing = next((line for line in lines if line.product_id == product.id), None)
    in_cart = existing.quantity if existing else 0
    _check_quantity_limit(in_cart + quantity, in_cart)
    if existing is None:
        shops = {line.seller_id for line in lines}
        if product.seller_id not in shops and len(shops) >= settings.max_shops:
            raise TooManyShopsError(
                f"A cart may hold items from at most {settings.max_shops} shops",
                details={"max_shops": settings.max_shops, "shops_in_cart": len(shops)},
            )
        if len(lines) >= settings.max_cart_lines:
            raise CartFullError(details={"max_lines": settings.max_cart_lines})
    _check_stock(product.id, in_cart + quantity, available)

    item_id: uuid.UUID = session.execute(
        _ADD_OR_ADD_TO,
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "product_id": product.id,
            "seller_id": product.seller_id,
            "name": product.name[:200],
            "quantity": quantity,
        },
    ).scalar_one()
    record_event(
        session,
        OutboxMessage,
        "add_to_cart",
        user_id=str(user_id),
        product_id=str(product.id),
        metadata={"quantity": quantity, "seller_id": str(product.seller_id)},
    )
    return item_id


def view_cart(
    session: Session, settings: CartSettings, products: Catalogue, user_id: uuid.UUID
) -> CartOut:
    """The cart with today's names and prices: one batch call to the catalogue for all lines."""
    lines = _lines(session, user_id)
    facts = products.batch(line.product_id for line in lines) if lines else {}
    items = [line_out(line, facts.get(line.product_id)) for line in lines]
    subtotal = sum((i.line_total for i in items if i.line_total is not None), Decimal("0"))
    currencies = {facts[i.product_id].currency for i in items if i.available}
    currency = currencies.pop() if len(currencies) == 1 else settings.currency
    return CartOut(items=items, subtotal=subtotal.quantize(CENT), currency=currency)


def change_quantity(
    session: Session,
    products: Catalogue,
    inventory: Inventory,
    user_id: uuid.UUID,
    item_id: str,
    quantity: int,
) -> CartLineOut | None:
    """Set a line's quantity (0 removes it; None is returned then).

    Raising a quantity must fit the available stock and needs a product still on sale;
    lowering it is always allowed.
    """
    lock_cart(session, user_id)
    item = _owned_item(session, user_id, item_id)
    if quantity == 0:
        session.delete(item)
        session.flush()
        return None
    facts = products.batch([item.product_id]).get(item.product_id)
    if quantity > item.quantity:
        if facts is None or not facts.active:
            raise ProductUnavailableError()
        available = inventory.available([item.product_id]).get(item.product_id, 0)
        _check_stock(item.product_id, quantity, available)
    item.quantity = quantity
    if facts is not None:
        item.name = facts.name[:200]
    session.flush()
    return line_out(item, facts)


def remove_item(session: Session, user_id: uuid.UUID, item_id: str) -> None:
    lock_cart(session, user_id)
    session.delete(_owned_item(session, user_id, item_id))
    session.flush()


def empty_cart(session: Session, user_id: uuid.UUID) -> int:
    """Remove every line; returns how many there were."""
    lock_cart(session, user_id)
    return rows_affected(session, delete(CartItem).where(CartItem.user_id == user_id))


def raw_lines(session: Session, user_id: uuid.UUID) -> list[CartItem]:
    """The user's lines, oldest first."""
    return _lines(session, user_id)


def apply_checkout(session: Session, payload: CheckedOutMessage) -> None:
    """Take an order's quantities out of the buyer's cart; lines that reach 0 go away."""
    lock_cart(session, payload.user_id)
    for line in payload.lines:
        taken = {"owner": payload.user_id, "product": line.product_id, "taken": line.quantity}
        session.execute(_TAKE_WHOLE_LINE, taken)
        session.execute(_TAKE_FROM_LINE, taken)
