import uuid


def test_patching_a_quantity_answers_the_updated_line(shopper, catalogue):
    lamp = catalogue.add(price="4.50")
    item_id = shopper.add(lamp.id, 1).json["item_id"]

    answer = shopper.patch(item_id, 4)

    assert answer.status_code == 200
    assert answer.json["quantity"] == 4
    assert answer.json["line_total"] == "18.00"
    assert shopper.cart()["items"][0]["quantity"] == 4


def test_patching_to_zero_removes_the_item(shopper, catalogue):
    item_id = shopper.add(catalogue.add().id, 2).json["item_id"]

    answer = shopper.patch(item_id, 0)

    assert answer.status_code == 200
    assert answer.json == {"message": "Item removed from cart"}
    assert shopper.cart()["items"] == []


def test_raising_a_quantity_past_the_stock_is_a_conflict(shopper, catalogue, stock):
    lamp = catalogue.add()
    stock.levels[lamp.id] = 5
    item_id = shopper.add(lamp.id, 2).json["item_id"]

    answer = shopper.patch(item_id, 6)

    assert answer.status_code == 409
    assert answer.json["code"] == "insufficient_stock"
    assert shopper.cart()["items"][0]["quantity"] == 2


def test_lowering_a_quantity_is_allowed_even_when_stock_fell_below_it(shopper, catalogue, stock):
    lamp = catalogue.add()
    item_id = shopper.add(lamp.id, 5).json["item_id"]
    stock.levels[lamp.id] = 1
    assert shopper.patch(item_id, 3).status_code == 200


def test_a_disabled_product_can_be_lowered_but_not_raised(shopper, catalogue):
    lamp = catalogue.add()
    item_id = shopper.add(lamp.id, 3).json["item_id"]
    catalogue.change(lamp.id, active=False)

    raised = shopper.patch(item_id, 4)
    lowered = shopper.patch(item_id, 2)

    assert raised.status_code == 409
    assert raised.json["code"] == "product_unavailable"
    assert lowered.status_code == 200
    assert lowered.json["available"] is False


def test_patch_quantity_must_be_an_integer_from_0_to_99(shopper, catalogue):
    item_id = shopper.add(catalogue.add().id).json["item_id"]
    for quantity in (-1, 100, 1.5, "2", None):
        answer = shopper.patch(item_id, quantity)
        assert answer.status_code == 400, quantity
        assert "quantity" in answer.json["details"]["fields"]
    missing = shopper.client.patch(f"/api/cart/{item_id}", json={}, headers=shopper.headers)
    assert missing.status_code == 400


def test_deleting_an_item_answers_the_api_message(shopper, catalogue):
    item_id = shopper.add(catalogue.add().id).json["item_id"]
    answer = shopper.delete(item_id)
    assert answer.status_code == 200
    assert answer.json == {"message": "Item removed from cart"}
    assert shopper.cart()["items"] == []
    assert shopper.delete(item_id).status_code == 404


def test_another_users_item_is_not_found_for_every_verb(make_shopper, catalogue):
    ada, eve = make_shopper(), make_shopper()
    item_id = ada.add(catalogue.add().id, 2).json["item_id"]

    for answer in (eve.patch(item_id, 5), eve.patch(item_id, 0), eve.delete(item_id)):
        assert answer.status_code == 404
        assert answer.json["code"] == "item_not_found"
    assert ada.cart()["items"][0]["quantity"] == 2


def test_malformed_and_unknown_item_ids_are_not_found(shopper):
    assert shopper.patch("not-an-id", 1).status_code == 404
    assert shopper.delete("12345").status_code == 404
    assert shopper.patch(str(uuid.uuid4()), 1).status_code == 404


def test_emptying_the_cart_removes_only_the_callers_lines(make_shopper, catalogue):
    ada, bob = make_shopper(), make_shopper()
    for _ in range(3):
        ada.add(catalogue.add().id)
    bob.add(catalogue.add().id)

    answer = ada.client.delete("/api/cart", headers=ada.headers)

    assert answer.status_code == 200
    assert answer.json == {"message": "Cart emptied"}
    assert ada.cart()["items"] == []
    assert len(bob.cart()["items"]) == 1


def test_emptying_an_empty_cart_is_fine(shopper):
    assert shopper.client.delete("/api/cart", headers=shopper.headers).status_code == 200
