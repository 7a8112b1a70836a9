import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.products.models import Offer


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def later(**delta: float) -> str:
    return iso(datetime.now(UTC) + timedelta(**delta))


def batch_item(client, internal_headers, product_id: str) -> dict:
    answer = client.get(f"/internal/products/batch?ids={product_id}", headers=internal_headers)
    return answer.json["items"][0]


def test_a_percent_offer_lowers_the_effective_price_everywhere(client, seller, internal_headers):
    product = seller.create(price="19.99")
    answer = seller.offer(product["id"], percent_off=15)
    assert answer.status_code == 201
    assert answer.json["message"] == "Offer created"
    assert answer.json["effective_price"] == "16.99"  # 16.9915 rounded to the cent
    assert answer.json["percent_off"] == "15.00"
    assert answer.json["price"] is None

    shown = client.get(f"/api/products/{product['id']}").json
    assert shown["price"] == "19.99"
    assert shown["effective_price"] == "16.99"
    assert shown["offer"]["id"] == answer.json["id"]
    assert batch_item(client, internal_headers, product["id"])["effective_price"] == "16.99"


def test_a_fixed_price_offer_sets_the_price(client, seller):
    product = seller.create(price="50.00")
    answer = seller.offer(product["id"], price="39.50", ends_at=later(days=3))
    assert answer.status_code == 201
    shown = client.get(f"/api/products/{product['id']}").json
    assert shown["effective_price"] == "39.50"
    assert shown["offer"]["price"] == "39.50"
    assert shown["offer"]["ends_at"] is not None


def test_the_best_of_several_active_offers_wins(client, seller):
    product = seller.create(price="100.00")
    seller.offer(product["id"], percent_off=10)
    best = seller.offer(product["id"], price="80.00").json
    seller.offer(product["id"], percent_off="12.5")
    shown = client.get(f"/api/products/{product['id']}").json
    assert shown["effective_price"] == "80.00"
    assert shown["offer"]["id"] == best["id"]


def test_scheduled_and_ended_offers_do_not_count(client, seller, db):
    product = seller.create(price="10.00")
    scheduled = seller.offer(
        product["id"], percent_off=50, starts_at=later(days=1), ends_at=later(days=2)
    )
    assert scheduled.status_code == 201
    assert scheduled.json["effective_price"] == "10.00"
    with db() as session, session.begin():
        now = datetime.now(UTC)
        session.add(
            Offer(
                product_id=uuid.UUID(product["id"]),
                price=Decimal("2.00"),
                starts_at=now - timedelta(days=3),
                ends_at=now - timedelta(seconds=1),
                created_by=uuid.UUID(seller.user_id),
            )
        )
    shown = client.get(f"/api/products/{product['id']}").json
    assert shown["offer"] is None
    assert shown["effective_price"] == "10.00"
    listed = client.get(f"/api/products/{product['id']}/offers", headers=seller.headers).json
    assert len(listed["items"]) == 2


def test_a_lowered_list_price_beats_a_fixed_offer_price(client, seller):
    product = seller.create(price="30.00")
    seller.offer(product["id"], price="25.00")
    seller.patch(product["id"], price="20.00")
    assert client.get(f"/api/products/{product['id']}").json["effective_price"] == "20.00"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"percent_off": 10, "price": "5.00"},
        {"percent_off": 0},
        {"percent_off": 100},
        {"percent_off": -5},
        {"percent_off": "10.555"},
        {"percent_off": "ten"},
        {"price": "20.00"},  # not below the list price
        {"price": "25.00"},
        {"price": 0},
        {"price": "-1"},
        {"price": "9.999"},
        {"percent_off": 10, "starts_at": "yesterday"},
        {"percent_off": 10, "ends_at": "2020-01-01T00:00:00Z"},
        {"percent_off": 10, "starts_at": "2099-01-02T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"},
        {"percent_off": 10, "starts_at": "0001-01-01T00:00:00+05:00"},  # year 0 in UTC
        {"percent_off": 10, "ends_at": "9999-12-31T23:59:59-05:00"},  # year 10000 in UTC
    ],
)
def test_bad_offers_are_refused_and_nothing_changes(client, seller, body):
    product = seller.create(price="20.00")
    answer = seller.offer(product["id"], **body)
    assert answer.status_code == 400, body
    assert answer.json["code"] == "validation_error"
    assert client.get(f"/api/products/{product['id']}/offers", headers=seller.headers).json == {
        "items": []
    }


def test_only_the_owner_or_an_admin_puts_a_product_on_offer(client, seller, make_seller, admin):
    product = seller.create(price="20.00")
    other = make_seller().offer(product["id"], percent_off=10)
    assert other.status_code == 403
    assert admin.offer(product["id"], percent_off=10).status_code == 201
    assert seller.offer(str(uuid.uuid4()), percent_off=10).status_code == 404
    assert seller.offer("nope", percent_off=10).status_code == 404


def test_offers_are_listed_and_can_be_withdrawn(client, seller, outbox):
    product = seller.create(price="20.00")
    first = seller.offer(product["id"], percent_off=10).json
    seller.offer(product["id"], price="5.00", starts_at=later(days=1))
    listed = client.get(f"/api/products/{product['id']}/offers", headers=seller.headers).json
    assert len(listed["items"]) == 2

    url = f"/api/products/{product['id']}/offers/{first['id']}"
    assert client.delete(url, headers=seller.headers).json == {"message": "Offer removed"}
    assert client.get(f"/api/products/{product['id']}").json["effective_price"] == "20.00"
    assert client.delete(url, headers=seller.headers).status_code == 404
    bad = f"/api/products/{product['id']}/offers/not-an-id"
    assert client.delete(bad, headers=seller.headers).status_code == 404
    assert "offer_created" in [e["type"] for e in outbox("activity", "/events")]


def test_an_offer_of_one_product_is_not_removed_through_another(client, seller):
    one = seller.create(price="20.00")
    two = seller.create(price="20.00")
    offer = seller.offer(one["id"], percent_off=10).json
    answer = client.delete(
        f"/api/products/{two['id']}/offers/{offer['id']}", headers=seller.headers
    )
    assert answer.status_code == 404
    assert client.get(f"/api/products/{one['id']}").json["offer"]["id"] == offer["id"]
