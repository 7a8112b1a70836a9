"""The demo shop: a stack of its own started with SOUK_DEMO=1 loads three shops, fifty products
with pictures, stock and two offers, a courier and a customer, through the real services, and
prints their logins; starting again creates nothing new."""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from launcher.demo import DEMO_BANNER, DOMAIN, LOGINS_FILE, MARKER, SHOPS
from launcher.settings import REPO_ROOT, Settings
from tests.conftest import (
    GatewaySession,
    _worker_offset,
    clear_stack_and_database,
    launched,
    run_launcher,
    stack_env,
)

pytestmark = pytest.mark.e2e

# Clear of the session `stack` (18080/18081/19100 + the same worker offset).
GATEWAY_PORT = 18380
INTERNAL_PORT = 18381
SERVICE_BASE_PORT = 19400


@dataclass(frozen=True)
class DemoStack:
    env: dict[str, str]
    settings: Settings
    started: str  # what `up` printed
    admin: dict[str, str]

    @property
    def logins_file(self) -> Path:
        return self.settings.secrets_dir / LOGINS_FILE

    def stored_logins(self) -> list[dict[str, str]]:
        logins: list[dict[str, str]] = json.loads(self.logins_file.read_text())
        return logins

    def gateway(self) -> GatewaySession:
        return GatewaySession(self.settings.gateway_url)


def sign_in(gateway: GatewaySession, email: str, password: str) -> dict[str, str]:
    answer = gateway.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="module")
def demo(postgres_database: Callable[[str], str]) -> Iterator[DemoStack]:
    suffix, _ = _worker_offset()
    database = f"souk_e2e_demo{suffix.replace('-', '_')}"
    admin_email = "admin-demo@example.com"
    admin_password = secrets.token_urlsafe(16)
    env = stack_env(
        REPO_ROOT / "var" / "test-demo-stack",
        GATEWAY_PORT,
        INTERNAL_PORT,
        SERVICE_BASE_PORT,
        SOUK_REPLICAS="1",
        SOUK_DEMO="1",
        SOUK_ADMIN_EMAIL=admin_email,
        SOUK_ADMIN_PASSWORD=admin_password,
    )
    clear_stack_and_database(env, postgres_database, database)

    with launched(env, "the demo stack") as started:
        settings = Settings.from_env(env)
        with GatewaySession(settings.gateway_url) as gateway:
            admin = sign_in(gateway, admin_email, admin_password)
        yield DemoStack(env, settings, started.stdout, admin)


@pytest.fixture
def gateway(demo: DemoStack) -> Iterator[GatewaySession]:
    with demo.gateway() as session:
        yield session


def catalogue(gateway: GatewaySession) -> dict[str, Any]:
    answer = gateway.get("/api/products", params={"per_page": 100})
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def users(gateway: GatewaySession, demo: DemoStack, **params: str) -> list[dict[str, Any]]:
    answer = gateway.get("/api/auth/users", params={"per_page": 100, **params}, headers=demo.admin)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["items"]
    return found


def test_the_demo_logins_are_printed_and_kept_readable_only_by_their_owner(
    demo: DemoStack,
) -> None:
    logins = demo.stored_logins()

    assert sorted(login["role"] for login in logins) == [
        "courier",
        "customer",
        "seller",
        "seller",
        "seller",
    ]
    assert demo.logins_file.stat().st_mode & 0o777 == 0o600
    for login in logins:
        assert login["email"].endswith(f"@{DOMAIN}")
        assert len(login["password"]) >= 12
        assert f"{login['email']}" in demo.started and login["password"] in demo.started
    assert "demo shop loaded" in demo.started


def test_every_demo_user_signs_in_with_the_stored_password(
    demo: DemoStack, gateway: GatewaySession
) -> None:
    for login in demo.stored_logins():
        answer = gateway.post(
            "/api/auth/login", json={"email": login["email"], "password": login["password"]}
        )
        assert answer.status_code == 200, (login["email"], answer.text)
        assert answer.json()["role"] == login["role"]


def test_the_admin_registered_three_shops_and_a_central_courier(
    demo: DemoStack, gateway: GatewaySession
) -> None:
    sellers = users(gateway, demo, role="seller")
    couriers = users(gateway, demo, role="courier")
    customers = users(gateway, demo, role="customer")

    assert {(s["email"], s["shop_name"]) for s in sellers} == {
        (shop.email, shop.name) for shop in SHOPS
    }
    assert [(c["email"], c["zone"]) for c in couriers] == [(f"courier@{DOMAIN}", "central")]
    assert [c["email"] for c in customers] == [f"customer@{DOMAIN}"]


def test_the_catalogue_holds_fifty_products_of_three_shops_in_stock(
    gateway: GatewaySession,
) -> None:
    page = catalogue(gateway)
    products = page["items"]

    assert page["total"] == len(products) == 50
    assert len({p["seller_id"] for p in products}) == 3
    assert 8 <= len({p["category"] for p in products}) <= 10
    assert all(p["stock"] > 0 and p["in_stock"] for p in products)
    categories = gateway.get("/api/products/categories").json()["items"]
    assert sum(c["count"] for c in categories) == 50


def test_every_demo_product_has_a_picture_served_through_the_gateway(
    gateway: GatewaySession,
) -> None:
    products = catalogue(gateway)["items"]

    assert all(len(p["images"]) == 1 for p in products)
    for product in products:
        served = gateway.get(product["images"][0])
        assert served.status_code == 200, product["images"][0]
        assert served.headers["Content-Type"] in {"image/png", "image/jpeg"}
        Image.open(io.BytesIO(served.content)).verify()  # a real picture, not a page


def test_two_demo_products_are_on_offer_below_their_list_price(
    gateway: GatewaySession,
) -> None:
    products = catalogue(gateway)["items"]

    on_offer = [p for p in products if float(p["effective_price"]) < float(p["price"])]
    assert len(on_offer) == 2
    assert all(p["offer"] is not None for p in on_offer)
    assert sum(p["offer"] is not None for p in products) == 2


def test_the_home_page_has_one_published_banner_pointing_at_the_offers(
    gateway: GatewaySession,
) -> None:
    banners = gateway.get("/api/products/banners").json()["items"]
    assert [(b["title"], b["link_url"]) for b in banners] == [
        (DEMO_BANNER["title"], "/search?on_offer=true")
    ]


def test_starting_again_prints_the_same_logins_and_creates_nothing(
    demo: DemoStack, gateway: GatewaySession
) -> None:
    before = catalogue(gateway)["total"], len(users(gateway, demo))

    again = run_launcher(demo.env, "up", "--detach")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "already running" in again.stdout
    assert "loading the demo shop" not in again.stdout
    for login in demo.stored_logins():
        assert login["email"] in again.stdout and login["password"] in again.stdout
    assert (catalogue(gateway)["total"], len(users(gateway, demo))) == before


def test_a_load_cut_short_is_resumed_without_duplicates(
    demo: DemoStack, gateway: GatewaySession
) -> None:
    before = catalogue(gateway)["total"], len(users(gateway, demo))
    (demo.settings.var_dir / MARKER).unlink()

    again = run_launcher(demo.env, "up", "--detach")

    assert again.returncode == 0, again.stdout + again.stderr
    assert "demo shop loaded" in again.stdout, again.stdout
    assert (demo.settings.var_dir / MARKER).exists()
    assert (catalogue(gateway)["total"], len(users(gateway, demo))) == before
    products = catalogue(gateway)["items"]
    assert sum(p["offer"] is not None for p in products) == 2
    assert all(len(p["images"]) == 1 for p in products)
