"""Shoppers' accounts in the browser: sign up, sign in and out, profile, addresses, password,
and a review after buying."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, open_signed_in, tokens_for
from tests.browser.shop_data import add_product, buy, new_customer_login, new_shop, word
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def header(page: Page):
    return page.get_by_role("navigation", name="Main")


def sign_in_through_the_form(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_shopper_signs_up_signs_out_and_signs_in_again(page: Page, base_url):
    email = f"new-{uuid.uuid4().hex[:10]}@example.com"
    page.goto(base_url + "/signup")
    assert_accessible(page)
    page.get_by_label("Name").fill("Nadia Haddad")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    password_field = page.locator(".field", has=page.get_by_label("Password"))
    expect(password_field.locator(".field-error")).to_contain_text("at least 8 characters")
    expect(page).to_have_url(f"{base_url}/signup")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(header(page).get_by_role("link", name="Account")).to_be_visible()
    expect(page).to_have_url(f"{base_url}/")

    header(page).get_by_role("button", name="Sign out").click()
    expect(header(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(header(page).get_by_role("link", name="Account")).to_have_count(0)

    header(page).get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    sign_in_through_the_form(page, email, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    sign_in_through_the_form(page, email, PASSWORD)
    expect(header(page).get_by_role("link", name="Account")).to_be_visible()


def test_signing_in_from_a_page_returns_to_it(page: Page, base_url, gateway):
    email, _ = new_customer_login(gateway)
    page.goto(base_url + "/account")
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    sign_in_through_the_form(page, email, PASSWORD)
    expect(page).to_have_url(f"{base_url}/account")
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_profile_addresses_and_password_are_kept(page: Page, base_url, gateway):
    email, _ = new_customer_login(gateway, name="Omar Before")
    open_signed_in(page, base_url + "/account", tokens_for(gateway, email))
    profile = page.get_by_role("form", name="Profile")
    profile.get_by_label("Name").fill("Omar After")
    profile.get_by_label("Phone").fill("+351 912 345 678")
    profile.get_by_role("button", name="Save profile").click()
    expect(profile.get_by_text("Profile saved.")).to_be_visible()

    new_address = page.get_by_role("form", name="Add an address")
    new_address.get_by_label("Label").fill("Home")
    new_address.get_by_label("Address line 1").fill("12 Rua das Flores")
    new_address.get_by_label("City").fill("Porto")
    new_address.get_by_label("Country").fill("Portugal")
    new_address.get_by_role("button", name="Add address").click()
    addresses = page.get_by_role("region", name="Addresses")
    expect(addresses.locator("address")).to_have_text(["Home: 12 Rua das Flores, Porto, Portugal"])
    new_address.get_by_label("Address line 1").fill("3 Avenida Central")
    new_address.get_by_label("City").fill("Braga")
    new_address.get_by_label("Country").fill("Portugal")
    new_address.get_by_role("button", name="Add address").click()
    expect(addresses.locator("address")).to_have_count(2)
    assert_accessible(page)

    page.reload()
    expect(profile.get_by_label("Name")).to_have_value("Omar After")
    expect(profile.get_by_label("Phone")).to_have_value("+351 912 345 678")
    expect(addresses.locator("address")).to_have_count(2)
    addresses.get_by_role("button", name="Remove the address Home").click()
    expect(addresses.locator("address")).to_have_text(["3 Avenida Central, Braga, Portugal"])
    page.reload()
    expect(addresses.locator("address")).to_have_text(["3 Avenida Central, Braga, Portugal"])

    password = page.get_by_role("form", name="Change password")
    password.get_by_label("Current password").fill("wrong-password-here")
    password.get_by_label("New password").fill("a-brand-new-password")
    password.get_by_role("button", name="Change password").click()
    expect(password.get_by_role("alert")).to_be_visible()
    password.get_by_label("Current password").fill(PASSWORD)
    password.get_by_role("button", name="Change password").click()
    expect(password.get_by_text("Password changed.")).to_be_visible()
    old = gateway.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert old.status_code == 401
    tokens_for(gateway, email, "a-brand-new-password")


def test_a_buyer_reviews_a_product_once(page: Page, base_url, gateway, admin):
    seller, _ = new_shop(gateway, admin, f"Review Shop {word()}")
    product = add_product(gateway, seller, f"Teapot {word()}", price="18.00")
    email, buyer = new_customer_login(gateway, name="Lina Reviewer")
    buy(gateway, buyer, product)

    open_signed_in(page, f"{base_url}/products/{product}", tokens_for(gateway, email))
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews.get_by_text("No reviews yet.")).to_be_visible()
    form = page.get_by_role("form", name="Write a review")
    form.get_by_label("Rating").select_option("4")
    form.get_by_label("Your review").fill("Pours without a drip.")
    form.get_by_role("button", name="Post review").click()
    review = reviews.locator(".review")
    expect(review).to_have_count(1)
    expect(review).to_contain_text("Pours without a drip.")
    expect(review).to_contain_text("Lina Reviewer")
    expect(review.get_by_text("Verified purchase")).to_be_visible()
    expect(reviews.get_by_role("img", name="Rated 4.0 out of 5 from 1 review")).to_be_visible()
    assert_accessible(page)

    form.get_by_label("Your review").fill("Reviewing it twice.")
    form.get_by_role("button", name="Post review").click()
    expect(form.get_by_role("alert")).to_contain_text("already")
    expect(review).to_have_count(1)
