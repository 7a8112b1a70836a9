import uuid
from decimal import Decimal

from souk_kit.app import clients_of, use_clients
from souk_kit.db import database
from sqlalchemy import select

from services.cart.clients import Clients
from services.cart.models import CartItem, OutboxMessage


def test_adding_a_product_answers_201_with_the_item_id(shopper, catalogue):
    lamp = catalogue.add()
    answer = shopper.add(lamp.id, 2)
    assert answer.status_code == 201
    assert answer.json["message"] == "Item added to cart"
    uuid.UUID(answer.json["item_id"])


def test_the_cart_shows_current_names_effective_prices_and_totals(shopper, catalogue):
    lamp = catalogue.add(price="19.99", name="Brass lamp")
    rug = catalogue.add(price="100.00", effective_price="80.00", name="Rug")
    shopper.add(lamp.id, 2)
    shopper.add(rug.id, 1)
    catalogue.change(lamp.id, name="Brass lamp (large)", effective_price=Decimal("17.50"))

    cart = shopper.cart()

    assert cart["currency"] == "USD"
    assert cart["subtotal"] == "115.00"
    lines = {line["product_id"]: line for line in cart["items"]}
    assert lines[str(lamp.id)] == {
        "item_id": lines[str(lamp.id)]["item_id"],
        "product_id": str(lamp.id),
        "name": "Brass lamp (large)",
        "unit_price": "17.50",
        "quantity": 2,
        "line_total": "35.00",
        "seller_id": str(lamp.seller_id),
        "available": True,
    }
    assert lines[str(rug.id)]["unit_price"] == "80.00"


def test_reading_the_cart_asks_the_catalogue_once_for_all_lines(shopper, catalogue):
    seller = uuid.uuid4()
    products = [catalogue.add(seller_id=seller) for _ in range(5)]
    for product in products:
        shopper.add(product.id)
    catalogue.calls.clear()

    shopper.cart()

    assert len(catalogue.calls) == 1
    assert set(catalogue.calls[0]) == {p.id for p in products}


def test_an_empty_cart_needs_no_call_to_the_catalogue(shopper, catalogue):
    cart = shopper.cart()
    assert cart == {"items": [], "subtotal": "0.00", "currency": "USD"}
    assert catalogue.calls == []


def test_a_disabled_product_stays_in_the_cart_but_leaves_the_subtotal(shopper, catalogue):
    lamp = catalogue.add(price="10.00")
    rug = catalogue.add(price="5.00")
    shopper.add(lamp.id, 3)
    shopper.add(rug.id, 1)
    catalogue.change(lamp.id, active=False)

    cart = shopper.cart()

    line = next(i for i in cart["items"] if i["product_id"] == str(lamp.id))
    assert line["available"] is False
    assert line["line_total"] is None
    assert line["quantity"] == 3
    assert cart["subtotal"] == "5.00"


def test_a_product_gone_from_the_catalogue_keeps_its_name_and_is_unavailable(shopper, catalogue):
    lamp = catalogue.add(name="Brass lamp")
    shopper.add(lamp.id)
    catalogue.forget(lamp.id)

    [line] = shopper.cart()["items"]

    assert line["name"] == "Brass lamp"
    assert line["available"] is False
    assert line["unit_price"] is None
    assert line["seller_id"] == str(lamp.seller_id)


def test_adding_the_same_product_again_adds_to_its_one_line(shopper, catalogue, app):
    lamp = catalogue.add()
    first = shopper.add(lamp.id, 2).json["item_id"]
    second = shopper.add(lamp.id, 3).json["item_id"]

    assert first == second
    [line] = shopper.cart()["items"]
    assert line["quantity"] == 5


def test_quantity_outside_1_to_99_is_refused(shopper, catalogue):
    lamp = catalogue.add()
    for quantity in (0, -1, 100, 2.5, "3", True, None):
        answer = shopper.add(lamp.id, quantity)
        assert answer.status_code == 400, quantity
        assert "quantity" in answer.json["details"]["fields"]
    assert shopper.cart()["items"] == []


def test_quantity_defaults_to_one(shopper, catalogue):
    lamp = catalogue.add()
    answer = shopper.client.post(
        "/api/cart", json={"product_id": str(lamp.id)}, headers=shopper.headers
    )
    assert answer.status_code == 201
    assert shopper.cart()["items"][0]["quantity"] == 1


def test_adding_more_that_would_pass_99_in_total_is_refused(shopper, catalogue, stock):
    lamp = catalogue.add()
    stock.levels[lamp.id] = 1000
    assert shopper.add(lamp.id, 60).status_code == 201

    answer = shopper.add(lamp.id, 40)

    assert answer.status_code == 400
    assert answer.json["code"] == "quantity_limit"
    assert answer.json["details"]["in_cart"] == 60
    assert shopper.cart()["items"][0]["quantity"] == 60


def test_a_malformed_product_id_is_a_validation_error(shopper):
    answer = shopper.add("not-a-uuid")
    assert answer.status_code == 400
    assert "product_id" in answer.json["details"]["fields"]


def test_an_unknown_product_is_not_found(shopper):
    answer = shopper.add(uuid.uuid4())
    assert answer.status_code == 404
    assert answer.json["code"] == "product_not_found"


def test_a_disabled_product_cannot_be_added(shopper, catalogue):
    lamp = catalogue.add(active=False)
    assert shopper.add(lamp.id).status_code == 404
    assert shopper.cart()["items"] == []


def test_more_than_the_available_stock_is_a_conflict(shopper, catalogue, stock):
    lamp = catalogue.add()
    stock.levels[lamp.id] = 3
    assert shopper.add(lamp.id, 2).status_code == 201

    answer = shopper.add(lamp.id, 2)

    assert answer.status_code == 409
    assert answer.json["code"] == "insufficient_stock"
    assert answer.json["details"] == {"product_id": str(lamp.id), "requested": 4, "available": 3}
    assert shopper.cart()["items"][0]["quantity"] == 2


def test_a_product_without_a_stock_row_counts_as_sold_out(shopper, catalogue, app, monkeypatch):
    lamp = catalogue.add()
    monkeypatch.setattr(clients_of(app, Clients).inventory, "available", lambda ids: {})
    answer = shopper.add(lamp.id)
    assert answer.status_code == 409
    assert answer.json["code"] == "insufficient_stock"


def test_a_fourth_shop_is_refused_and_nothing_changes(shopper, catalogue):
    shops = [catalogue.add() for _ in range(3)]
    for product in shops:
        assert shopper.add(product.id).status_code == 201
    fourth = catalogue.add()

    answer = shopper.add(fourth.id)

    assert answer.status_code == 409
    assert answer.json["code"] == "too_many_shops"
    assert answer.json["details"] == {"max_shops": 3, "shops_in_cart": 3}
    assert {i["product_id"] for i in shopper.cart()["items"]} == {str(p.id) for p in shops}


def test_more_products_from_shops_already_in_the_cart_are_fine(shopper, catalogue):
    sellers = [uuid.uuid4() for _ in range(3)]
    for seller in sellers:
        assert shopper.add(catalogue.add(seller_id=seller).id).status_code == 201
    for seller in sellers:
        assert shopper.add(catalogue.add(seller_id=seller).id).status_code == 201
    assert len(shopper.cart()["items"]) == 6


def test_removing_a_shops_last_item_frees_its_place(shopper, catalogue):
    first = catalogue.add()
    item_id = shopper.add(first.id).json["item_id"]
    for _ in range(2):
        shopper.add(catalogue.add().id)
    shopper.delete(item_id)
    assert shopper.add(catalogue.add().id).status_code == 201


def test_the_shop_limit_is_a_setting(make_service_app, catalogue, stock, tokens):
    from services.cart.app import create_app

    app = make_service_app(create_app, SOUK_MAX_SHOPS="1")
    use_clients(app, Clients(catalogue, stock))
    client = app.test_client()
    headers = tokens.headers("customer")

    def add(product_id: uuid.UUID) -> int:
        body = {"product_id": str(product_id), "quantity": 1}
        return client.post("/api/cart", json=body, headers=headers).status_code

    assert add(catalogue.add().id) == 201
    assert add(catalogue.add().id) == 409


def test_another_users_cart_is_separate(make_shopper, catalogue):
    ada, bob = make_shopper(), make_shopper()
    ada.add(catalogue.add().id)
    assert bob.cart()["items"] == []


def test_every_role_may_hold_a_cart(make_shopper, catalogue):
    for role in ("customer", "seller", "courier", "admin"):
        assert make_shopper(role).add(catalogue.add().id).status_code == 201


def test_the_cart_needs_a_signed_in_user(client, catalogue):
    assert client.get("/api/cart").status_code == 401
    answer = client.post("/api/cart", json={"product_id": str(catalogue.add().id)})
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"
    assert client.delete("/api/cart").status_code == 401
    assert client.patch(f"/api/cart/{uuid.uuid4()}", json={"quantity": 1}).status_code == 401


def test_adding_records_an_add_to_cart_event(shopper, catalogue, app):
    lamp = catalogue.add()
    shopper.add(lamp.id, 2)
    with app.app_context(), database().new_session() as session:
        events = session.scalars(
            select(OutboxMessage).where(OutboxMessage.destination == "activity")
        ).all()
    [event] = [e for e in events if e.payload["product_id"] == str(lamp.id)]
    assert event.path == "/events"
    assert event.payload["type"] == "add_to_cart"
    assert event.payload["user_id"] == shopper.user_id
    assert event.payload["metadata"]["quantity"] == 2


def test_a_refused_add_records_no_event_and_no_line(shopper, catalogue, stock, app):
    lamp = catalogue.add()
    stock.levels[lamp.id] = 0
    assert shopper.add(lamp.id).status_code == 409
    with app.app_context(), database().new_session() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
        assert session.scalars(select(CartItem)).all() == []


def test_the_catalogue_being_down_is_a_503_not_a_500(shopper, catalogue, app, monkeypatch):
    from souk_kit.errors import DependencyError

    lamp = catalogue.add()
    shopper.add(lamp.id)

    def down(_ids):
        raise DependencyError(details={"service": "products"})

    monkeypatch.setattr(clients_of(app, Clients).products, "batch", down)
    answer = shopper.client.get("/api/cart", headers=shopper.headers)
    assert answer.status_code == 503
    assert answer.json["code"] == "dependency_unavailable"


def test_a_trailing_slash_reaches_the_cart(shopper, catalogue):
    lamp = catalogue.add()
    answer = shopper.client.post(
        "/api/cart/", json={"product_id": str(lamp.id), "quantity": 1}, headers=shopper.headers
    )
    assert answer.status_code == 201
    assert shopper.client.get("/api/cart/", headers=shopper.headers).status_code == 200
