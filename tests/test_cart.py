"""The cart through the gateway: a customer's journey, the three-shop rule, stock and
ownership, lines whose product leaves the catalogue, and checkout emptying the cart."""

import uuid
from decimal import Decimal

import pytest

from tests.conftest import (
    GatewaySession,
    new_customer,
    new_product,
    new_staff,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def shops(gateway: GatewaySession, admin: dict[str, str]) -> list[dict[str, str]]:
    """Four sellers, each signed in."""
    return [
        new_staff(gateway, admin, "seller", f"Shop keeper {n}", shop_name=f"Cart shop {n}")[0]
        for n in range(4)
    ]


def add(gateway: GatewaySession, buyer: dict[str, str], product_id: str, quantity: int = 1):
    return gateway.post(
        "/api/cart", json={"product_id": product_id, "quantity": quantity}, headers=buyer
    )


def cart(gateway: GatewaySession, buyer: dict[str, str]) -> dict:
    answer = gateway.get("/api/cart", headers=buyer)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_customer_fills_changes_and_empties_a_cart(gateway, shops):
    buyer = new_customer(gateway)
    lamp = new_product(gateway, shops[0], price="19.99")
    rug = new_product(gateway, shops[1], price="5.50")

    first = add(gateway, buyer, lamp, 2)
    again = add(gateway, buyer, lamp, 1)
    add(gateway, buyer, rug, 1)

    assert first.status_code == 201
    assert first.json()["message"] == "Item added to cart"
    assert again.json()["item_id"] == first.json()["item_id"]
    held = cart(gateway, buyer)
    lines = {line["product_id"]: line for line in held["items"]}
    assert lines[lamp]["quantity"] == 3
    assert lines[lamp]["unit_price"] == "19.99"
    assert lines[lamp]["line_total"] == "59.97"
    assert lines[lamp]["available"] is True
    assert held["subtotal"] == "65.47"
    assert held["currency"] == "USD"

    item_id = lines[lamp]["item_id"]
    changed = gateway.patch(f"/api/cart/{item_id}", json={"quantity": 1}, headers=buyer)
    assert changed.status_code == 200
    assert cart(gateway, buyer)["subtotal"] == "25.49"

    removed = gateway.delete(f"/api/cart/{item_id}", headers=buyer)
    assert removed.json() == {"message": "Item removed from cart"}
    assert [line["product_id"] for line in cart(gateway, buyer)["items"]] == [rug]

    assert gateway.delete("/api/cart", headers=buyer).status_code == 200
    assert cart(gateway, buyer)["items"] == []


def test_a_fourth_shop_is_refused_until_a_shop_leaves_the_cart(gateway, shops):
    buyer = new_customer(gateway)
    products = [new_product(gateway, seller) for seller in shops]
    for product_id in products[:3]:
        assert add(gateway, buyer, product_id).status_code == 201

    refused = add(gateway, buyer, products[3])

    assert refused.status_code == 409
    assert refused.json()["code"] == "too_many_shops"
    assert set(refused.json()) == {"error", "code", "details"}
    assert len(cart(gateway, buyer)["items"]) == 3
    # Another product of a shop already in the cart is still welcome.
    assert add(gateway, buyer, new_product(gateway, shops[0])).status_code == 201

    first_shop_lines = [
        line["item_id"]
        for line in cart(gateway, buyer)["items"]
        if line["product_id"] != products[1] and line["product_id"] != products[2]
    ]
    for item_id in first_shop_lines:
        gateway.delete(f"/api/cart/{item_id}", headers=buyer)
    assert add(gateway, buyer, products[3]).status_code == 201


def test_quantity_and_stock_limits(gateway, shops):
    buyer = new_customer(gateway)
    lamp = new_product(gateway, shops[0], stock=3)

    assert add(gateway, buyer, lamp, 0).status_code == 400
    assert add(gateway, buyer, lamp, 100).status_code == 400
    short = add(gateway, buyer, lamp, 4)
    assert short.status_code == 409
    assert short.json()["code"] == "insufficient_stock"
    assert add(gateway, buyer, lamp, 3).status_code == 201
    assert add(gateway, buyer, lamp, 1).status_code == 409


def test_unknown_products_other_peoples_items_and_strangers_are_refused(gateway, shops):
    buyer, other = new_customer(gateway), new_customer(gateway)
    assert add(gateway, buyer, str(uuid.uuid4())).status_code == 404
    item_id = add(gateway, buyer, new_product(gateway, shops[0])).json()["item_id"]

    assert (
        gateway.patch(f"/api/cart/{item_id}", json={"quantity": 5}, headers=other).status_code
        == 404
    )
    assert gateway.delete(f"/api/cart/{item_id}", headers=other).status_code == 404
    assert gateway.delete("/api/cart/not-an-id", headers=buyer).status_code == 404
    assert cart(gateway, other)["items"] == []
    assert gateway.get("/api/cart").status_code == 401


def test_a_disabled_product_stays_in_the_cart_as_unavailable(gateway, shops, admin):
    buyer = new_customer(gateway)
    lamp = new_product(gateway, shops[0], price="10.00")
    rug = new_product(gateway, shops[1], price="4.00")
    add(gateway, buyer, lamp, 2)
    add(gateway, buyer, rug, 1)

    assert gateway.put(f"/api/products/{lamp}/disable", headers=admin).status_code == 200

    held = cart(gateway, buyer)
    line = next(i for i in held["items"] if i["product_id"] == lamp)
    assert line["available"] is False
    assert held["subtotal"] == "4.00"
    assert add(gateway, buyer, lamp).status_code == 404


def test_checking_out_empties_the_cart(gateway, shops):
    buyer = new_customer(gateway)
    lamp = new_product(gateway, shops[0], price="12.00")
    add(gateway, buyer, lamp, 2)

    order = gateway.post("/api/orders", json={}, headers=buyer)

    assert order.status_code == 201, order.text
    assert Decimal(order.json()["total"]) >= Decimal("24.00")
    assert cart(gateway, buyer)["items"] == []  # at once: the order's answer came after it


def test_the_cart_internal_routes_are_not_public(gateway):
    assert gateway.get(f"/internal/cart/carts/{uuid.uuid4()}").status_code == 404
