"""The inbox in the browser: an order's news arrives while the page is open (from the live
stream), the header counts what is unread, and the buyer chooses what they are told."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, open_signed_in, screenshot, tokens_for
from tests.browser.shop_data import (
    add_product,
    new_customer_login,
    new_shop,
    new_shop_login,
    word,
)
from tests.conftest import new_staff
from tests.test_delivery import place_order, shipment_of

pytestmark = pytest.mark.e2e


def test_a_buyer_reads_their_orders_news_as_it_happens(page: Page, base_url, gateway, admin):
    seller, _ = new_shop(gateway, admin, f"Inbox Shop {word()}")
    product = add_product(gateway, seller, f"Teapot {word()}", price="18.00")
    courier, _ = new_staff(gateway, admin, "courier", "Inbox Courier", zone="north")
    email, buyer = new_customer_login(gateway)
    order_id = place_order(gateway, buyer, product)["order_id"]
    ref = f"Order {order_id[:8]}"

    with page.expect_response(lambda r: "/api/activity/stream" in r.url):
        open_signed_in(page, f"{base_url}/notifications", tokens_for(gateway, email))
    items = page.get_by_role("list", name="Notifications").get_by_role("listitem")
    expect(items.first).to_contain_text(f"{ref} is placed")
    header = page.get_by_role("navigation", name="Main")
    expect(header.get_by_role("link", name="Notifications 1 unread")).to_be_visible()

    shipment = shipment_of(gateway, buyer, order_id)
    picked = gateway.post(f"/api/shipping/shipments/{shipment['id']}/pickup", headers=courier)
    assert picked.status_code == 200, picked.text
    expect(items.first).to_contain_text(f"{ref} is on its way", timeout=3_000)  # no reload
    expect(items).to_have_count(2)
    expect(page.get_by_text("2 unread.")).to_be_visible()
    screenshot(page, "notifications-unread")
    assert_accessible(page)

    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("All read.")).to_be_visible()
    expect(header.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    email_off = page.get_by_label(re.compile(r"^Order delivered: by e-mail$"))
    expect(email_off).to_be_checked()
    with page.expect_response(lambda r: "/preferences/order_delivered" in r.url) as chosen:
        email_off.click()
    assert chosen.value.status == 200
    expect(email_off).not_to_be_checked()
    choices = gateway.get("/api/notifications/preferences", headers=buyer).json()["items"]
    delivered = next(c for c in choices if c["kind"] == "order_delivered")
    assert (delivered["inbox"], delivered["email"]) == (True, False)

    # The title links to the order's page.
    items.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order_id}$"))


def test_a_seller_finds_their_new_orders_in_the_inbox_from_the_dashboard(
    page: Page, base_url, gateway, admin
):
    email, seller, _ = new_shop_login(gateway, admin, f"Inbox Shop {word()}")
    product = add_product(gateway, seller, f"Mug {word()}", price="9.00")
    _, buyer = new_customer_login(gateway)
    order_id = place_order(gateway, buyer, product)["order_id"]

    open_signed_in(page, f"{base_url}/seller", tokens_for(gateway, email))
    page.get_by_role("navigation", name="Seller").get_by_role("link", name="Notifications").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    items = page.get_by_role("list", name="Notifications").get_by_role("listitem")
    expect(items.first).to_contain_text(f"New order: Order {order_id[:8]}")
    expect(page.get_by_label("New order for your shop: by e-mail")).to_be_checked()
