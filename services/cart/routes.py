from typing import Any

from flask import Blueprint, current_app
from souk_kit.app import settings_of
from souk_kit.auth import current_identity, requires
from souk_kit.db import transaction
from souk_kit.http import internal_blueprint
from souk_kit.outbox import receive
from souk_kit.validation import MessageOut, parse_uuid, validate

from services.cart import service
from services.cart.clients import clients
from services.cart.models import ProcessedMessage
from services.cart.presenters import raw_line_out
from services.cart.schemas import (
    AddItemBody,
    CartOut,
    CheckedOutMessage,
    ItemAddedOut,
    QuantityBody,
    QuantityChangedOut,
    RawCartOut,
)
from services.cart.settings import CartSettings

public = Blueprint("cart", __name__, url_prefix="/api/cart")
internal = internal_blueprint("cart")


@public.get("")
@requires()
@validate(responses={200: CartOut})
def view_cart() -> Any:
    """The caller's cart with current names and prices; unavailable lines are not in the subtotal."""
    with transaction() as session:
        return service.view_cart(
            session,
            settings_of(current_app, CartSettings),
            clients().products,
            current_identity().user_id,
        )


@public.post("")
@requires()
@validate(body=AddItemBody, responses={201: ItemAddedOut})
def add_item(body: AddItemBody) -> Any:
    """Add a product; the same product again adds to its quantity (at most 99 per product)."""
    product = service.sellable_product(clients().products, body.product_id)
    available = clients().inventory.available([product.id]).get(product.id, 0)
    with transaction() as session:
        item_id = service.add_item(
            session,
            settings_of(current_app, CartSettings),
            current_identity().user_id,
            product,
            body.quantity,
            available,
        )
    return ItemAddedOut(item_id=item_id), 201


@public.delete("")
@requires()
@validate(responses={200: MessageOut})
def empty_cart() -> Any:
    with transaction() as session:
        service.empty_cart(session, current_identity().user_id)
    return MessageOut(message="Cart emptied")


@public.patch("/<item_id>")
@requires()
@validate(body=QuantityBody, responses={200: QuantityChangedOut})
def change_quantity(item_id: str, body: QuantityBody) -> Any:
    """Set a line's quantity; 0 removes it (then the answer is only a message)."""
    with transaction() as session:
        line = service.change_quantity(
            session,
            clients().products,
            clients().inventory,
            current_identity().user_id,
            item_id,
            body.quantity,
        )
    return line if line is not None else MessageOut(message="Item removed from cart")


@public.delete("/<item_id>")
@requires()
@validate(responses={200: MessageOut})
def remove_item(item_id: str) -> Any:
    with transaction() as session:
        service.remove_item(session, current_identity().user_id, item_id)
    return MessageOut(message="Item removed from cart")


@internal.get("/carts/<user_id>")
@validate(responses={200: RawCartOut})
def raw_cart(user_id: str) -> Any:
    """A user's lines without prices (checkout prices them itself)."""
    owner = parse_uuid(user_id)
    with transaction() as session:
        lines = service.raw_lines(session, owner)
    return RawCartOut(user_id=owner, items=[raw_line_out(line) for line in lines])


@internal.post("/checked-out")
def checked_out() -> Any:
    """Outbox receiver: an order took these quantities out of the buyer's cart."""
    return receive(ProcessedMessage, CheckedOutMessage, service.apply_checkout)
