from decimal import Decimal

import pytest
from souk_kit.testing import schema_drift

from services.orders.errors import PaymentProviderError, PaymentTimeoutError
from services.orders.models import Base
from services.orders.payments import TestPaymentProvider


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []


def test_the_openapi_document_lists_every_public_route(client):
    paths = client.get("/api/orders/openapi.json").json["paths"]
    for path in (
        "/api/orders/",
        "/api/orders/{order_id}",
        "/api/orders/{order_id}/cancel",
        "/api/orders/{order_id}/status",
        "/api/orders/seller",
        "/api/orders/all",
        "/api/orders/analytics/top-products",
        "/api/orders/analytics/revenue",
        "/api/orders/analytics/summary",
    ):
        assert path in paths, path
    assert "requestBody" in paths["/api/orders/"]["post"]


def test_health_answers_ok(client):
    assert client.get("/api/orders/health").json["status"] == "ok"


def test_the_test_provider_repeats_a_charge_for_the_same_key_and_acts_out_failures():
    provider = TestPaymentProvider()
    first = provider.charge(Decimal("5.00"), "USD", None, "k1")
    assert first.status == "succeeded"
    assert provider.charge(Decimal("5.00"), "USD", None, "k1") == first
    assert provider.find_charge("k1") == first and provider.find_charge("k2") is None
    assert provider.charge(Decimal("5.00"), "USD", "tok_declined", "k3").status == "declined"
    with pytest.raises(PaymentTimeoutError):
        provider.charge(Decimal("5.00"), "USD", "tok_timeout", "k4")
    with pytest.raises(PaymentProviderError):
        provider.charge(Decimal("5.00"), "USD", "tok_error", "k5")
    refund = provider.refund(first.id, Decimal("5.00"), "r1")
    assert (
        refund.charge_id == first.id and provider.refund(first.id, Decimal("5.00"), "r1") == refund
    )
    with pytest.raises(PaymentProviderError):
        provider.refund("ch_other", Decimal("1.00"), "r2")
