"""Take the README's screenshots from a running stack with the demo shop (`make up`).

    .venv/bin/python docs/screenshots/take.py [http://localhost:8080]

It shops as the demo customer (three shops' items into the cart, one order placed and paid)
and picks that parcel up as the demo courier, so run it on a demo stack, not a real shop.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import requests
from playwright.sync_api import Page, expect, sync_playwright

from launcher.programs import ensure_chromium
from launcher.settings import REPO_ROOT

HERE = Path(__file__).parent
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def logins() -> dict[str, dict[str, str]]:
    saved = json.loads((REPO_ROOT / "var" / "secrets" / "demo_logins.json").read_text())
    return {login["role"]: login for login in saved}


def tokens(base: str, login: dict[str, str]) -> dict[str, str]:
    answer = requests.post(f"{base}/api/auth/login", json=login, timeout=10)
    answer.raise_for_status()
    tokens: dict[str, str] = answer.json()
    return tokens


def signed_in(page: Page, session: dict[str, str]) -> None:
    page.add_init_script(f"localStorage.setItem('souk.session', {json.dumps(json.dumps(session))})")


def shoot(page: Page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(HERE / f"{name}.png"), full_page=True)
    print(f"wrote {name}.png")


def fill_cart(base: str, session: dict[str, str]) -> None:
    """One product of each of three shops, offers first."""
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    requests.delete(f"{base}/api/cart", headers=bearer, timeout=10)
    products = requests.get(f"{base}/api/products?per_page=100&in_stock=true", timeout=10).json()
    chosen: dict[str, str] = {}
    for product in sorted(products["items"], key=lambda p: p["effective_price"] == p["price"]):
        chosen.setdefault(product["seller_id"], product["id"])
    for product_id in list(chosen.values())[:3]:
        added = requests.post(
            f"{base}/api/cart",
            json={"product_id": product_id, "quantity": 1},
            headers=bearer,
            timeout=10,
        )
        added.raise_for_status()


def main(base: str) -> None:
    users = logins()
    customer = tokens(base, users["customer"])
    courier = tokens(base, users["courier"])
    fill_cart(base, customer)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(ensure_chromium()))

        visitor = browser.new_context(viewport=DESKTOP, base_url=base).new_page()
        visitor.goto("/")
        expect(visitor.get_by_role("list", name="Offers")).to_be_visible()
        visitor.wait_for_load_state("networkidle")
        shoot(visitor, "storefront-home")
        visitor.goto("/search?category=home&sort=price")
        expect(visitor.get_by_role("list", name="Results")).to_be_visible()
        visitor.wait_for_load_state("networkidle")
        shoot(visitor, "storefront-search")
        visitor.get_by_role("list", name="Results").get_by_role("link").first.click()
        expect(visitor.get_by_role("region", name="Reviews")).to_be_visible()
        visitor.wait_for_load_state("networkidle")
        shoot(visitor, "storefront-product")

        phone_home = browser.new_context(viewport=PHONE, base_url=base, is_mobile=True).new_page()
        phone_home.goto("/")
        expect(phone_home.get_by_role("list", name="New in")).to_be_visible()
        phone_home.wait_for_load_state("networkidle")
        shoot(phone_home, "storefront-home-phone")

        shopper = browser.new_context(viewport=DESKTOP, base_url=base).new_page()
        signed_in(shopper, customer)
        shopper.goto("/cart")
        expect(shopper.get_by_text("3 of 3 shops")).to_be_visible()
        shoot(shopper, "storefront-cart")
        shopper.get_by_role("link", name="Checkout").click()
        shopper.get_by_label("Address line 1").fill("12 Rua das Flores")
        shopper.get_by_label("City").fill("Porto")
        shopper.get_by_label("Country").fill("Portugal")
        expect(shopper.locator(".method-cost")).to_be_visible()
        shoot(shopper, "storefront-checkout")
        shopper.get_by_role("button", name="Place order").click()
        expect(shopper.get_by_label("Order status")).to_have_text("Paid")
        shoot(shopper, "storefront-order")

        rider = browser.new_context(viewport=PHONE, base_url=base, is_mobile=True).new_page()
        signed_in(rider, courier)
        rider.goto("/courier")
        pick_up = rider.get_by_role("button", name="Pick up").first
        expect(pick_up).to_be_visible()
        shoot(rider, "courier-pending")
        pick_up.click()
        rider.get_by_role("link", name="My deliveries").click()
        expect(rider.locator("address").first).to_be_visible()
        shoot(rider, "courier-deliveries")

        owner = browser.new_context(viewport=DESKTOP, base_url=base).new_page()
        signed_in(owner, tokens(base, users["seller"]))
        owner.goto("/seller")
        expect(owner.get_by_role("table", name="Revenue by month")).to_be_visible()
        expect(owner.locator(".recharts-bar-rectangle").first).to_be_visible()
        shoot(owner, "seller-dashboard")
        owner.goto("/seller/stock")
        expect(owner.get_by_role("table", name="Stock of every product")).to_be_visible()
        shoot(owner, "seller-stock")

        staff = browser.new_context(viewport=DESKTOP, base_url=base).new_page()
        password = (REPO_ROOT / "var" / "secrets" / "admin_password").read_text().strip()
        admin_email = os.environ.get("SOUK_ADMIN_EMAIL", "admin@souk.local")
        signed_in(staff, tokens(base, {"email": admin_email, "password": password}))
        staff.goto("/staff")
        expect(staff.get_by_role("table", name="The activity funnel")).to_be_visible()
        expect(staff.locator(".recharts-bar-rectangle").first).to_be_visible()
        shoot(staff, "staff-overview")
        staff.goto("/staff/couriers")
        expect(staff.get_by_role("table", name="Couriers board")).to_contain_text("Picked up")
        shoot(staff, "staff-couriers")
        staff.goto("/staff/content")
        expect(staff.get_by_role("table", name="Banners")).to_be_visible()
        shoot(staff, "staff-content")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080")
