from pydantic import Field
from souk_kit.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    """The orders service's settings (environment `SOUK_<FIELD>`)."""

    # Which payment provider charges cards: "test" is the built-in one (see payments.py).
    payment_provider: str = "test"
    currency: str = Field("USD", min_length=3, max_length=3)
    # An order still `pending` this long after its last saga step is finished or compensated by
    # the recovery loop. It must exceed the longest single step (an HTTP call's read timeout).
    recovery_after_seconds: float = Field(30.0, gt=0)
    recovery_poll_seconds: float = Field(10.0, gt=0)
    # How long a stored Idempotency-Key answer is replayed before the key may be used again.
    idempotency_key_hours: float = Field(24.0, gt=0)
    max_line_quantity: int = Field(1000, ge=1)
