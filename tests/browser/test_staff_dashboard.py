"""The staff dashboard in a real browser: register a shop and a courier, disable a product so
that it leaves the storefront, move an order, see a courier's parcel on the board, publish a
banner on the storefront's home; and other roles are refused, by the page and by the API."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, open_signed_in, screenshot, tokens_for
from tests.browser.shop_data import add_product, buy, new_customer_login, new_shop_login, word
from tests.conftest import PASSWORD, GatewaySession, Stack, new_staff, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def staff_tokens(gateway: GatewaySession, stack: Stack) -> dict:
    return tokens_for(gateway, stack.admin_email, stack.admin_password)


def home_once_listed(
    browser: Browser, base_url: str, gateway: GatewaySession, path: str, field: str, value: str
) -> Page:
    """A visitor's home page, opened once the gateway's copy of `path` (cached for visitors up
    to 3 s) lists an item whose `field` is `value`."""
    wait_until(
        lambda: value in {item[field] for item in gateway.get(path).json()["items"]},
        5,
        f"{value} in the visitors' copy of {path}",
        every=0.2,
    )
    visitor = browser.new_page(base_url=base_url)
    visitor.goto("/")
    return visitor


def go(page: Page, link: str) -> None:
    page.get_by_role("navigation", name="Staff").get_by_role("link", name=link).click()


def test_staff_register_a_shop_and_a_courier_and_disable_one(
    page: Page, gateway: GatewaySession, staff_tokens: dict, admin: dict[str, str]
) -> None:
    open_signed_in(page, "/staff", staff_tokens)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_role("table", name="Orders by status")).to_contain_text("Paid")
    expect(page.get_by_role("table", name="The activity funnel")).to_contain_text("Orders placed")
    assert_accessible(page)
    screenshot(page, "staff-overview")

    go(page, "Users")
    shop, shop_email = f"Harbour {word()}", f"harbour-{uuid.uuid4().hex[:8]}@example.com"
    form = page.get_by_role("form", name="Register a shop or courier")
    form.get_by_label("Account for").select_option(label="A shop (seller)")
    form.get_by_role("textbox", name="Name", exact=True).fill("Nadia Harbour")
    form.get_by_label("Email").fill(shop_email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_label("Shop name").fill(shop)
    form.get_by_role("button", name="Register").click()
    expect(form.get_by_role("status")).to_have_text(f"Registered {shop_email}.")

    rider_email = f"rider-{uuid.uuid4().hex[:8]}@example.com"
    form.get_by_label("Account for").select_option(label="A courier")
    form.get_by_role("textbox", name="Name", exact=True).fill("Omar Rider")
    form.get_by_label("Email").fill(shop_email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_label("Zone").fill("central")
    form.get_by_role("button", name="Register").click()
    expect(form.get_by_role("alert")).to_contain_text(re.compile("already", re.I))  # the API's word
    form.get_by_label("Email").fill(rider_email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Register").click()
    expect(form.get_by_role("status")).to_have_text(f"Registered {rider_email}.")

    page.get_by_role("searchbox", name="Name or email").fill(shop_email)
    users = page.get_by_role("table", name="Users")
    expect(users.get_by_role("row")).to_have_count(2)
    expect(users).to_contain_text(shop)
    expect(page.get_by_label(f"Role of {shop_email}")).to_have_value("seller")
    assert (
        gateway.post(
            "/api/auth/login", json={"email": shop_email, "password": PASSWORD}
        ).status_code
        == 200
    )

    page.get_by_role("searchbox", name="Name or email").fill(rider_email)
    expect(users).to_contain_text("central")
    page.get_by_role("button", name=f"Disable {rider_email}").click()
    expect(users).to_contain_text("Disabled")
    refused = gateway.post("/api/auth/login", json={"email": rider_email, "password": PASSWORD})
    assert refused.status_code in (401, 403)
    page.get_by_role("button", name=f"Enable {rider_email}").click()
    expect(users).to_contain_text("Active")
    assert (
        gateway.post(
            "/api/auth/login", json={"email": rider_email, "password": PASSWORD}
        ).status_code
        == 200
    )


def test_staff_disable_a_product_and_it_leaves_the_storefront(
    page: Page,
    browser: Browser,
    base_url: str,
    gateway: GatewaySession,
    staff_tokens: dict,
    admin: dict[str, str],
) -> None:
    _, seller, _ = new_shop_login(gateway, admin, f"Fakes {word()}")
    marker = word()
    name = f"Designer watch {marker}"
    product_id = add_product(gateway, seller, name, price="15.00")
    wait_until(lambda: gateway.get(f"/api/products/{product_id}").status_code == 200, 10, "listed")

    open_signed_in(page, "/staff/products", staff_tokens)
    page.get_by_role("searchbox", name="Find products").fill(marker)
    page.get_by_role("button", name=f"Disable {name}…").click()
    disable = page.get_by_role("form", name=f"Disable {name}")
    disable.get_by_label("Reason").fill("Counterfeit brand")
    disable.get_by_role("button", name="Disable").click()
    disabled = page.get_by_role("table", name="Disabled products")
    expect(disabled.get_by_role("row").filter(has_text=name)).to_contain_text("Counterfeit brand")
    expect(page.get_by_text("No listed product matches.")).to_be_visible()
    screenshot(page, "staff-moderation")

    # Gone from the storefront within the gateway's 2 s window, for visitors too.
    wait_until(
        lambda: gateway.get(f"/api/products/{product_id}").status_code == 404,
        3,
        "the 404",
        every=0.2,
    )
    visitor = browser.new_page(base_url=base_url)
    visitor.goto(f"/products/{product_id}")
    expect(visitor.get_by_role("alert")).to_contain_text(re.compile("No such product", re.I))
    visitor.goto(f"/search?q={marker}")
    expect(
        visitor.get_by_text(re.compile("No products match|Nothing matches", re.I))
    ).to_be_visible()
    visitor.close()
    # Its seller cannot put it back.
    again = gateway.put(f"/api/products/{product_id}/enable", headers=seller)
    assert again.status_code == 403 and "Counterfeit brand" in again.json()["error"]


def test_staff_move_an_order_and_see_the_courier_carrying_one(
    page: Page, gateway: GatewaySession, staff_tokens: dict, admin: dict[str, str]
) -> None:
    shop = f"Movers {word()}"
    _, seller, _ = new_shop_login(gateway, admin, shop)
    product_id = add_product(gateway, seller, f"Crate {word()}", price="12.00", stock=10)
    buyer_email, buyer = new_customer_login(gateway)
    moved = buy(gateway, buyer, product_id)["order_id"]
    carried = buy(gateway, buyer, product_id)["order_id"]
    rider_name = f"Rider {word()}"
    zone = gateway.get(f"/api/orders/{carried}", headers=buyer).json()["shipment"]
    courier, _ = new_staff(gateway, admin, "courier", rider_name, zone="central")
    picked = gateway.post(f"/api/shipping/shipments/{zone['id']}/pickup", headers=courier)
    assert picked.status_code == 200, picked.text

    open_signed_in(page, "/staff/orders", staff_tokens)
    page.get_by_label("Shop").select_option(label=shop)
    orders = page.get_by_role("table", name="Every order")
    expect(orders.get_by_role("row")).to_have_count(3)
    customer = page.get_by_role("searchbox", name="Customer email")
    customer.fill(f"nobody-{word()}@example.com")
    expect(page.get_by_text("No customer has this email")).to_be_visible()
    customer.fill(buyer_email)
    expect(orders.get_by_role("row")).to_have_count(3)
    short = moved[:8]
    page.get_by_role("button", name=f"Mark order {short} picked up").click()
    expect(orders.get_by_role("row").filter(has_text=short)).to_contain_text("Picked up")
    assert gateway.get(f"/api/orders/{moved}", headers=buyer).json()["status"] == "picked_up"
    page.get_by_label("Status").select_option(label="Picked up")
    expect(orders.get_by_role("row")).to_have_count(
        3
    )  # both: one moved by hand, one by its courier

    go(page, "Couriers")
    board = page.get_by_role("table", name="Couriers board")
    rider_row = board.get_by_role("row").filter(has_text=rider_name)
    expect(rider_row).to_contain_text(f"{zone['tracking_number']} · Picked up")
    expect(rider_row).to_contain_text("central")
    screenshot(page, "staff-couriers")


def test_staff_publish_a_banner_that_the_home_page_shows(
    page: Page, browser: Browser, base_url: str, gateway: GatewaySession, staff_tokens: dict
) -> None:
    title = f"Spring market {word()}"
    open_signed_in(page, "/staff/content", staff_tokens)
    form = page.get_by_role("form", name="New banner")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Text").fill("Forty shops, one cart")
    form.get_by_label("Link").fill("javascript:alert(1)")
    form.get_by_role("button", name="Save banner").click()
    expect(form.get_by_text("Not in the expected format")).to_be_visible()
    form.get_by_label("Link").fill("/search?on_offer=true")
    form.get_by_role("button", name="Save banner").click()
    expect(form.get_by_role("status")).to_have_text("Banner saved.")
    expect(
        page.get_by_role("table", name="Banners").get_by_role("row").filter(has_text=title)
    ).to_contain_text("Published")
    screenshot(page, "staff-content")

    visitor = home_once_listed(browser, base_url, gateway, "/api/products/banners", "title", title)
    banner = (
        visitor.get_by_role("region", name="News from Souk")
        .get_by_role("article")
        .filter(has_text=title)
    )
    expect(banner).to_contain_text("Forty shops, one cart")
    banner.get_by_role("link", name="Find out more").click()
    expect(visitor).to_have_url(re.compile(r"/search\?on_offer=true$"))
    visitor.close()


@pytest.mark.parametrize("role", ["customer", "seller"])
def test_other_roles_get_not_allowed_from_the_page_and_the_api(
    page: Page, gateway: GatewaySession, admin: dict[str, str], role: str
) -> None:
    if role == "customer":
        email, _ = new_customer_login(gateway)
    else:
        email, _, _ = new_shop_login(gateway, admin, f"Curious {word()}")
    tokens = tokens_for(gateway, email)
    open_signed_in(page, "/staff/users", tokens)
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"signed in as {email}, a {role}")
    expect(page.get_by_role("alert")).to_have_text("Your role may not do this")
    answer = gateway.get(
        "/api/orders/analytics/summary",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert answer.status_code == 403
    assert_accessible(page)
    if role == "customer":
        page.goto("/seller")
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_staff_publish_a_page_that_every_shop_page_links(
    page: Page, browser: Browser, base_url: str, gateway: GatewaySession, staff_tokens: dict
) -> None:
    slug, title = f"returns-{word()}", f"Returns {word()}"
    open_signed_in(page, "/staff/content", staff_tokens)
    editor = page.get_by_role("form", name="New page")
    editor.get_by_label("Address").fill("Not An Address")
    editor.get_by_label("Page title").fill(title)
    editor.get_by_role("button", name="Save page").click()
    expect(editor.get_by_text("Not in the expected format")).to_be_visible()
    editor.get_by_label("Address").fill(slug)
    editor.get_by_label(re.compile("^Text")).fill(
        "Send it back within 30 days.\n\nWe refund it the day it arrives."
    )
    editor.get_by_role("button", name="Save page").click()
    expect(page.get_by_role("list", name="Pages")).to_contain_text(title)

    visitor = home_once_listed(browser, base_url, gateway, "/api/products/pages", "slug", slug)
    visitor.get_by_role("navigation", name="About Souk").get_by_role("link", name=title).click()
    expect(visitor).to_have_url(re.compile(rf"/pages/{slug}$"))
    expect(visitor.get_by_role("heading", name=title)).to_be_visible()
    expect(visitor.locator(".content-page p")).to_have_text(
        ["Send it back within 30 days.", "We refund it the day it arrives."]
    )
    visitor.close()

    page.get_by_role("button", name=f"Delete {title}").click()
    page.get_by_role("button", name=f"Delete {title} for good").click()
    expect(page.get_by_role("list", name="Pages")).not_to_be_visible()
    assert (
        gateway.get(
            f"/api/products/pages/{slug}", headers={"Cache-Control": "no-cache"}
        ).status_code
        == 404
    )
