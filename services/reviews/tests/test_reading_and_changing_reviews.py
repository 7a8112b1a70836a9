import uuid

from souk_kit.testing import schema_drift

from services.reviews.models import Base
from services.reviews.tests.test_writing_reviews import outbox


def review_id(reviewer, product, rating=5, comment="Lovely") -> str:
    answer = reviewer.review(product, rating, comment)
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def test_anyone_may_read_a_products_reviews_with_its_summary(make_reviewer, product, client):
    for rating in (5, 4, 4):
        review_id(make_reviewer(), product, rating)

    page = client.get(f"/api/products/{product}/reviews").json

    assert page["total"] == 3
    assert page["page"] == 1
    assert page["per_page"] == 20
    assert page["review_count"] == 3
    assert page["average_rating"] == "4.33"
    assert sorted(i["rating"] for i in page["items"]) == [4, 4, 5]


def test_a_product_without_reviews_has_an_empty_page_and_no_average(client):
    page = client.get(f"/api/products/{uuid.uuid4()}/reviews").json
    assert page == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
        "average_rating": None,
        "review_count": 0,
    }


def test_reviews_are_paginated(make_reviewer, product, client):
    for _ in range(5):
        review_id(make_reviewer(), product)
    first = client.get(f"/api/products/{product}/reviews?page=1&per_page=2").json
    last = client.get(f"/api/products/{product}/reviews?page=3&per_page=2").json
    assert len(first["items"]) == 2
    assert len(last["items"]) == 1
    assert first["total"] == last["total"] == 5
    assert first["review_count"] == 5


def test_bad_paging_is_a_400(client, product):
    assert client.get(f"/api/products/{product}/reviews?per_page=101").status_code == 400
    assert client.get(f"/api/products/{product}/reviews?page=0").status_code == 400


def test_reading_reviews_asks_no_other_service(make_reviewer, product, client, catalogue, people):
    review_id(make_reviewer(), product)
    catalogue.calls, people.calls = 0, []
    client.get(f"/api/products/{product}/reviews")
    assert catalogue.calls == 0
    assert people.calls == []


def test_reviews_of_a_malformed_product_id_are_not_found(client):
    assert client.get("/api/products/nope/reviews").status_code == 404


def test_the_author_edits_a_review_and_the_rating_follows(ada, make_reviewer, product, client, app):
    mine = review_id(ada, product, 5)
    review_id(make_reviewer(), product, 3)

    answer = ada.edit(product, mine, rating=1, comment="Broke in a week")

    assert answer.status_code == 200
    assert answer.json["message"] == "Review updated"
    assert answer.json["rating"] == 1
    assert answer.json["comment"] == "Broke in a week"
    page = client.get(f"/api/products/{product}/reviews").json
    assert page["average_rating"] == "2.00"
    last = outbox(app, "products")[-1].payload
    assert last == {
        "product_id": str(product),
        "average_rating": "2.00",
        "review_count": 2,
        "version": 3,
    }


def test_an_edit_may_change_only_the_comment(ada, product):
    mine = review_id(ada, product, 4, "Good")
    answer = ada.edit(product, mine, comment="Very good")
    assert answer.json["rating"] == 4
    assert answer.json["comment"] == "Very good"


def test_an_edit_must_change_something_valid(ada, product):
    mine = review_id(ada, product)
    assert ada.edit(product, mine).status_code == 400
    assert ada.edit(product, mine, rating=0).status_code == 400
    assert ada.edit(product, mine, rating=2.5).status_code == 400
    assert ada.edit(product, mine, comment="x" * 2001).status_code == 400


def test_an_edit_rechecks_the_purchase_and_the_name(ada, product, orders, people, client):
    mine = review_id(ada, product)
    orders.bought.add((ada.user_id, product))
    people.known[ada.user_id] = "Ada King"

    ada.edit(product, mine, rating=4)

    [item] = client.get(f"/api/products/{product}/reviews").json["items"]
    assert item["verified_purchase"] is True
    assert item["author"] == "Ada King"


def test_someone_else_may_not_edit_a_review(ada, make_reviewer, product, client):
    mine = review_id(ada, product, 5)
    for intruder in (make_reviewer("Eve"), make_reviewer("Root", role="admin")):
        answer = intruder.edit(product, mine, rating=1)
        assert answer.status_code == 403
        assert answer.json["code"] == "not_your_review"
    assert client.get(f"/api/products/{product}/reviews").json["items"][0]["rating"] == 5


def test_a_review_is_not_found_under_another_product_or_a_bad_id(ada, product, catalogue):
    mine = review_id(ada, product)
    other = catalogue.add()
    assert ada.edit(other, mine, rating=2).status_code == 404
    assert ada.delete(other, mine).status_code == 404
    assert ada.edit(product, "nope", rating=2).status_code == 404
    assert ada.delete("nope", mine).status_code == 404
    assert ada.edit(product, uuid.uuid4(), rating=2).json["code"] == "review_not_found"


def test_the_author_deletes_a_review_and_the_rating_follows(
    ada, make_reviewer, product, client, app
):
    mine = review_id(ada, product, 1)
    review_id(make_reviewer(), product, 5)

    answer = ada.delete(product, mine)

    assert answer.status_code == 200
    assert answer.json == {"message": "Review deleted"}
    page = client.get(f"/api/products/{product}/reviews").json
    assert (page["total"], page["review_count"], page["average_rating"]) == (1, 1, "5.00")
    assert outbox(app, "products")[-1].payload["version"] == 3


def test_deleting_the_last_review_sends_zero_reviews(ada, product, client, app):
    mine = review_id(ada, product, 4)
    ada.delete(product, mine)
    assert client.get(f"/api/products/{product}/reviews").json["average_rating"] is None
    assert outbox(app, "products")[-1].payload == {
        "product_id": str(product),
        "average_rating": "0.00",
        "review_count": 0,
        "version": 2,
    }


def test_after_deleting_the_author_may_review_again(ada, product):
    mine = review_id(ada, product)
    ada.delete(product, mine)
    assert ada.review(product, 2).status_code == 201


def test_an_admin_may_delete_any_review_but_another_user_may_not(
    ada, make_reviewer, product, client
):
    mine = review_id(ada, product)
    eve = make_reviewer("Eve")
    assert eve.delete(product, mine).status_code == 403
    assert make_reviewer("Root", role="admin").delete(product, mine).status_code == 200
    assert client.get(f"/api/products/{product}/reviews").json["total"] == 0


def test_changing_reviews_needs_a_signed_in_user(ada, product, client):
    mine = review_id(ada, product)
    path = f"/api/products/{product}/reviews/{mine}"
    assert client.put(path, json={"rating": 1}).status_code == 401
    assert client.delete(path).status_code == 401


def test_my_reviews_lists_only_the_callers_reviews(ada, make_reviewer, catalogue):
    first, second = catalogue.add(), catalogue.add()
    review_id(ada, first, 3)
    review_id(ada, second, 4)
    review_id(make_reviewer("Eve"), first, 1)

    page = ada.mine().json

    assert page["total"] == 2
    assert {(i["product_id"], i["rating"]) for i in page["items"]} == {
        (str(first), 3),
        (str(second), 4),
    }
    assert ada.mine(per_page=1).json["items"][0]["product_id"] in {str(first), str(second)}


def test_my_reviews_needs_a_signed_in_user(client):
    assert client.get("/api/reviews/mine").status_code == 401


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []


def test_the_openapi_document_describes_the_review_routes(client):
    answer = client.get("/api/reviews/openapi.json")
    assert answer.status_code == 200
    assert {
        "/api/products/{product_id}/reviews",
        "/api/products/{product_id}/reviews/{review_id}",
        "/api/reviews/mine",
    } <= set(answer.json["paths"])
