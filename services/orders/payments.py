"""Payment providers: the interface the checkout charges through, and the built-in test one.

A provider is chosen by the `payment_provider` setting. Every call carries an idempotency
key, so repeating a call (after a timeout, or from the recovery loop) never charges twice.
"""

import threading
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from services.orders.errors import PaymentProviderError, PaymentTimeoutError
from services.orders.settings import OrdersSettings


@dataclass(frozen=True)
class Charge:
    id: str
    status: Literal["succeeded", "declined"]
    amount: Decimal
    currency: str
    failure_code: str | None = None


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount: Decimal


class PaymentProvider(Protocol):
    name: str

    def charge(
        self, amount: Decimal, currency: str, token: str | None, idempotency_key: str
    ) -> Charge:
        """Charge `amount`; a decline is a `Charge` with status "declined", not an exception.

        Raises `PaymentTimeoutError` when the outcome is unknown, `PaymentProviderError` otherwise.
        """
        ...

    def refund(self, charge_id: str, amount: Decimal, idempotency_key: str) -> Refund:
        """Give back `amount` of a charge; raises `PaymentProviderError` on failure."""
        ...

    def find_charge(self, idempotency_key: str) -> Charge | None:
        """The charge made with this key, if any: how recovery settles an unknown outcome."""
        ...


class TestPaymentProvider:
    """Approves every token except a few that act out failures, for tests and local use.

    `tok_declined` is declined, `tok_error` fails, `tok_timeout` times out (before charging).
    Charges live in this process only; refunds approve any `ch_test_` charge.
    """

    name = "test"
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self) -> None:
        self._charges: dict[str, Charge] = {}
        self._refunds: dict[str, Refund] = {}
        self._lock = threading.Lock()

    def charge(
        self, amount: Decimal, currency: str, token: str | None, idempotency_key: str
    ) -> Charge:
        if token == "tok_error":
            raise PaymentProviderError("the test provider was told to fail")
        if token == "tok_timeout":
            raise PaymentTimeoutError("the test provider was told to time out")
        with self._lock:
            if idempotency_key in self._charges:
                return self._charges[idempotency_key]
            declined = token == "tok_declined"
            charge = Charge(
                id=f"ch_test_{uuid.uuid4().hex}",
                status="declined" if declined else "succeeded",
                amount=amount,
                currency=currency,
                failure_code="card_declined" if declined else None,
            )
            self._charges[idempotency_key] = charge
            return charge

    def refund(self, charge_id: str, amount: Decimal, idempotency_key: str) -> Refund:
        if not charge_id.startswith("ch_test_"):
            raise PaymentProviderError(f"unknown charge {charge_id}")
        with self._lock:
            if idempotency_key not in self._refunds:
                self._refunds[idempotency_key] = Refund(
                    id=f"re_test_{uuid.uuid4().hex}", charge_id=charge_id, amount=amount
                )
            return self._refunds[idempotency_key]

    def find_charge(self, idempotency_key: str) -> Charge | None:
        with self._lock:
            return self._charges.get(idempotency_key)


def make_provider(settings: OrdersSettings) -> PaymentProvider:
    if settings.payment_provider == "test":
        return TestPaymentProvider()
    raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
