from decimal import Decimal

from pydantic import Field
from souk_kit.settings import ServiceSettings

MIB = 1024 * 1024


class ProductsSettings(ServiceSettings):
    """The products service's settings (env `SOUK_<FIELD>`); `media_dir` comes from the kit."""

    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    # Shipping quotes need a weight; products created without one weigh this much.
    default_weight_kg: Decimal = Field(Decimal("0.5"), gt=0, le=1000)
    max_image_bytes: int = 5 * MIB
    max_images_per_product: int = 10
    # Larger than the biggest image so an oversized upload reaches the service and gets its
    # JSON 413; as large as the gateway's client_max_body_size (8m) so nothing nginx lets
    # through is cut off mid-body by Flask.
    max_body_bytes: int = 8 * MIB + 64 * 1024
    # Every body but an image upload: the other services' limit.
    max_json_bytes: int = 1 * MIB
    # How often each category's listed-count changes are folded into one row (catalogue totals
    # add up every row written since).
    listed_fold_seconds: float = Field(2.0, gt=0)
    # The catalogue prepares only statements whose plan fits every value (statements.py).
    db_generic_plans: bool = True
    # How long this process may keep a copy of a product or a page for shoppers (the copies
    # are dropped on every change anyway, see catalogue/cache.py); 0 keeps none.
    catalogue_cache_seconds: float = Field(30.0, ge=0)
