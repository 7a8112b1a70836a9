"""The whole shopper's journey in one browser session, every step through the pages."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.shop_data import add_product, new_shop, word
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_a_new_shopper_fills_a_cart_from_three_shops_and_checks_out(
    page: Page, base_url, gateway, admin
):
    unique = word()
    shops = [
        f"{name} {unique[:5]}"
        for name in ("Olive Grove", "Copper Pot", "Linen Loft", "Fourth Shop")
    ]
    products = [
        add_product(gateway, new_shop(gateway, admin, shop)[0], f"Gift {n} {unique}", price="12.50")
        for n, shop in enumerate(shops)
    ]

    page.goto(f"{base_url}/products/{products[0]}")
    page.get_by_role("link", name="Sign in to buy").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name").fill("Jamal Journey")
    page.get_by_label("Email").fill(f"journey-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    # Signing up brings the shopper back to the product they wanted.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Gift 0 {unique}")

    for number, product in enumerate(products[:3]):
        if number:
            page.goto(f"{base_url}/products/{product}")
        expect(page.get_by_text(f"Sold by {shops[number]}")).to_be_visible()
        page.get_by_role("button", name="Add to cart").click()
        expect(page.get_by_text("Added to your cart.")).to_be_visible()

    page.goto(f"{base_url}/products/{products[3]}")
    expect(page.get_by_role("note")).to_contain_text("a cart can hold at most 3 shops")
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)

    page.get_by_role("note").get_by_role("link", name="your cart").click()
    for shop in shops[:3]:
        expect(page.get_by_role("region", name=shop)).to_be_visible()
    expect(page.locator(".cart-subtotal")).to_have_text("Subtotal $37.50")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Address line 1").fill("9 Market Square")
    page.get_by_label("City").fill("Coimbra")
    page.get_by_label("Country").fill("Portugal")
    expect(
        page.get_by_role("radiogroup", name="Delivery method").locator(".method-cost")
    ).to_be_visible()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text("Thank you — your order is paid.")).to_be_visible()
    expect(page.get_by_label("Order status")).to_have_text("Paid")
    for number in range(3):
        expect(page.get_by_role("link", name=f"Gift {number} {unique}")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("list", name="Orders").get_by_role("listitem")).to_have_count(1)
