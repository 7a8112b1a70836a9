from pydantic import Field
from souk_kit.settings import ServiceSettings


class CartSettings(ServiceSettings):
    """Cart settings (env `SOUK_MAX_SHOPS`, `SOUK_MAX_CART_LINES`, `SOUK_CURRENCY`)."""

    # How many shops (sellers) one cart may hold at once; API.md promises three.
    max_shops: int = Field(3, ge=1)
    # Bounds the one batch call to the products service per cart read.
    max_cart_lines: int = Field(100, ge=1, le=200)
    currency: str = Field("USD", min_length=3, max_length=3)
