"""Demo data for a fresh stack: three shops with fifty products (with pictures, stock and two
offers), a courier and a customer, loaded once through the public API of the running gateway.

The demo users' passwords are generated on the first load and kept in
`var/secrets/demo_logins.json` (mode 0600); `var/demo-loaded` marks a finished load, after
which the stored logins are returned and nothing is created. A load cut short is resumed on
the next start: existing users are signed in, products already there (by SKU) are kept.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import requests
from PIL import Image, ImageDraw, ImageFont
from requests.adapters import HTTPAdapter

MARKER = "demo-loaded"
LOGINS_FILE = "demo_logins.json"
DOMAIN = "demo.souk.example"
COURIER_ZONE = "central"
WORKERS = 8
TIMEOUT = 15


class Login(NamedTuple):
    role: str
    email: str
    password: str


class DemoError(RuntimeError):
    """The gateway answered the demo loader with something it did not expect."""


@dataclass(frozen=True)
class Shop:
    slug: str
    name: str
    owner: str
    sku_prefix: str
    # category -> [(product name, list price)]
    catalogue: dict[str, list[tuple[str, str]]]
    offers: dict[str, dict[str, str]] = field(default_factory=dict)  # SKU -> offer body

    @property
    def email(self) -> str:
        return f"{self.slug}@{DOMAIN}"

    def products(self) -> Iterator[dict[str, Any]]:
        number = 0
        for category, items in self.catalogue.items():
            for name, price in items:
                number += 1
                yield {
                    "name": name,
                    "price": price,
                    "description": f"{name}, from {self.name}'s {category} shelf.",
                    "category": category,
                    "sku": f"{self.sku_prefix}-{number:03d}",
                    "stock": 4 + (number * 7) % 37,
                }


SHOPS = (
    Shop(
        slug="cedar",
        name="Cedar & Clay",
        owner="Leila Haddad",
        sku_prefix="CC",
        catalogue={
            "kitchen": [
                ("Copper kettle", "48.00"),
                ("Olive wood spoon set", "19.50"),
                ("Clay tagine", "39.90"),
                ("Cast iron skillet", "34.00"),
                ("Spice tin trio", "14.25"),
            ],
            "home": [
                ("Brass lantern", "45.00"),
                ("Woven wool rug", "129.00"),
                ("Linen cushion cover", "22.00"),
                ("Ceramic vase", "27.50"),
                ("Mint tea glasses", "16.80"),
                ("Cedar wall shelf", "58.00"),
            ],
            "garden": [
                ("Terracotta planter", "18.00"),
                ("Watering can", "24.90"),
                ("Herb seed kit", "9.95"),
                ("Pruning shears", "21.00"),
                ("Hanging basket", "15.40"),
            ],
        },
        offers={"CC-001": {"percent_off": "20"}},
    ),
    Shop(
        slug="circuit",
        name="Circuit Souk",
        owner="Omar Benali",
        sku_prefix="CS",
        catalogue={
            "electronics": [
                ("Wireless headphones", "89.00"),
                ("Bluetooth speaker", "59.00"),
                ("USB-C charger", "24.00"),
                ("Mechanical keyboard", "110.00"),
                ("Smart desk lamp", "42.00"),
                ("Portable power bank", "35.00"),
            ],
            "books": [
                ("Desert travel guide", "18.90"),
                ("Street food cookbook", "26.00"),
                ("Pocket atlas", "12.50"),
                ("Poetry of the oasis", "14.00"),
                ("Night sky field guide", "21.00"),
            ],
            "toys": [
                ("Wooden camel puzzle", "17.00"),
                ("Kite with tail", "13.50"),
                ("Marble run", "32.00"),
                ("Board game night set", "38.00"),
                ("Puppet theatre", "44.00"),
            ],
        },
        offers={"CS-001": {"price": "69.00"}},
    ),
    Shop(
        slug="atlas",
        name="Atlas Outfitters",
        owner="Sara Idrissi",
        sku_prefix="AO",
        catalogue={
            "clothing": [
                ("Linen shirt", "39.00"),
                ("Hooded djellaba", "75.00"),
                ("Cotton scarf", "16.00"),
                ("Rain jacket", "88.00"),
                ("Wool beanie", "14.00"),
            ],
            "shoes": [
                ("Leather babouches", "36.00"),
                ("Trail runners", "95.00"),
                ("Canvas sneakers", "49.00"),
                ("Hiking boots", "120.00"),
            ],
            "sports": [
                ("Yoga mat", "29.00"),
                ("Trekking poles", "54.00"),
                ("Insulated bottle", "23.00"),
                ("Day pack", "64.00"),
                ("Camping lantern", "27.00"),
            ],
            "beauty": [
                ("Argan oil", "22.00"),
                ("Rose water toner", "12.90"),
                ("Black soap", "9.50"),
                ("Rhassoul clay mask", "15.00"),
            ],
        },
    ),
)

# One colour per category, so a shelf of pictures reads at a glance.
COLOURS = {
    "kitchen": (196, 98, 45),
    "home": (142, 84, 155),
    "garden": (62, 142, 65),
    "electronics": (38, 99, 178),
    "books": (120, 85, 60),
    "toys": (226, 160, 30),
    "clothing": (30, 140, 150),
    "shoes": (90, 90, 100),
    "sports": (210, 60, 80),
    "beauty": (215, 120, 160),
}


def load_demo(
    gateway_url: str, admin_email: str, admin_password: str, var_dir: Path
) -> list[Login]:
    """Load the demo data through the gateway once; return the demo users' logins.

    After a finished load the stored logins are returned and nothing is sent. A failed load
    is reported and leaves no marker, so the next start resumes it; it returns no logins.
    """
    logins_file = var_dir / "secrets" / LOGINS_FILE
    if (var_dir / MARKER).exists():
        return _read_logins(logins_file)
    logins = _read_logins(logins_file)
    if not logins:
        logins = _new_logins()
        _write_private(logins_file, json.dumps([login._asdict() for login in logins], indent=2))

    print("souk: loading the demo shop", flush=True)
    started = time.monotonic()
    try:
        with Gateway(gateway_url) as api:
            _load(api, api.sign_in(admin_email, admin_password), logins)
    except (requests.RequestException, DemoError) as error:
        print(f"souk: the demo shop was not loaded ({error}); the next start tries again")
        return []
    took = f"{time.monotonic() - started:.1f} s"
    (var_dir / MARKER).write_text(f"loaded in {took}\n")
    print(f"souk: demo shop loaded in {took}", flush=True)
    return logins


class Gateway:
    """The gateway's public API over one keep-alive session, never through a proxy."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("http://", HTTPAdapter(pool_maxsize=WORKERS))

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *_: object) -> None:
        self.session.close()

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        *,
        accept: tuple[int, ...] = (200,),
        **kwargs: Any,
    ) -> Any:
        """The JSON answer; any status outside `accept` raises DemoError."""
        url = self.base_url + path
        answer = self.session.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        if answer.status_code not in accept:
            raise DemoError(f"{method} {path} answered {answer.status_code}: {answer.text[:200]}")
        return answer.json() if answer.content else None

    def sign_in(self, email: str, password: str) -> dict[str, str]:
        tokens = self.call("POST", "/api/auth/login", json={"email": email, "password": password})
        return {"Authorization": f"Bearer {tokens['access_token']}"}


def _new_logins() -> list[Login]:
    def password() -> str:
        return secrets.token_urlsafe(12)

    return [
        *(Login("seller", shop.email, password()) for shop in SHOPS),
        Login("courier", f"courier@{DOMAIN}", password()),
        Login("customer", f"customer@{DOMAIN}", password()),
    ]


def _load(api: Gateway, admin: dict[str, str], logins: list[Login]) -> None:
    by_email = {login.email: login for login in logins}
    by_role = {login.role: login for login in logins}
    for shop in SHOPS:
        seller = {"name": shop.owner, "role": "seller", "shop_name": shop.name}
        _create_user(api, admin, by_email[shop.email], seller)
    courier = {"name": "Youssef Amrani", "role": "courier", "zone": COURIER_ZONE}
    _create_user(api, admin, by_role["courier"], courier)
    _register_customer(api, by_role["customer"])

    jobs = []
    for shop in SHOPS:
        login = by_email[shop.email]
        seller_token = api.sign_in(login.email, login.password)
        mine = api.call("GET", "/api/products/mine", seller_token, params={"per_page": 100})
        existing = {product["sku"]: product for product in mine["items"]}
        for spec in shop.products():
            sku = spec["sku"]
            jobs.append((seller_token, spec, existing.get(sku), shop.offers.get(sku)))
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda job: _stock_product(api, *job), jobs))  # re-raises a failure
    _publish_banner(api, admin)


DEMO_BANNER = {
    "title": "Winter market: offers are on",
    "body": "Headphones, kettles and more at lower prices from our shops, while the offers last.",
    "link_url": "/search?on_offer=true",
    "published": True,
}


def _publish_banner(api: Gateway, admin: dict[str, str]) -> None:
    shown = api.call("GET", "/api/products/banners/all", admin)["items"]
    if all(banner["title"] != DEMO_BANNER["title"] for banner in shown):
        api.call("POST", "/api/products/banners", admin, json=DEMO_BANNER, accept=(201,))


def _create_user(api: Gateway, admin: dict[str, str], login: Login, fields: dict[str, str]) -> None:
    body = {"email": login.email, "password": login.password, **fields}
    api.call("POST", "/api/auth/users", admin, json=body, accept=(201, 409))


def _register_customer(api: Gateway, login: Login) -> None:
    body = {"email": login.email, "password": login.password, "name": "Nadia Customer"}
    api.call("POST", "/api/auth/register", json=body, accept=(201, 409))
    address = {
        "label": "home",
        "line1": "12 Rue des Orangers",
        "city": "Marrakesh",
        "postal_code": "40000",
        "country": "Morocco",
    }
    customer = api.sign_in(login.email, login.password)
    api.call("PATCH", "/api/auth/me", customer, json={"addresses": [address]})


def _stock_product(
    api: Gateway,
    seller: dict[str, str],
    spec: dict[str, Any],
    existing: dict[str, Any] | None,
    offer: dict[str, str] | None,
) -> None:
    """Create the product unless it exists, then give it a picture and its offer if missing."""
    product = existing or api.call("POST", "/api/products", seller, json=spec, accept=(201,))
    path = f"/api/products/{product['id']}"
    if not product["images"]:
        image = (f"{spec['sku']}.png", _picture(spec["name"], spec["category"]), "image/png")
        api.call("POST", f"{path}/images", seller, files={"image": image}, accept=(201,))
    if offer and not product["offer"]:
        api.call("POST", f"{path}/offers", seller, json=offer, accept=(201,))


def _picture(name: str, category: str) -> bytes:
    """A 400×400 PNG: the product's initials on a disc in its category's colour."""
    colour = COLOURS.get(category, (100, 100, 100))
    background = tuple(min(255, c + 90) for c in colour)
    image = Image.new("RGB", (400, 400), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((50, 50, 350, 350), fill=colour)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    font = ImageFont.load_default(size=140)
    draw.text((200, 200), initials, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _read_logins(path: Path) -> list[Login]:
    if not path.exists():
        return []
    return [Login(**entry) for entry in json.loads(path.read_text())]


def _write_private(path: Path, content: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    # O_EXCL + 0600 at creation: the passwords are never readable by others, not even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(content)
    os.replace(tmp, path)
