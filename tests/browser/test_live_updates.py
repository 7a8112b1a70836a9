"""Live updates in the browser: an open order page follows its parcel, and a product page its
stock, from the live stream rather than by asking again."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import open_signed_in, screenshot, tokens_for
from tests.browser.shop_data import add_product, buy, new_customer_login, new_shop, word
from tests.conftest import new_staff
from tests.test_delivery import place_order, shipment_of

pytestmark = pytest.mark.e2e

# Longer than the order page's polling interval (ORDER_POLL_MS, 3 s) when the stream is down.
POLL_WINDOW_MS = 3_500


def test_an_open_order_page_follows_its_parcel_live_and_does_not_poll(
    page: Page, base_url, gateway, admin
):
    seller, _ = new_shop(gateway, admin, f"Live Shop {word()}")
    product = add_product(gateway, seller, f"Kettle {word()}", price="30.00")
    courier, _ = new_staff(gateway, admin, "courier", "Live Courier", zone="north")
    email, buyer = new_customer_login(gateway)
    order_id = place_order(gateway, buyer, product)["order_id"]
    reads: list[float] = []

    def count_order_reads(request: Request) -> None:
        if request.url.endswith(f"/api/orders/{order_id}"):
            reads.append(time.monotonic())

    page.on("request", count_order_reads)
    with page.expect_response(lambda r: "/api/activity/stream" in r.url) as stream:
        open_signed_in(page, f"{base_url}/orders/{order_id}", tokens_for(gateway, email))
    assert stream.value.status == 200
    status = page.get_by_label("Order status")
    expect(status).to_have_text("Paid")

    read_so_far = len(reads)
    page.wait_for_timeout(POLL_WINDOW_MS)
    assert len(reads) == read_so_far, "the page polled while its live stream was open"

    shipment = shipment_of(gateway, buyer, order_id)
    picked = gateway.post(f"/api/shipping/shipments/{shipment['id']}/pickup", headers=courier)
    assert picked.status_code == 200, picked.text
    expect(status).to_have_text("Picked up", timeout=2_000)
    screenshot(page, "order-live-picked-up")


def test_a_product_page_shows_its_stock_falling_as_others_buy(page: Page, base_url, gateway, admin):
    seller, _ = new_shop(gateway, admin, f"Stock Shop {word()}")
    product = add_product(gateway, seller, f"Lantern {word()}", price="12.00", stock=10)
    with page.expect_response(lambda r: "/api/activity/stream" in r.url):
        page.goto(f"{base_url}/products/{product}")
    stock = page.get_by_text("In stock:")
    expect(stock).to_have_text("In stock: 10")

    _, other_buyer = new_customer_login(gateway)
    buy(gateway, other_buyer, product)
    expect(stock).to_have_text("In stock: 9", timeout=2_000)
