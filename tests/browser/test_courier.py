"""The courier app on a phone: sign in, pick up (and lose the race), deliver, while the
shopper's open order page follows each step."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE, assert_accessible, open_signed_in, screenshot, tokens_for
from tests.browser.shop_data import add_product, new_customer_login, new_shop, word
from tests.conftest import PASSWORD, GatewaySession

pytestmark = pytest.mark.e2e

# The shop's order page asks every 3 s; a step shows within two of its polls.
FOLLOWS = 10_000


@pytest.fixture(scope="module")
def zone(gateway: GatewaySession) -> str:
    """The last zone: the fewest other tests' parcels, and ours come first (newest)."""
    return gateway.get("/api/shipping/methods").json()["zones"][-1]["code"]


def new_courier(gateway, admin, zone: str, name: str = "Yusuf Rider") -> str:
    email = f"courier-{uuid.uuid4().hex[:10]}@example.com"
    created = gateway.post(
        "/api/auth/users",
        json={"email": email, "password": PASSWORD, "name": name, "role": "courier", "zone": zone},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return email


def paid_order(gateway, admin, zone: str) -> tuple[str, str, str]:
    """A fresh paid order to `zone`: (shopper's e-mail, order id, tracking number)."""
    seller, _ = new_shop(gateway, admin, f"Courier Shop {word()}")
    product = add_product(gateway, seller, f"Parcel item {word()}", price="14.00")
    email, buyer = new_customer_login(gateway)
    added = gateway.post("/api/cart", json={"product_id": product, "quantity": 1}, headers=buyer)
    assert added.status_code == 201, added.text
    address = {
        "name": "Sara Home",
        "line1": "4 Olive Lane",
        "city": "Faro",
        "country": "PT",
        "zone": zone,
    }
    placed = gateway.post("/api/orders", json={"shipping_address": address}, headers=buyer)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    shipment = gateway.get(f"/api/orders/{order_id}", headers=buyer).json()["shipment"]
    return email, order_id, shipment["tracking_number"]


@pytest.fixture
def phone(browser: Browser, base_url: str):
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_phone() -> Page:
        context = browser.new_context(
            viewport=PHONE, base_url=base_url, is_mobile=True, has_touch=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_phone
    for context in contexts:
        context.close()
    assert not errors, f"the page threw: {errors}"


def sign_in(page: Page, email: str) -> None:
    page.goto("/courier")
    expect(page).to_have_url(re.compile(r"/courier/signin$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Pending parcels")).to_be_visible()


def test_a_courier_delivers_while_the_shopper_watches(
    page: Page, phone, gateway, admin, zone, base_url
):
    shopper_email, order_id, number = paid_order(gateway, admin, zone)
    courier_email = new_courier(gateway, admin, zone)

    open_signed_in(page, f"{base_url}/orders/{order_id}", tokens_for(gateway, shopper_email))
    status = page.get_by_label("Order status")
    expect(status).to_have_text("Paid")

    courier = phone()
    sign_in(courier, courier_email)
    expect(courier.get_by_role("banner")).to_contain_text(f"Zone {zone}")
    card = courier.get_by_role("listitem", name=f"Parcel {number}")
    expect(card).to_contain_text(f"Zone {zone}")
    assert_accessible(courier)
    screenshot(courier, "courier-pending")
    card.get_by_role("button", name="Pick up").click()
    expect(
        courier.get_by_role("status").filter(has_text=f"Parcel {number} is yours")
    ).to_be_visible()
    expect(card).to_have_count(0)
    expect(status).to_have_text("Picked up", timeout=FOLLOWS)

    courier.get_by_role("navigation", name="Courier").get_by_role(
        "link", name="My deliveries"
    ).click()
    carried = courier.get_by_role("listitem", name=f"Parcel {number}")
    expect(carried).to_contain_text("4 Olive Lane, Faro")
    carried.get_by_role("button", name="Out for delivery").click()
    expect(carried.locator(".status-pill")).to_have_text("Out for delivery")
    expect(status).to_have_text("Out for delivery", timeout=FOLLOWS)
    assert_accessible(courier)
    screenshot(courier, "courier-deliveries")

    carried.get_by_role("button", name="Delivered").click()
    carried.get_by_role("button", name="Yes, delivered").click()
    expect(carried).to_have_count(0)
    expect(status).to_have_text("Delivered", timeout=FOLLOWS)
    expect(page.get_by_role("list", name="Progress").locator(".step.current")).to_contain_text(
        "Delivered"
    )

    courier.get_by_role("link", name="Today").click()
    expect(courier.get_by_role("listitem", name=f"Parcel {number}")).to_be_visible()
    expect(courier.get_by_text("parcel delivered today", exact=False)).to_be_visible()
    assert_accessible(courier)


def test_a_parcel_another_courier_took_says_so_and_goes(phone, gateway, admin, zone):
    _, _, number = paid_order(gateway, admin, zone)
    first = new_courier(gateway, admin, zone, "First Rider")
    second = new_courier(gateway, admin, zone, "Second Rider")

    courier = phone()
    sign_in(courier, second)
    card = courier.get_by_role("listitem", name=f"Parcel {number}")
    expect(card).to_be_visible()

    with GatewaySession(gateway.base_url) as api:
        headers = {"Authorization": f"Bearer {tokens_for(api, first)['access_token']}"}
        pool = api.get(
            f"/api/shipping/shipments?status=pending&zone={zone}", headers=headers
        ).json()
        parcel = next(item for item in pool["items"] if item["tracking_number"] == number)
        taken = api.post(f"/api/shipping/shipments/{parcel['id']}/pickup", headers=headers)
        assert taken.status_code == 200, taken.text

    card.get_by_role("button", name="Pick up").click()
    expect(courier.get_by_role("alert")).to_have_text(
        f"Another courier has already picked up parcel {number}."
    )
    expect(card).to_have_count(0)


def test_a_customer_is_told_the_app_is_for_couriers(phone, gateway):
    email, _ = new_customer_login(gateway)
    page = phone()
    page.goto("/courier/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="This app is for Souk couriers")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Souk couriers")).to_be_visible()
