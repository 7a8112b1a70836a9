"""Data the storefront's browser tests make through the API: shops, products with pictures,
customers with known e-mail addresses, and paid orders."""

from __future__ import annotations

import io
import uuid
from typing import Any

from PIL import Image, ImageDraw

from tests.conftest import PASSWORD, GatewaySession, new_staff, sign_in, wait_until

COLOURS = ["#0b6e4f", "#b5573b", "#3b5bb5", "#a07a1f", "#6b3bb5", "#2f7f8f"]


def word() -> str:
    """A word no other test's product contains."""
    return "w" + uuid.uuid4().hex[:8]


def picture(colour: str) -> bytes:
    """A real PNG: a coloured tile with a lighter disc, as a product photo stands in."""
    image = Image.new("RGB", (480, 480), colour)
    ImageDraw.Draw(image).ellipse((110, 110, 370, 370), fill="#f6f1e7")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def new_shop(
    gateway: GatewaySession, admin: dict[str, str], name: str
) -> tuple[dict[str, str], str]:
    return new_staff(gateway, admin, "seller", f"{name} owner", shop_name=name)


def add_product(
    gateway: GatewaySession,
    seller: dict[str, str],
    name: str,
    *,
    price: str,
    stock: int = 10,
    category: str | None = None,
    description: str = "",
    image: str | None = None,
) -> str:
    body: dict[str, Any] = {
        "name": name,
        "price": price,
        "stock": stock,
        "description": description,
    }
    if category:
        body["category"] = category
    answer = gateway.post("/api/products", json=body, headers=seller)
    assert answer.status_code == 201, answer.text
    product_id: str = answer.json()["id"]
    if image:
        uploaded = gateway.post(
            f"/api/products/{product_id}/images",
            files={"image": ("photo.png", picture(image), "image/png")},
            headers=seller,
        )
        assert uploaded.status_code == 201, uploaded.text
    return product_id


def new_customer_login(
    gateway: GatewaySession, name: str = "Mira Shopper"
) -> tuple[str, dict[str, str]]:
    """A registered customer's e-mail address (password PASSWORD) and bearer headers."""
    email = f"shopper-{uuid.uuid4().hex[:10]}@example.com"
    registered = gateway.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert registered.status_code == 201, registered.text
    return email, sign_in(gateway, email)


def buy(gateway: GatewaySession, buyer: dict[str, str], *product_ids: str) -> dict[str, Any]:
    """A paid order of one of each product."""
    for product_id in product_ids:
        added = gateway.post(
            "/api/cart", json={"product_id": product_id, "quantity": 1}, headers=buyer
        )
        assert added.status_code == 201, added.text
    placed = gateway.post(
        "/api/orders",
        json={"shipping_address": {"line1": "1 Quay Street", "city": "Porto", "country": "PT"}},
        headers={**buyer, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    return order


def wait_listed(gateway: GatewaySession, query: str, count: int) -> None:
    """Until an anonymous visitor's list (cached up to 2 s by the gateway) shows `count`."""
    wait_until(
        lambda: gateway.get(f"/api/products?{query}").json().get("total") == count,
        10,
        f"{count} products for {query}",
        every=0.2,
    )


def anonymous_list_caught_up(
    gateway: GatewaySession, url: str, signed_in: dict[str, str]
) -> list[Any]:
    """The items of `url` once the gateway's copy for visitors equals what the service answers
    now (a signed-in read is never cached). The gateway may hand one visitor an old copy while
    it refreshes; the web page then shows that copy, so a test compares after this."""
    fresh: list[Any] = []

    def caught_up() -> bool:
        fresh[:] = gateway.get(url, headers=signed_in).json()["items"]
        return gateway.get(url).json()["items"] == fresh

    wait_until(caught_up, 10, f"the gateway's copy of {url}", every=0.2)
    return fresh


def new_shop_login(
    gateway: GatewaySession, admin: dict[str, str], name: str
) -> tuple[str, dict[str, str], str]:
    """A new shop's owner: (e-mail, bearer headers, seller id); the password is PASSWORD."""
    email = f"shop-{uuid.uuid4().hex[:10]}@example.com"
    created = gateway.post(
        "/api/auth/users",
        json={
            "email": email,
            "password": PASSWORD,
            "name": f"{name} owner",
            "role": "seller",
            "shop_name": name,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return email, sign_in(gateway, email), created.json()["user_id"]
