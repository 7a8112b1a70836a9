"""The catalogue client against a real local HTTP server standing in for products."""

import uuid
from decimal import Decimal

import pytest

from souk_kit.catalogue import CatalogueClient
from souk_kit.errors import DependencyError
from souk_kit.tests.conftest import Reply

LAMP, SELLER = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def catalogue(make_settings, fake_service) -> CatalogueClient:
    return CatalogueClient(make_settings(internal_url=fake_service.url))


def item(**fields):
    return {
        "id": str(LAMP),
        "name": "Brass lamp",
        "seller_id": str(SELLER),
        "price": "20.00",
        "effective_price": "15.5",
        "currency": "EGP",
        "active": True,
        "weight_kg": "1.250",
        **fields,
    }


def test_one_request_names_every_id_and_each_product_is_read_whole(catalogue, fake_service):
    fake_service.script(Reply(200, {"items": [item()]}))
    other = uuid.uuid4()
    found = catalogue.batch([LAMP, other, LAMP])
    [hit] = fake_service.hits
    assert hit.path == "/internal/products/batch"
    assert sorted(hit.query["ids"][0].split(",")) == sorted({str(LAMP), str(other)})
    lamp = found[LAMP]
    assert (lamp.name, lamp.seller_id, lamp.currency, lamp.active) == (
        "Brass lamp",
        SELLER,
        "EGP",
        True,
    )
    assert (lamp.price, lamp.effective_price, lamp.weight_kg) == (
        Decimal("20.00"),
        Decimal("15.50"),
        Decimal("1.250"),
    )
    assert list(found) == [LAMP]  # an id the catalogue does not know is left out


def test_no_ids_ask_nothing(catalogue, fake_service):
    assert catalogue.batch([]) == {}
    assert fake_service.hits == []


def test_without_an_offer_the_effective_price_is_the_list_price(catalogue, fake_service):
    fake_service.script(Reply(200, {"items": [item(effective_price=None, weight_kg=None)]}))
    lamp = catalogue.batch([LAMP])[LAMP]
    assert lamp.effective_price == Decimal("20.00") and lamp.weight_kg is None


@pytest.mark.parametrize("price", ["-1.00", "NaN", "Infinity", "cheap"])
def test_an_amount_that_is_not_one_is_the_catalogue_failing(catalogue, fake_service, price):
    fake_service.script(Reply(200, {"items": [item(price=price)]}))
    with pytest.raises(DependencyError) as raised:
        catalogue.batch([LAMP])
    assert raised.value.details == {"service": "products"}
