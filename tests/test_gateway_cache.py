"""The gateway's hardening seen from a client: anonymous catalogue reads micro-cached for 2 s,
an expired copy handed out for at most 1 s more while it is refreshed (never for a signed
request; of the errors only a 404 is stored, so a product taken down stops being served), JSON
compressed, and the maintenance switch."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from souk_kit.app import REFRESH_GRACE_SECONDS

from tests.conftest import PASSWORD, GatewaySession, Stack, sign_in, wait_until

pytestmark = pytest.mark.e2e

# gateway/nginx.conf: `proxy_cache_valid 200 2s` and `404 410 2s`. nginx counts in whole
# seconds (a copy is fresh until its second has passed), so a copy may live up to 1 s longer.
# A 200 may then be handed out for the services' refresh grace while one request refreshes it.
CACHE_VALIDITY = 2.0
LONGEST_LIFE = CACHE_VALIDITY + 1
OLDEST_SERVED = LONGEST_LIFE + REFRESH_GRACE_SECONDS


@pytest.fixture
def shop(gateway: GatewaySession, admin: dict[str, str]) -> tuple[dict[str, str], str]:
    """A new seller's headers and id: its product lists are URLs no other test has read."""
    email = f"cache-shop-{uuid.uuid4().hex[:8]}@example.com"
    created = gateway.post(
        "/api/auth/users",
        json={
            "email": email,
            "password": PASSWORD,
            "name": "Cache keeper",
            "role": "seller",
            "shop_name": "Fresh prices",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return sign_in(gateway, email), created.json()["user_id"]


def add_product(
    gateway: GatewaySession, seller: dict[str, str], price: str = "10.00", **extra: Any
) -> dict[str, Any]:
    answer = gateway.post(
        "/api/products",
        json={"name": f"Brass tray {uuid.uuid4().hex[:6]}", "price": price, **extra},
        headers=seller,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def cache_status(answer: requests.Response) -> str | None:
    return answer.headers.get("X-Cache-Status")


def test_an_anonymous_repeat_of_a_product_list_is_served_from_the_cache(gateway, shop):
    seller, seller_id = shop
    add_product(gateway, seller)
    url = f"/api/products?seller_id={seller_id}&per_page=7"

    first = gateway.get(url)
    again = gateway.get(url)
    other_query = gateway.get(f"/api/products?seller_id={seller_id}&per_page=8")

    assert first.status_code == again.status_code == 200
    assert cache_status(first) == "MISS"
    assert cache_status(again) == "HIT"
    assert again.json() == first.json()
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert cache_status(other_query) == "MISS"  # the key holds the whole query string


def test_a_product_its_reviews_and_the_categories_are_cached_too(gateway, shop):
    seller, _ = shop
    product = add_product(gateway, seller)

    for path in (
        f"/api/products/{product['id']}",
        f"/api/products/{product['id']}/reviews",
        f"/api/products/categories?per_page=3&x={uuid.uuid4().hex[:6]}",
    ):
        first, again = gateway.get(path), gateway.get(path)
        assert first.status_code == again.status_code == 200, (path, first.text)
        assert (cache_status(first), cache_status(again)) == ("MISS", "HIT"), path


def test_a_signed_request_is_never_answered_from_or_stored_in_the_cache(gateway, shop):
    seller, seller_id = shop
    add_product(gateway, seller)
    url = f"/api/products?seller_id={seller_id}&per_page=9"

    signed = [gateway.get(url, headers=seller) for _ in range(2)]
    anonymous = gateway.get(url)
    signed_after = gateway.get(url, headers=seller)
    mine = [gateway.get("/api/products/mine", headers=seller) for _ in range(2)]

    assert [cache_status(a) for a in signed] == ["BYPASS", "BYPASS"]
    assert cache_status(anonymous) == "MISS"  # nothing was stored for the signed requests
    assert cache_status(signed_after) == "BYPASS"  # nor is a stored copy handed to them
    assert [a.status_code for a in mine] == [200, 200]
    assert [cache_status(a) for a in mine] == [None, None]  # not a cached route at all


def test_a_price_change_shows_to_anonymous_buyers_within_the_cache_validity(gateway, shop):
    seller, seller_id = shop
    product = add_product(gateway, seller, price="10.00")
    detail = f"/api/products/{product['id']}"
    listing = f"/api/products?seller_id={seller_id}"
    for path in (detail, listing):
        gateway.get(path)
    assert cache_status(gateway.get(detail)) == "HIT"

    changed = gateway.patch(detail, json={"price": "12.50"}, headers=seller)
    assert changed.status_code == 200, changed.text
    changed_at = time.monotonic()

    def new_price_shown() -> bool:
        shown = gateway.get(detail).json()["price"]
        listed = [p["price"] for p in gateway.get(listing).json()["items"]]
        return shown == "12.50" and listed == ["12.50"]

    wait_until(new_price_shown, OLDEST_SERVED, "the new price to show anonymously")
    assert time.monotonic() - changed_at <= OLDEST_SERVED


def test_an_expired_copy_is_handed_out_while_one_request_refreshes_it(gateway, shop):
    seller, _ = shop
    product = add_product(gateway, seller, price="10.00")
    detail = f"/api/products/{product['id']}"
    assert cache_status(gateway.get(detail)) == "MISS"
    stored_at = time.monotonic()
    changed = gateway.patch(detail, json={"price": "16.00"}, headers=seller)
    assert changed.status_code == 200, changed.text

    answers: list[requests.Response] = []

    def no_longer_fresh() -> bool:
        answers.append(gateway.get(detail))
        return cache_status(answers[-1]) != "HIT"

    wait_until(no_longer_fresh, LONGEST_LIFE + 0.5, "the stored copy to expire", every=0.02)
    expired = answers[-1]

    # The first visitor after its life gets the copy at once; the refresh runs behind it.
    assert time.monotonic() - stored_at <= LONGEST_LIFE + 0.5
    assert (cache_status(expired), expired.json()["price"]) == ("STALE", "10.00")
    assert "Cache-Control" not in expired.headers  # the grace is for the gateway alone

    def refreshed() -> bool:
        answer = gateway.get(detail)
        return (cache_status(answer), answer.json()["price"]) == ("HIT", "16.00")

    wait_until(refreshed, REFRESH_GRACE_SECONDS, "the copy refreshed behind the visitor")


def test_the_first_visitor_after_a_quiet_spell_gets_the_current_product(gateway, shop):
    seller, _ = shop
    product = add_product(gateway, seller, price="10.00")
    detail = f"/api/products/{product['id']}"
    gateway.get(detail)
    assert cache_status(gateway.get(detail)) == "HIT"
    changed = gateway.patch(detail, json={"price": "14.00"}, headers=seller)
    assert changed.status_code == 200, changed.text

    time.sleep(OLDEST_SERVED + 0.2)  # nobody asks while the copy and its grace run out
    first = gateway.get(detail)

    # Past its grace the expired copy is not handed out while a refresh runs behind it.
    assert first.json()["price"] == "14.00", cache_status(first)
    assert cache_status(first) in {"EXPIRED", "MISS"}
    assert cache_status(gateway.get(detail)) == "HIT"


def test_a_hidden_product_is_a_404_kept_no_longer_than_a_product(gateway, shop, admin):
    seller, _ = shop
    product = add_product(gateway, seller)
    path = f"/api/products/{product['id']}"
    disabled = gateway.put(f"{path}/disable", headers=admin)
    assert disabled.status_code == 200, disabled.text

    hidden = [gateway.get(path) for _ in range(2)]
    assert [a.status_code for a in hidden] == [404, 404]
    # A 404 replaces a stored copy, so a taken-down product stops being served from the cache.
    assert [cache_status(a) for a in hidden] == ["MISS", "HIT"]

    enabled = gateway.put(f"{path}/enable", headers=admin)
    assert enabled.status_code == 200, enabled.text
    enabled_at = time.monotonic()
    wait_until(lambda: gateway.get(path).status_code == 200, CACHE_VALIDITY + 1, "the product")
    assert time.monotonic() - enabled_at <= CACHE_VALIDITY + 1


def test_other_errors_are_never_cached(gateway):
    refused = [gateway.get("/api/products", params={"per_page": "many"}) for _ in range(2)]

    assert [(a.status_code, cache_status(a)) for a in refused] == [(400, "MISS")] * 2


def test_health_routes_are_never_cached(gateway):
    answers = [gateway.get("/api/products/health") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert [cache_status(a) for a in answers] == [None, None]


def test_large_json_answers_are_compressed(gateway, shop):
    seller, seller_id = shop
    for _ in range(6):
        add_product(gateway, seller, description="A hammered brass tray, made by hand. " * 8)

    answer = gateway.get(
        f"/api/products?seller_id={seller_id}&per_page=50",
        headers={**seller, "Accept-Encoding": "gzip"},
    )

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["Content-Encoding"] == "gzip"
    assert len(answer.json()["items"]) == 6


@pytest.fixture
def maintenance_file(stack: Stack) -> Iterator[Any]:
    switch = stack.settings.run_dir / "maintenance"
    try:
        yield switch
    finally:
        switch.unlink(missing_ok=True)


def test_maintenance_mode_answers_every_api_request_with_a_json_503(
    gateway, shop, maintenance_file
):
    seller, seller_id = shop
    listing = f"/api/products?seller_id={seller_id}"
    assert gateway.get(listing).status_code == 200  # now in the cache as well

    maintenance_file.touch()
    answers = {
        "cached list": gateway.get(listing),
        "signed read": gateway.get("/api/auth/me", headers=seller),
        "checkout": gateway.post("/api/orders", json={}, headers=seller),
        "event": gateway.post("/api/activity/events", json={"type": "search"}),
    }
    health = gateway.get("/api/orders/health")
    preflight = gateway.options(
        "/api/orders",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    web_page = gateway.get("/no/such/page")

    for name, answer in answers.items():
        assert answer.status_code == 503, name
        assert answer.headers["Content-Type"].startswith("application/json"), name
        assert answer.json() == {
            "error": answer.json()["error"],
            "code": "maintenance",
            "details": {},
        }, name
        assert answer.headers["Retry-After"] == "30", name
        assert answer.headers["X-Request-ID"], name
    # Health stays truthful, so operators see when it is safe to reopen.
    assert health.status_code == 200
    assert preflight.status_code == 204
    # The web front end still loads, and shows the API's maintenance message.
    assert web_page.status_code == 200
    assert web_page.headers["Content-Type"].startswith("text/html")

    maintenance_file.unlink()

    wait_until(lambda: gateway.get(listing).status_code == 200, 2, "maintenance mode to end")
    assert gateway.get("/api/auth/me", headers=seller).status_code == 200
