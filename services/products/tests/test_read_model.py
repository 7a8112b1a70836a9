import uuid

from sqlalchemy import func, select

from services.products.models import ProcessedMessage, Product
from services.products.tests.conftest import relay_batch


def stock_of(client, product_id: str) -> int:
    return client.get(f"/api/products/{product_id}").json["stock"]


def send(client, internal_headers, path: str, *payloads: dict, event_ids=None):
    return client.post(
        f"/internal/products{path}",
        json=relay_batch(*payloads, event_ids=event_ids),
        headers=internal_headers,
    )


def test_a_newer_stock_level_replaces_the_copy_and_an_older_one_is_ignored(
    client, seller, internal_headers
):
    product = seller.create(stock=10)
    level = {"product_id": product["id"], "available": 7, "version": 3}
    answer = send(client, internal_headers, "/stock-levels", level)
    assert answer.status_code == 200
    assert answer.json == {"applied": 1}
    assert stock_of(client, product["id"]) == 7

    late = {"product_id": product["id"], "available": 9, "version": 2}
    send(client, internal_headers, "/stock-levels", late)
    assert stock_of(client, product["id"]) == 7
    same = {"product_id": product["id"], "available": 1, "version": 3}
    send(client, internal_headers, "/stock-levels", same)
    assert stock_of(client, product["id"]) == 7


def test_messages_out_of_order_in_one_batch_end_at_the_newest(client, seller, internal_headers):
    product = seller.create(stock=10)
    send(
        client,
        internal_headers,
        "/stock-levels",
        {"product_id": product["id"], "available": 4, "version": 5},
        {"product_id": product["id"], "available": 8, "version": 4},
        {"product_id": product["id"], "available": 6, "version": 1},
    )
    assert stock_of(client, product["id"]) == 4


def test_the_opening_stock_gives_way_to_inventorys_first_level(client, seller, internal_headers):
    product = seller.create(stock=10)
    send(
        client,
        internal_headers,
        "/stock-levels",
        {"product_id": product["id"], "available": 10, "version": 1},
    )
    send(
        client,
        internal_headers,
        "/stock-levels",
        {"product_id": product["id"], "available": 9, "version": 2},
    )
    assert stock_of(client, product["id"]) == 9


def test_a_repeated_message_is_applied_once(client, seller, internal_headers, db):
    product = seller.create()
    event_id = str(uuid.uuid4())
    sale = {"product_id": product["id"], "quantity": 2}
    for _ in range(3):
        answer = send(client, internal_headers, "/sales", sale, event_ids=[event_id])
        assert answer.status_code == 200
    assert answer.json == {"applied": 0}
    with db() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedMessage)) == 1
    popular = client.get("/api/products?sort=popular").json["items"]
    assert popular[0]["id"] == product["id"]


def test_sales_add_up_and_a_cancellation_takes_them_back(client, seller, internal_headers, db):
    first = seller.create(name="First")
    second = seller.create(name="Second")
    send(client, internal_headers, "/sales", {"product_id": first["id"], "quantity": 3})
    send(client, internal_headers, "/sales", {"product_id": second["id"], "quantity": 2})
    order = [p["name"] for p in client.get("/api/products?sort=popular").json["items"]]
    assert order == ["First", "Second"]
    send(client, internal_headers, "/sales", {"product_id": first["id"], "quantity": -2})
    order = [p["name"] for p in client.get("/api/products?sort=popular").json["items"]]
    assert order == ["Second", "First"]
    send(client, internal_headers, "/sales", {"product_id": first["id"], "quantity": -50})
    with db() as session:
        assert session.get(Product, uuid.UUID(first["id"])).sold_count == 0


def test_ratings_follow_the_newest_summary(client, seller, internal_headers):
    product = seller.create()
    summary = {"product_id": product["id"], "average_rating": "4.25", "review_count": 4}
    send(client, internal_headers, "/ratings", {**summary, "version": 2})
    send(client, internal_headers, "/ratings", {**summary, "average_rating": 1, "version": 1})
    shown = client.get(f"/api/products/{product['id']}").json
    assert (shown["rating"], shown["review_count"]) == (4.25, 4)

    none_left = {"product_id": product["id"], "average_rating": "0.00", "review_count": 0}
    send(client, internal_headers, "/ratings", {**none_left, "version": 3})
    shown = client.get(f"/api/products/{product['id']}").json
    assert (shown["rating"], shown["review_count"]) == (None, 0)


def test_read_model_changes_do_not_count_as_edits(client, seller, internal_headers):
    product = seller.create()
    send(
        client,
        internal_headers,
        "/stock-levels",
        {"product_id": product["id"], "available": 1, "version": 1},
    )
    assert client.get(f"/api/products/{product['id']}").json["updated_at"] == product["updated_at"]


def test_messages_about_unknown_products_change_nothing(client, internal_headers):
    unknown = str(uuid.uuid4())
    assert (
        send(
            client,
            internal_headers,
            "/stock-levels",
            {"product_id": unknown, "available": 1, "version": 1},
        ).status_code
        == 200
    )
    assert (
        send(
            client,
            internal_headers,
            "/ratings",
            {"product_id": unknown, "average_rating": "3", "review_count": 1, "version": 1},
        ).status_code
        == 200
    )
    assert (
        send(client, internal_headers, "/sales", {"product_id": unknown, "quantity": 1}).status_code
        == 200
    )


def test_a_batch_with_one_bad_payload_is_refused_whole(client, seller, internal_headers):
    product = seller.create(stock=5)
    answer = send(
        client,
        internal_headers,
        "/stock-levels",
        {"product_id": product["id"], "available": 1, "version": 7},
        {"product_id": product["id"], "available": -1, "version": 8},
    )
    assert answer.status_code == 400
    assert stock_of(client, product["id"]) == 5
    huge = {"product_id": product["id"], "available": 2**31, "version": 9}
    assert send(client, internal_headers, "/stock-levels", huge).status_code == 400
    for body in ({}, {"messages": "no"}, {"messages": [{"event_id": "x", "payload": {}}]}):
        bad = client.post("/internal/products/sales", json=body, headers=internal_headers)
        assert bad.status_code == 400


def test_internal_routes_need_the_service_token(client, seller):
    product = seller.create(stock=5)
    assert client.get(f"/internal/products/batch?ids={product['id']}").status_code == 404
    answer = client.post(
        "/internal/products/stock-levels",
        json=relay_batch({"product_id": product["id"], "available": 0, "version": 9}),
        headers={"X-Service-Token": "wrong"},
    )
    assert answer.status_code == 404
    assert stock_of(client, product["id"]) == 5


def test_the_batch_lookup_answers_what_checkout_needs(client, seller, internal_headers):
    product = seller.create(name="Lamp", price="12.00", weight_kg="1.5")
    seller.offer(product["id"], percent_off=50)
    other = seller.create(name="Rug", price="40.00")
    unknown = str(uuid.uuid4())
    answer = client.get(
        f"/internal/products/batch?ids={product['id']},{other['id']},{unknown},garbage,{product['id']}",
        headers=internal_headers,
    )
    assert answer.status_code == 200
    items = {item["id"]: item for item in answer.json["items"]}
    assert set(items) == {product["id"], other["id"]}
    assert items[product["id"]] == {
        "id": product["id"],
        "name": "Lamp",
        "seller_id": seller.user_id,
        "price": "12.00",
        "effective_price": "6.00",
        "currency": "USD",
        "active": True,
        "weight_kg": "1.500",
    }


def test_the_batch_lookup_refuses_too_many_ids(client, internal_headers):
    many = ",".join(str(uuid.uuid4()) for _ in range(501))
    answer = client.get(f"/internal/products/batch?ids={many}", headers=internal_headers)
    assert answer.status_code == 400
    assert client.get("/internal/products/batch", headers=internal_headers).status_code == 400
    assert client.get("/internal/products/batch?ids=", headers=internal_headers).json == {
        "items": []
    }
