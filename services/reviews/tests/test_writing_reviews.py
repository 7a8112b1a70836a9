import uuid

import pytest
from souk_kit.app import clients_of
from souk_kit.db import database
from sqlalchemy import select

from services.reviews.clients import Clients
from services.reviews.models import OutboxMessage


def outbox(app, destination: str) -> list[OutboxMessage]:
    with app.app_context(), database().new_session() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.destination == destination)
                .order_by(OutboxMessage.id)
            )
        )


def test_a_review_is_added_with_201_and_its_id(ada, product):
    answer = ada.review(product, 4, "Solid brass, heavy")
    assert answer.status_code == 201
    assert answer.json["message"] == "Review added"
    uuid.UUID(answer.json["id"])


def test_the_review_shows_the_authors_name_and_no_user_id(ada, product, client):
    ada.review(product, 4, "Solid brass")
    [item] = client.get(f"/api/products/{product}/reviews").json["items"]
    assert item["author"] == "Ada Lovelace"
    assert item["rating"] == 4
    assert item["comment"] == "Solid brass"
    assert item["verified_purchase"] is False
    assert item["created_at"].endswith("Z")
    assert "user_id" not in item


def test_a_buyer_is_a_verified_purchase(ada, product, orders, client):
    orders.bought.add((ada.user_id, product))
    ada.review(product)
    [item] = client.get(f"/api/products/{product}/reviews").json["items"]
    assert item["verified_purchase"] is True


def test_the_comment_is_optional(ada, product, client):
    answer = ada.client.post(
        f"/api/products/{product}/reviews", json={"rating": 3}, headers=ada.headers
    )
    assert answer.status_code == 201
    assert client.get(f"/api/products/{product}/reviews").json["items"][0]["comment"] == ""


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "5", None, True])
def test_a_rating_outside_1_to_5_or_not_a_whole_number_is_refused(ada, product, rating):
    answer = ada.review(product, rating)
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert "rating" in answer.json["details"]["fields"]


def test_a_missing_rating_is_refused(ada, product):
    answer = ada.client.post(
        f"/api/products/{product}/reviews", json={"comment": "hi"}, headers=ada.headers
    )
    assert answer.status_code == 400
    assert "rating" in answer.json["details"]["fields"]


def test_a_comment_over_2000_characters_is_refused_and_2000_is_fine(make_reviewer, catalogue):
    long = make_reviewer().review(catalogue.add(), 5, "x" * 2001)
    assert long.status_code == 400
    assert "comment" in long.json["details"]["fields"]
    assert make_reviewer().review(catalogue.add(), 5, "x" * 2000).status_code == 201


def test_a_comment_that_is_not_text_is_refused(ada, product):
    assert ada.review(product, 5, ["not", "text"]).status_code == 400


def test_a_second_review_of_the_same_product_is_a_conflict(ada, product, client):
    assert ada.review(product, 5).status_code == 201
    answer = ada.review(product, 1)
    assert answer.status_code == 409
    assert answer.json["code"] == "already_reviewed"
    page = client.get(f"/api/products/{product}/reviews").json
    assert page["total"] == 1
    assert page["items"][0]["rating"] == 5


def test_the_unique_constraint_stops_a_duplicate_that_slipped_past_the_check(
    ada, product, app, monkeypatch
):
    from services.reviews import service

    assert ada.review(product).status_code == 201
    monkeypatch.setattr(service, "has_reviewed", lambda *_args: False)
    answer = ada.review(product, 2)
    assert answer.status_code == 409
    assert answer.json["code"] == "already_reviewed"


def test_an_unknown_product_cannot_be_reviewed(ada):
    answer = ada.review(uuid.uuid4())
    assert answer.status_code == 404
    assert answer.json["code"] == "product_not_found"


def test_a_malformed_product_id_is_not_found(ada, catalogue):
    assert ada.review("not-a-uuid").status_code == 404
    assert catalogue.calls == 0


def test_a_disabled_or_deleted_product_cannot_be_reviewed(ada, catalogue):
    gone = catalogue.add()
    catalogue.on_sale.discard(gone)
    assert ada.review(gone).status_code == 404


def test_reviewing_needs_a_signed_in_user(client, product):
    answer = client.post(f"/api/products/{product}/reviews", json={"rating": 5})
    assert answer.status_code == 401


def test_a_user_without_a_name_is_shown_as_anonymous(make_reviewer, product, client):
    make_reviewer(name="").review(product)
    assert client.get(f"/api/products/{product}/reviews").json["items"][0]["author"] == "Anonymous"


def test_the_authors_name_is_asked_once_per_review(ada, product, people):
    people.calls.clear()
    ada.review(product)
    assert people.calls == [[ada.user_id]]


def test_when_orders_is_down_the_review_is_stored_unverified(ada, product, app, client):
    from services.reviews.clients import PurchasesClient
    from services.reviews.settings import ReviewsSettings

    # The real client, pointed at nothing: orders does not answer.
    clients_of(app, Clients).purchases = PurchasesClient(ReviewsSettings())
    assert ada.review(product).status_code == 201
    assert (
        client.get(f"/api/products/{product}/reviews").json["items"][0]["verified_purchase"]
        is False
    )


def test_when_the_catalogue_is_down_a_review_is_a_503(ada, product, app):
    from services.reviews.clients import ProductsClient
    from services.reviews.settings import ReviewsSettings

    clients_of(app, Clients).products = ProductsClient(ReviewsSettings())
    answer = ada.review(product)
    assert answer.status_code == 503
    assert answer.json["code"] == "dependency_unavailable"


def test_adding_a_review_sends_the_new_rating_to_the_catalogue(make_reviewer, product, app):
    make_reviewer().review(product, 5)
    make_reviewer().review(product, 4)

    messages = outbox(app, "products")

    assert [m.path for m in messages] == ["/ratings", "/ratings"]
    assert [m.payload for m in messages] == [
        {"product_id": str(product), "average_rating": "5.00", "review_count": 1, "version": 1},
        {"product_id": str(product), "average_rating": "4.50", "review_count": 2, "version": 2},
    ]


def test_adding_a_review_records_a_review_added_event(ada, product, app):
    ada.review(product, 3)
    [event] = outbox(app, "activity")
    assert event.payload["type"] == "review_added"
    assert event.payload["user_id"] == str(ada.user_id)
    assert event.payload["product_id"] == str(product)
    assert event.payload["metadata"]["rating"] == 3


def test_a_refused_review_sends_nothing(ada, product, app):
    ada.review(product, 9)
    ada.review(uuid.uuid4(), 5)
    assert outbox(app, "products") == []
    assert outbox(app, "activity") == []
