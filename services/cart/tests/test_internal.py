import uuid

from souk_kit.testing import schema_drift

from services.cart.models import Base


def checked_out(client, headers, user_id, lines, event_id=None):
    message = {
        "event_id": str(event_id or uuid.uuid4()),
        "payload": {
            "user_id": str(user_id),
            "order_id": str(uuid.uuid4()),
            "lines": [{"product_id": str(p), "quantity": q} for p, q in lines],
        },
    }
    return client.post("/internal/cart/checked-out", json={"messages": [message]}, headers=headers)


def test_raw_cart_lists_lines_without_prices(shopper, catalogue, internal_headers):
    lamp = catalogue.add()
    shopper.add(lamp.id, 3)

    answer = shopper.client.get(f"/internal/cart/carts/{shopper.user_id}", headers=internal_headers)

    assert answer.status_code == 200
    assert answer.json == {
        "user_id": shopper.user_id,
        "items": [{"product_id": str(lamp.id), "quantity": 3, "seller_id": str(lamp.seller_id)}],
    }


def test_raw_cart_of_a_user_without_one_is_empty(client, internal_headers):
    user_id = str(uuid.uuid4())
    answer = client.get(f"/internal/cart/carts/{user_id}", headers=internal_headers)
    assert answer.json == {"user_id": user_id, "items": []}
    assert client.get("/internal/cart/carts/nope", headers=internal_headers).status_code == 404


def test_internal_routes_are_hidden_without_the_service_token(shopper, client):
    assert client.get(f"/internal/cart/carts/{shopper.user_id}").status_code == 404
    answer = client.post("/internal/cart/checked-out", json={"messages": []})
    assert answer.status_code == 404
    wrong = {"X-Service-Token": "guess"}
    assert client.get(f"/internal/cart/carts/{shopper.user_id}", headers=wrong).status_code == 404


def test_a_checkout_takes_the_ordered_quantities_out_of_the_cart(
    shopper, catalogue, internal_headers
):
    lamp, rug, vase = catalogue.add(), catalogue.add(), catalogue.add()
    shopper.add(lamp.id, 3)
    shopper.add(rug.id, 1)
    shopper.add(vase.id, 2)

    answer = checked_out(
        shopper.client, internal_headers, shopper.user_id, [(lamp.id, 2), (rug.id, 1)]
    )

    assert answer.status_code == 200
    left = {i["product_id"]: i["quantity"] for i in shopper.cart()["items"]}
    assert left == {str(lamp.id): 1, str(vase.id): 2}


def test_a_checkout_of_more_than_the_cart_holds_removes_the_line(
    shopper, catalogue, internal_headers
):
    lamp = catalogue.add()
    shopper.add(lamp.id, 2)
    checked_out(shopper.client, internal_headers, shopper.user_id, [(lamp.id, 5)])
    assert shopper.cart()["items"] == []


def test_a_repeated_checkout_message_is_applied_once(shopper, catalogue, internal_headers):
    lamp = catalogue.add()
    shopper.add(lamp.id, 5)
    event_id = uuid.uuid4()

    for _ in range(3):
        answer = checked_out(
            shopper.client, internal_headers, shopper.user_id, [(lamp.id, 2)], event_id
        )
        assert answer.status_code == 200

    assert shopper.cart()["items"][0]["quantity"] == 3


def test_a_checkout_for_a_user_without_a_cart_is_accepted(client, internal_headers):
    answer = checked_out(client, internal_headers, uuid.uuid4(), [(uuid.uuid4(), 1)])
    assert answer.status_code == 200
    assert answer.json["applied"] == 1


def test_a_malformed_checkout_message_is_a_400_not_a_500(client, internal_headers):
    body = {"messages": [{"event_id": str(uuid.uuid4()), "payload": {"user_id": "x"}}]}
    answer = client.post("/internal/cart/checked-out", json=body, headers=internal_headers)
    assert answer.status_code == 400


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []


def test_the_openapi_document_describes_the_cart_routes(client):
    answer = client.get("/api/cart/openapi.json")
    assert answer.status_code == 200
    assert {"/api/cart", "/api/cart/{item_id}"} <= set(answer.json["paths"])


def test_the_openapi_document_says_a_quantity_change_may_answer_only_a_message(client):
    document = client.get("/api/cart/openapi.json").json
    ok = document["paths"]["/api/cart/{item_id}"]["patch"]["responses"]["200"]
    answer = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    shapes = document["components"]["schemas"][answer]["anyOf"]
    assert [shape["$ref"].rsplit("/", 1)[-1] for shape in shapes] == ["CartLineOut", "MessageOut"]
