from decimal import Decimal

from pydantic import Field
from souk_kit.settings import ServiceSettings


class ShippingSettings(ServiceSettings):
    """Shipping settings (env `SOUK_DEFAULT_WEIGHT_KG`, `SOUK_DEFAULT_ZONE`, …)."""

    # Products without a recorded weight are charged as if they weighed this much.
    default_weight_kg: Decimal = Field(Decimal("1.000"), gt=0, le=1000)
    default_zone: str = "central"
    default_method: str = "standard"
    currency: str = Field("USD", min_length=3, max_length=3)
    # How long a courier's zone (asked from the auth service) is trusted by this process.
    courier_zone_cache_seconds: float = Field(60.0, ge=0)
