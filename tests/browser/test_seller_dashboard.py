"""The seller's dashboard in a real browser: figures that match the orders placed, a product
added with a picture, stock edited from a low-stock alert, an offer that the storefront shows,
and the orders exported as CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.shop_data import (
    add_product,
    buy,
    new_customer_login,
    new_shop_login,
    picture,
    word,
)
from tests.conftest import PASSWORD, GatewaySession, wait_until

pytestmark = pytest.mark.e2e


def row(page: Page, table: str, name: str):
    return (
        page.get_by_role("table", name=table)
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=name, exact=True))
    )


def test_a_seller_runs_their_shop_from_the_dashboard(
    page: Page, browser: Browser, base_url: str, gateway: GatewaySession, admin: dict[str, str]
) -> None:
    shop = f"Tidewater {word()}"
    email, seller, _ = new_shop_login(gateway, admin, shop)
    lamp, rug = f"Tide lamp {word()}", f"Tide rug {word()}"
    lamp_id = add_product(gateway, seller, lamp, price="10.00", stock=10, category="lighting")
    rug_id = add_product(gateway, seller, rug, price="25.00", stock=4)
    _, buyer = new_customer_login(gateway)
    buy(gateway, buyer, lamp_id, rug_id)
    buy(gateway, buyer, lamp_id)
    wait_until(
        lambda: (
            [
                a["product_id"]
                for a in gateway.get("/api/inventory/alerts", headers=seller).json()["items"]
            ]
            == [rug_id]
        ),
        10,
        "the rug's low-stock alert",
    )

    # Signing in through the dashboard's own form.
    page.goto("/seller")
    expect(page).to_have_url(re.compile(r"/seller/signin$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # The figures are those of the two orders: 10 + 25, then 10.
    expect(page.locator(".tile", has_text="Orders today")).to_contain_text("2")
    expect(page.locator(".tile", has_text="Sales today")).to_contain_text("$45.00")
    expect(page.locator(".tile", has_text="Revenue this month")).to_contain_text("$45.00")
    expect(page.locator(".tile", has_text="Low-stock products")).to_contain_text("1")
    month = page.evaluate("new Date().toLocaleString('en', { month: 'short' })")
    expect(row(page, "Revenue by month", month)).to_contain_text("$45.00")
    by_quantity = page.get_by_role("region", name="Most sold by quantity").get_by_role("row")
    expect(by_quantity.nth(1)).to_contain_text(re.compile(rf"{lamp}\s*2\s*\$20\.00\s*2"))
    by_revenue = page.get_by_role("region", name="Most sold by revenue").get_by_role("row")
    expect(by_revenue.nth(1)).to_contain_text(re.compile(rf"{rug}\s*1\s*\$25\.00\s*1"))
    expect(page.get_by_role("figure", name=re.compile("Revenue by month"))).to_be_visible()
    expect(page.locator(".recharts-bar-rectangle").first).to_be_visible()
    # Pointing at a bar opens its tooltip, which must be as readable as the rest of the page.
    page.locator(".recharts-bar-rectangle").first.hover()
    expect(page.locator(".recharts-tooltip-item").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "seller-dashboard")

    # A new product, then a picture: a text file is refused in words, a PNG is shown.
    page.get_by_role("navigation", name="Seller").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="Add a product").click()
    kettle = f"Tide kettle {word()}"
    form = page.get_by_role("form", name="New product")
    form.get_by_label("Name").fill(kettle)
    form.get_by_label("Price").fill("32.50")
    form.get_by_label("Category").fill("kitchen")
    form.get_by_label("Opening stock").fill("6")
    form.get_by_role("button", name="Add product").click()
    expect(page.get_by_role("heading", name=kettle)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(re.compile("Product added"))
    chooser = page.get_by_label(re.compile("Choose a picture"))
    chooser.set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile("JPEG|PNG|image", re.I))
    chooser.set_input_files(
        {"name": "kettle.png", "mimeType": "image/png", "buffer": picture("#3b5bb5")}
    )
    expect(page.get_by_alt_text("The chosen picture, not uploaded yet")).to_be_visible()
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").filter(has_text="Picture added.")).to_be_visible()
    expect(page.get_by_alt_text(f"Picture of {kettle}")).to_be_visible()
    mine = gateway.get("/api/products/mine", headers=seller).json()["items"]
    added = next(p for p in mine if p["name"] == kettle)
    assert (
        added["price"] == "32.50" and added["category"] == "kitchen" and len(added["images"]) == 1
    )

    # Stock from the low-stock alert: the rug goes from 3 available to 30 on hand.
    page.get_by_role("navigation", name="Seller").get_by_role("link", name="Stock").click()
    alerts = page.get_by_role("table", name="Low-stock alerts")
    expect(alerts.get_by_role("rowheader", name=re.compile(rug))).to_be_visible()
    alerts.get_by_role("button", name=f"Edit stock of {rug}").click()
    stock_form = page.get_by_role("form", name=f"Stock of {rug}")
    stock_form.get_by_label("Stock on hand").fill("30")
    stock_form.get_by_label("Reason").fill("Delivery from the weavers")
    stock_form.get_by_role("button", name="Save").click()
    expect(page.get_by_text("No product is at or under its low-stock threshold.")).to_be_visible()
    expect(row(page, "Stock of every product", rug)).to_contain_text(re.compile(r"30\s*0\s*30\s*5"))
    page.get_by_role("button", name=f"Movements of {rug}").first.click()
    ledger = page.get_by_role("table", name=f"Stock movements of {rug}")
    expect(ledger).to_contain_text("Delivery from the weavers")
    expect(ledger).to_contain_text("3 → 30")
    levels = gateway.get(f"/api/inventory/{rug_id}", headers=seller).json()
    assert (levels["stock"], levels["low_stock"]) == (30, False)

    # An offer on the lamp, which the storefront then shows.
    page.get_by_role("navigation", name="Seller").get_by_role("link", name="Offers").click()
    offer = page.get_by_role("form", name="New offer")
    offer.get_by_label("Product").select_option(label=f"{lamp} ($10.00)")
    offer.get_by_role("textbox", name="Percent off").fill("20")
    offer.get_by_role("button", name="Create offer").click()
    expect(page.get_by_role("status").filter(has_text="Offer created.")).to_be_visible()
    expect(page.get_by_role("list", name="Offers running or scheduled")).to_contain_text("20% off")
    wait_until(
        lambda: gateway.get(f"/api/products/{lamp_id}").json()["effective_price"] == "8.00",
        10,
        "the offer in the visitors' copy",
        every=0.2,
    )
    shopper = browser.new_page(base_url=base_url)
    shopper.goto(f"/products/{lamp_id}")
    expect(shopper.get_by_role("heading", name=lamp)).to_be_visible()
    expect(shopper.locator(".product-price")).to_contain_text("$8.00")
    shopper.close()

    # The orders, and the same list as CSV.
    page.get_by_role("navigation", name="Seller").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("table", name="Your shop's orders").get_by_role("row")).to_have_count(3)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert sorted(order["total"] for order in exported) == ["10.00", "35.00"]
    assert {order["status"] for order in exported} == {"paid"}
    assert any(rug in order["items"] for order in exported)
