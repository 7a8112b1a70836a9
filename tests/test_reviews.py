"""Reviews through the gateway: writing, reading and moderating them, and the catalogue's copy
of each product's rating (pushed by the outbox) following every change."""

import uuid

import pytest

from tests.conftest import (
    GatewaySession,
    new_customer,
    new_product,
    new_staff,
    wait_until,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def seller(gateway: GatewaySession, admin: dict[str, str]) -> dict[str, str]:
    return new_staff(gateway, admin, "seller", "Shop keeper", shop_name="Reviewed shop")[0]


def review(gateway, who, product_id, rating, comment="Fine"):
    return gateway.post(
        f"/api/products/{product_id}/reviews",
        json={"rating": rating, "comment": comment},
        headers=who,
    )


def catalogue_rating(gateway: GatewaySession, product_id: str) -> tuple[float | None, int]:
    product = gateway.get(f"/api/products/{product_id}").json()
    return product["rating"], product["review_count"]


def wait_for_rating(gateway, product_id, rating, count) -> None:
    """The catalogue's copy arrives through the outbox, a moment after the change."""
    wait_until(
        lambda: catalogue_rating(gateway, product_id) == (rating, count),
        20,
        f"the catalogue to show rating {rating} from {count} reviews",
    )


def test_reviews_change_the_products_rating_in_the_catalogue(gateway, seller, admin):
    product_id = new_product(gateway, seller)
    ada, bob = new_customer(gateway, "Ada"), new_customer(gateway, "Bob")
    assert catalogue_rating(gateway, product_id) == (None, 0)

    added = review(gateway, ada, product_id, 5, "Thick and soft")
    assert added.status_code == 201
    assert added.json()["message"] == "Review added"
    wait_for_rating(gateway, product_id, 5.0, 1)

    bobs = review(gateway, bob, product_id, 2).json()["id"]
    wait_for_rating(gateway, product_id, 3.5, 2)

    edited = gateway.put(
        f"/api/products/{product_id}/reviews/{bobs}", json={"rating": 4}, headers=bob
    )
    assert edited.status_code == 200
    wait_for_rating(gateway, product_id, 4.5, 2)

    deleted = gateway.delete(f"/api/products/{product_id}/reviews/{bobs}", headers=admin)
    assert deleted.status_code == 200
    wait_for_rating(gateway, product_id, 5.0, 1)


def test_anyone_reads_reviews_with_author_names_and_the_summary(gateway, seller):
    product_id = new_product(gateway, seller)
    review(gateway, new_customer(gateway, "Ada Lovelace"), product_id, 4, "Good")
    review(gateway, new_customer(gateway, "Grace Hopper"), product_id, 3, "Fine")

    page = gateway.get(f"/api/products/{product_id}/reviews").json()

    assert page["total"] == page["review_count"] == 2
    assert page["average_rating"] == "3.50"
    assert {item["author"] for item in page["items"]} == {"Ada Lovelace", "Grace Hopper"}
    assert {
        "id",
        "rating",
        "comment",
        "author",
        "verified_purchase",
        "created_at",
    } <= set(page["items"][0])


def test_products_sort_by_rating_follows_the_reviews(gateway, seller):
    loved, panned = new_product(gateway, seller), new_product(gateway, seller)
    review(gateway, new_customer(gateway, "Ada"), loved, 5)
    review(gateway, new_customer(gateway, "Bob"), panned, 1)
    wait_for_rating(gateway, loved, 5.0, 1)
    wait_for_rating(gateway, panned, 1.0, 1)
    seller_id = gateway.get(f"/api/products/{loved}").json()["seller_id"]

    listed = gateway.get(
        "/api/products", params={"sort": "rating", "seller_id": seller_id, "per_page": 100}
    ).json()["items"]

    order = [item["id"] for item in listed]
    assert order.index(loved) < order.index(panned)


def test_bad_reviews_are_refused_with_the_api_error_shape(gateway, seller):
    product_id = new_product(gateway, seller)
    ada = new_customer(gateway, "Ada")
    for rating in (0, 6, 4.5):
        answer = review(gateway, ada, product_id, rating)
        assert answer.status_code == 400
        assert set(answer.json()) == {"error", "code", "details"}
    assert review(gateway, ada, product_id, 5, "x" * 2001).status_code == 400
    assert review(gateway, ada, str(uuid.uuid4()), 5).status_code == 404
    assert review(gateway, ada, product_id, 5).status_code == 201
    again = review(gateway, ada, product_id, 4)
    assert again.status_code == 409
    assert again.json()["code"] == "already_reviewed"
    anonymous = gateway.post(f"/api/products/{product_id}/reviews", json={"rating": 5})
    assert anonymous.status_code == 401


def test_only_the_author_edits_and_only_the_author_or_staff_delete(gateway, seller):
    product_id = new_product(gateway, seller)
    ada, eve = new_customer(gateway, "Ada"), new_customer(gateway, "Eve")
    review_id = review(gateway, ada, product_id, 5).json()["id"]
    path = f"/api/products/{product_id}/reviews/{review_id}"

    assert gateway.put(path, json={"rating": 1}, headers=eve).status_code == 403
    assert gateway.delete(path, headers=eve).status_code == 403
    assert gateway.put(path, json={"comment": "Still great"}, headers=ada).status_code == 200
    mine = gateway.get("/api/reviews/mine", headers=ada).json()
    assert [(i["product_id"], i["comment"]) for i in mine["items"]] == [(product_id, "Still great")]
    assert gateway.delete(path, headers=ada).status_code == 200
    assert gateway.get("/api/reviews/mine", headers=ada).json()["total"] == 0


def test_a_buyers_review_is_a_verified_purchase(gateway, seller):
    product_id = new_product(gateway, seller)
    buyer = new_customer(gateway, "Buyer")
    wait_until(
        lambda: (
            gateway.post(
                "/api/cart", json={"product_id": product_id, "quantity": 1}, headers=buyer
            ).status_code
            == 201
        ),
        20,
        "the product's stock to reach inventory",
    )
    order = gateway.post("/api/orders", json={}, headers=buyer)
    assert order.status_code == 201, order.text

    assert review(gateway, buyer, product_id, 5).status_code == 201
    stranger = new_customer(gateway, "Stranger")
    assert review(gateway, stranger, product_id, 4).status_code == 201

    items = gateway.get(f"/api/products/{product_id}/reviews").json()["items"]
    verified = {item["author"]: item["verified_purchase"] for item in items}
    assert verified == {"Buyer": True, "Stranger": False}
