"""Cart lines as the API shows them."""

from souk_kit.catalogue import CENT, CatalogueProduct

from services.cart.models import CartItem
from services.cart.schemas import CartLineOut, RawLineOut


def line_out(item: CartItem, facts: CatalogueProduct | None) -> CartLineOut:
    available = facts is not None and facts.active
    unit_price = facts.effective_price.quantize(CENT) if facts is not None else None
    return CartLineOut(
        item_id=item.id,
        product_id=item.product_id,
        name=facts.name if facts is not None else item.name,
        unit_price=unit_price,
        quantity=item.quantity,
        line_total=(unit_price * item.quantity).quantize(CENT)
        if available and unit_price is not None
        else None,
        seller_id=facts.seller_id if facts is not None else item.seller_id,
        available=available,
    )


def raw_line_out(item: CartItem) -> RawLineOut:
    """A line without prices, for checkout (which prices it itself)."""
    return RawLineOut.model_validate(item, from_attributes=True)
