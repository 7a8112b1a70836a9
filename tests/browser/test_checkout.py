"""A shopper's cart, checkout, orders and tracking in the browser."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, open_signed_in, screenshot, tokens_for
from tests.browser.shop_data import add_product, buy, new_customer_login, new_shop, word

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def three_shop_cart(gateway, admin):
    """A shopper whose cart holds items of three shops: (email, headers, shop names, names)."""
    unique = word()
    names = [f"{shop} {unique[:5]}" for shop in ("Amber Loom", "Cedar Press", "Saffron Co")]
    products = []
    for number, shop_name in enumerate(names):
        seller, _ = new_shop(gateway, admin, shop_name)
        products.append(
            add_product(gateway, seller, f"Item {number} {unique}", price=f"{10 * (number + 1)}.00")
        )
    email, buyer = new_customer_login(gateway, name="Rania Buyer")
    for product in products:
        added = gateway.post(
            "/api/cart", json={"product_id": product, "quantity": 1}, headers=buyer
        )
        assert added.status_code == 201, added.text
    return email, buyer, names, [f"Item {n} {unique}" for n in range(3)]


def fill_address(page: Page) -> None:
    page.get_by_label("Full name").fill("Rania Buyer")
    page.get_by_label("Address line 1").fill("7 Harbour Road")
    page.get_by_label("City").fill("Lisbon")
    page.get_by_label("Country").fill("Portugal")


def test_a_shopper_checks_out_a_cart_from_three_shops(
    page: Page, base_url, gateway, three_shop_cart
):
    email, buyer, shops, items = three_shop_cart
    page.set_viewport_size(DESKTOP)
    open_signed_in(page, base_url + "/cart", tokens_for(gateway, email))
    for shop, item in zip(shops, items, strict=True):
        expect(page.get_by_role("region", name=shop).get_by_role("link", name=item)).to_be_visible()
    expect(page.get_by_text("3 of 3 shops")).to_be_visible()
    expect(page.get_by_text("at most 3 shops", exact=False)).to_be_visible()
    expect(page.locator(".cart-subtotal")).to_have_text("Subtotal $60.00")
    page.get_by_role("button", name=f"One more {items[0]}").click()
    expect(page.locator(".cart-subtotal")).to_have_text("Subtotal $70.00")
    assert_accessible(page)
    screenshot(page, "storefront-cart")

    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    fill_address(page)
    methods = page.get_by_role("radiogroup", name="Delivery method")
    methods.get_by_role("radio").last.check()
    method = methods.get_by_role("radio").last.get_attribute("value")
    zone = page.get_by_label("Delivery zone").input_value()
    cart = gateway.get("/api/cart", headers=buyer).json()
    quote = gateway.post(
        "/api/shipping/quote",
        json={
            "items": [
                {"product_id": line["product_id"], "quantity": line["quantity"]}
                for line in cart["items"]
            ],
            "method": method,
            "zone": zone,
        },
    ).json()
    summary = page.get_by_role("complementary", name="Order summary")
    expect(methods.locator(".method-cost")).to_have_text(f"${Decimal(quote['cost']):.2f}")
    expect(summary.locator(".total")).to_have_text(
        f"${Decimal('70.00') + Decimal(quote['cost']):.2f}"
    )
    assert_accessible(page)
    screenshot(page, "storefront-checkout")

    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you — your order is paid.")).to_be_visible()
    expect(page.get_by_label("Order status")).to_have_text("Paid")
    order_id = page.url.rsplit("/", 1)[1]
    order = gateway.get(f"/api/orders/{order_id}", headers=buyer).json()
    assert order["status"] == "paid" and order["shipping_method"] == method
    assert order["shipping_address"]["city"] == "Lisbon"
    expect(
        page.get_by_text(f"Tracking number: {order['shipment']['tracking_number']}")
    ).to_be_visible()
    expect(page.locator(".order-page .total")).to_have_text(f"${Decimal(order['total']):.2f}")
    assert_accessible(page)
    screenshot(page, "storefront-order")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cart").click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()


def test_a_declined_card_is_told_in_words_and_the_cart_is_kept(
    page: Page, base_url, gateway, three_shop_cart
):
    email, buyer, *_ = three_shop_cart
    open_signed_in(page, base_url + "/checkout", tokens_for(gateway, email))
    fill_address(page)
    page.get_by_label("Card token").fill("tok_declined")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined")
    expect(page.get_by_role("alert")).to_contain_text("Your cart is kept; try another card.")
    expect(page).to_have_url(f"{base_url}/checkout")
    assert len(gateway.get("/api/cart", headers=buyer).json()["items"]) == 3

    # Another card is a new attempt, and goes through.
    page.get_by_label("Card token").fill("tok_visa")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_label("Order status")).to_have_text("Paid")
    statuses = [
        order["status"] for order in gateway.get("/api/orders", headers=buyer).json()["items"]
    ]
    assert sorted(statuses) == ["failed", "paid"]


def test_the_address_the_api_refuses_is_marked_by_its_field(
    page: Page, base_url, gateway, three_shop_cart
):
    email, *_ = three_shop_cart
    open_signed_in(page, base_url + "/checkout", tokens_for(gateway, email))
    fill_address(page)
    page.get_by_label("Phone").fill("call me maybe")
    page.get_by_role("button", name="Place order").click()
    phone = page.locator(".field", has=page.get_by_label("Phone"))
    expect(phone.locator(".field-error")).to_have_text("Not in the expected format")
    expect(page).to_have_url(f"{base_url}/checkout")


def test_orders_are_listed_and_a_paid_one_cancelled(page: Page, base_url, gateway, admin):
    seller, _ = new_shop(gateway, admin, f"Cancel Shop {word()}")
    product = add_product(gateway, seller, f"Vase {word()}", price="25.00")
    email, buyer = new_customer_login(gateway)
    order = buy(gateway, buyer, product)
    open_signed_in(page, base_url + "/orders", tokens_for(gateway, email))
    listed = page.get_by_role("list", name="Orders").get_by_role("listitem")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Paid")
    listed.get_by_role("link").click()
    expect(page).to_have_url(f"{base_url}/orders/{order['order_id']}")
    page.get_by_role("button", name="Cancel order").click()
    page.get_by_role("button", name="Yes, cancel the order").click()
    expect(page.get_by_label("Order status")).to_have_text("Cancelled")
    expect(page.get_by_text("Order canceled and refunded")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    assert (
        gateway.get(f"/api/orders/{order['order_id']}", headers=buyer).json()["status"]
        == "cancelled"
    )


def test_a_parcel_is_tracked_by_its_number(page: Page, base_url, gateway, admin):
    seller, _ = new_shop(gateway, admin, f"Track Shop {word()}")
    product = add_product(gateway, seller, f"Bowl {word()}", price="15.00")
    _, buyer = new_customer_login(gateway)
    order = buy(gateway, buyer, product)
    number = gateway.get(f"/api/orders/{order['order_id']}", headers=buyer).json()["shipment"][
        "tracking_number"
    ]

    page.goto(base_url + "/track")
    page.get_by_label("Tracking number").fill(number)
    page.get_by_role("button", name="Track").click()
    parcel = page.get_by_role("region", name=f"Parcel {number}")
    expect(parcel).to_contain_text("Status: Pending")
    expect(parcel.get_by_role("list", name="Progress").locator(".step.current")).to_contain_text(
        "Pending"
    )
    assert_accessible(page)

    page.get_by_label("Tracking number").fill(f"SK-{uuid.uuid4().hex[:10].upper()}")
    page.get_by_role("button", name="Track").click()
    expect(page.get_by_role("alert")).to_have_text(
        "No parcel with this tracking number. Check the number in your order."
    )
