from souk_kit.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    """Inventory's own settings (env `SOUK_<FIELD>`, e.g. `SOUK_RESERVATION_TTL_SECONDS`)."""

    # A hold that checkout never commits is released after this long.
    reservation_ttl_seconds: int = 900
    # How often the background loop looks for expired holds, and how many it frees per pass.
    reservation_expiry_poll_seconds: float = 5.0
    reservation_expiry_batch: int = 100
    # The threshold a new stock row starts with; sellers change it per product.
    default_low_stock_threshold: int = 5
