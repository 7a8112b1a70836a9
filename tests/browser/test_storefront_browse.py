"""A visitor browses the storefront: home, search with filters, sort and pages, a product."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, assert_accessible, open_signed_in, screenshot, tokens_for
from tests.browser.shop_data import (
    COLOURS,
    add_product,
    anonymous_list_caught_up,
    new_customer_login,
    new_shop,
    wait_listed,
    word,
)
from tests.conftest import wait_until

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
# The home page's offers shelf asks exactly this.
OFFERS = "/api/products?on_offer=true&sort=newest&per_page=8"


@pytest.fixture(scope="module")
def catalogue(gateway, admin):
    """Two shops' products sharing a word no other test uses."""
    unique = word()
    lamps = f"Lamps {unique}"
    atlas, _ = new_shop(gateway, admin, f"Atlas Lights {unique[:4]}")
    bazaar, _ = new_shop(gateway, admin, f"Blue Bazaar {unique[:4]}")
    products = {
        "desk": add_product(
            gateway,
            atlas,
            f"Desk lamp {unique}",
            price="12.00",
            category=lamps,
            image=COLOURS[0],
            description="A brass desk lamp.",
        ),
        "floor": add_product(
            gateway,
            atlas,
            f"Floor lamp {unique}",
            price="38.00",
            category=lamps,
            image=COLOURS[1],
            stock=7,
        ),
        "pendant": add_product(
            gateway,
            bazaar,
            f"Pendant lamp {unique}",
            price="25.00",
            category=lamps,
            stock=0,
            image=COLOURS[2],
        ),
        "lantern": add_product(
            gateway, bazaar, f"Lantern {unique}", price="22.00", category=lamps, image=COLOURS[3]
        ),
        "rug": add_product(
            gateway,
            bazaar,
            f"Wool rug {unique}",
            price="30.00",
            category=f"Rugs {unique}",
            image=COLOURS[4],
        ),
    }
    for number in range(14):
        products[f"tile{number}"] = add_product(
            gateway,
            atlas,
            f"Tile {unique} no {number:02d}",
            price=f"{3 + number}.00",
            category=f"Tiles {unique}",
        )
    offer = gateway.post(
        f"/api/products/{products['floor']}/offers", json={"percent_off": 10}, headers=atlas
    )
    assert offer.status_code == 201, offer.text
    wait_listed(gateway, f"q={unique}", 19)
    floor_lamp = f"/api/products?q=Floor+lamp+{unique}"
    wait_until(
        lambda: gateway.get(floor_lamp).json()["items"][0]["effective_price"] == "34.20",
        10,
        "the offer in the anonymous list",
        every=0.2,
    )
    return {"word": unique, "lamps": lamps, "atlas": f"Atlas Lights {unique[:4]}", **products}


def result_names(page: Page):
    return page.get_by_role("list", name="Results").locator(".product-name")


def test_a_visitor_searches_filters_sorts_and_opens_a_product(page: Page, base_url, catalogue):
    unique = catalogue["word"]
    page.set_viewport_size(DESKTOP)
    page.goto(base_url + "/")
    page.get_by_role("search").get_by_label("Search products").fill(f"lamp {unique}")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “lamp {unique}”")
    expect(page.get_by_text("3 results")).to_be_visible()  # desk, floor, pendant lamps

    # A category link (the home page's, the product page's) opens the search on it.
    page.goto(f"{base_url}/search?category={catalogue['lamps']}")
    filters = page.get_by_role("form", name="Filters")
    expect(filters.get_by_label("Category")).to_have_value(catalogue["lamps"])
    expect(page.get_by_text("4 results")).to_be_visible()
    filters.get_by_label("Words").fill(unique)
    filters.get_by_label("Min price").fill("10")
    filters.get_by_label("Max price").fill("40")
    filters.get_by_label("In stock only").check()
    filters.get_by_role("button", name="Apply filters").click()
    # The pendant is out of stock, the rug of another category, the tiles too cheap.
    expect(page.get_by_text("3 results")).to_be_visible()
    page.get_by_label("Sort by").select_option("-price")
    expect(result_names(page)).to_have_text(
        [f"Floor lamp {unique}", f"Lantern {unique}", f"Desk lamp {unique}"]
    )
    assert "sort=-price" in page.url and "in_stock=true" in page.url
    assert_accessible(page)
    screenshot(page, "storefront-search")

    # The filters live in the address: going back restores the list before sorting.
    page.go_back()
    expect(result_names(page)).to_have_count(3)
    expect(page.get_by_label("Sort by")).to_have_value("newest")

    page.get_by_role("link", name=f"Floor lamp {unique}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Floor lamp {unique}")
    expect(page.get_by_text(f"Sold by {catalogue['atlas']}")).to_be_visible()
    price = page.locator(".product-price")
    expect(price).to_contain_text("$34.20")
    expect(price.locator("s")).to_contain_text("$38.00")
    expect(price).to_contain_text("−10%")
    expect(page.get_by_text("In stock: 7")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in to buy")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "storefront-product")


def test_results_come_in_pages(page: Page, base_url, catalogue):
    unique = catalogue["word"]
    page.goto(f"{base_url}/search?q=Tile+{unique}&sort=price")
    expect(page.get_by_text("14 results")).to_be_visible()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    expect(result_names(page)).to_have_count(12)
    expect(result_names(page).first).to_have_text(f"Tile {unique} no 00")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(result_names(page)).to_have_text([f"Tile {unique} no 12", f"Tile {unique} no 13"])
    assert "page=2" in page.url


def test_a_search_that_finds_nothing_or_is_refused_says_so(page: Page, base_url, catalogue):
    page.goto(f"{base_url}/search?q={catalogue['word']}-nothing")
    expect(page.get_by_text("No products match these filters")).to_be_visible()
    page.goto(f"{base_url}/search?min_price=50&max_price=5")
    expect(page.get_by_role("alert")).to_contain_text("min_price must not be above max_price")


def test_the_home_page_shows_categories_offers_and_new_products(
    page: Page, base_url, gateway, admin, catalogue
):
    page.set_viewport_size(DESKTOP)
    # What the API lists now; other tests add products too.
    offers = anonymous_list_caught_up(gateway, OFFERS, admin)
    newest = anonymous_list_caught_up(gateway, "/api/products?sort=newest&per_page=8", admin)
    biggest = anonymous_list_caught_up(gateway, "/api/products/categories", admin)[0]
    assert any(product["id"] == catalogue["floor"] for product in offers)
    page.goto(base_url + "/")

    shelf = page.get_by_role("list", name="Offers")
    expect(shelf.locator(".product-name")).to_have_text([product["name"] for product in offers])
    expect(shelf.locator(".price.on-offer")).to_have_count(len(offers))
    expect(page.get_by_role("list", name="New in").locator(".product-name")).to_have_text(
        [product["name"] for product in newest]
    )
    assert_accessible(page)
    screenshot(page, "storefront-home")

    page.get_by_role("link", name=f"{biggest['name']} ({biggest['count']})").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(biggest["name"])
    expect(page.get_by_text(f"{biggest['count']} results")).to_be_visible()


def test_the_storefront_fits_a_phone(browser: Browser, base_url, catalogue):
    context = browser.new_context(viewport=PHONE, base_url=base_url)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Souk", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
    screenshot(page, "storefront-home-phone")
    context.close()


def test_an_unknown_product_says_it_is_unavailable(page: Page, base_url):
    page.goto(base_url + "/products/00000000-0000-0000-0000-000000000000")
    expect(page.get_by_role("heading", level=1)).to_have_text("Product unavailable")
    expect(page.get_by_role("alert")).not_to_contain_text("{")


def test_a_shopper_adds_to_the_cart_and_is_told_of_the_three_shop_rule_first(
    page: Page, base_url, gateway, admin
):
    unique = word()
    shops = [
        new_shop(gateway, admin, f"{name} {unique[:4]}")[0]
        for name in ("Anka", "Biru", "Cedr", "Dara")
    ]
    products = [
        add_product(gateway, shop, f"Mug {unique} {n}", price="9.00")
        for n, shop in enumerate(shops)
    ]
    email, buyer = new_customer_login(gateway)
    open_signed_in(page, f"{base_url}/products/{products[0]}", tokens_for(gateway, email))
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_label("2 items")).to_be_visible()
    for product in products[1:3]:
        added = gateway.post(
            "/api/cart", json={"product_id": product, "quantity": 1}, headers=buyer
        )
        assert added.status_code == 201, added.text

    page.goto(f"{base_url}/products/{products[3]}")
    note = page.get_by_role("note")
    expect(note).to_contain_text("a cart can hold at most 3 shops")
    for name in ("Anka", "Biru", "Cedr"):
        expect(note).to_contain_text(f"{name} {unique[:4]}")
    expect(page.get_by_role("button", name="Add to cart")).to_have_count(0)
    # The API holds the same rule.
    fourth = gateway.post(
        "/api/cart", json={"product_id": products[3], "quantity": 1}, headers=buyer
    )
    assert fourth.status_code == 409 and fourth.json()["code"] == "too_many_shops"
