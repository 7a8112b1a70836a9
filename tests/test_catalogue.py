"""The catalogue through the gateway: a shop (registered by staff) lists products with images
and stock, a buyer searches, filters and sorts them, staff moderate, and checkout's internal
batch lookup sees prices after offers and which products may still be sold."""

import io
import uuid
from collections.abc import Iterator

import pytest
import requests
from PIL import Image

from tests.conftest import PASSWORD, GatewaySession, Stack, new_product, sign_in, wait_until

pytestmark = pytest.mark.e2e

MB = 1024 * 1024


def png(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def internal(stack: Stack) -> Iterator[GatewaySession]:
    with GatewaySession(stack.internal_url) as session:
        session.headers["X-Service-Token"] = stack.service_token
        yield session


def new_shop(gateway: GatewaySession, admin: dict[str, str]) -> dict[str, str]:
    email = f"catalogue-shop-{uuid.uuid4().hex[:8]}@example.com"
    created = gateway.post(
        "/api/auth/users",
        json={
            "email": email,
            "password": PASSWORD,
            "name": "Lamp maker",
            "role": "seller",
            "shop_name": "Lamps and more",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return sign_in(gateway, email)


@pytest.fixture(scope="module")
def seller(gateway: GatewaySession, admin: dict[str, str]) -> dict[str, str]:
    return new_shop(gateway, admin)


@pytest.fixture(scope="module")
def buyer(gateway: GatewaySession) -> dict[str, str]:
    email = f"catalogue-buyer-{uuid.uuid4().hex[:8]}@example.com"
    registered = gateway.post("/api/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return sign_in(gateway, email)


@pytest.fixture
def word() -> str:
    """A made-up word that only this test's products carry, so searches see nothing else."""
    return "zq" + uuid.uuid4().hex[:8]


def add_product(gateway, seller, **fields) -> dict:
    answer = gateway.post("/api/products", json={"price": "10.00", **fields}, headers=seller)
    assert answer.status_code == 201, answer.text
    return answer.json()


def upload(gateway, who, product_id: str, data: bytes, name: str = "photo.png"):
    return gateway.post(
        f"/api/products/{product_id}/images",
        files={"image": (name, data, "image/png")},
        headers=who,
    )


def search(gateway, who, **params) -> list[str]:
    answer = gateway.get("/api/products", params={"per_page": 100, **params}, headers=who)
    assert answer.status_code == 200, answer.text
    return [item["name"] for item in answer.json()["items"]]


def test_a_shop_lists_products_and_a_buyer_finds_filters_and_sorts_them(
    gateway, seller, buyer, word
):
    category = f"lamps-{word}"
    lantern = add_product(
        gateway,
        seller,
        name=f"Brass {word} lantern",
        description="Hand beaten brass, warm light",
        price="45.00",
        stock=5,
        category=category,
        sku=f"{word}-1",
    )
    add_product(
        gateway,
        seller,
        name=f"Paper {word} lamp",
        description="Folded paper shade",
        price="12.50",
        stock=0,
        category=category,
    )
    add_product(
        gateway,
        seller,
        name=f"Copper {word} kettle",
        description="Whistles when the water boils",
        price="30.00",
        stock=2,
        category=f"kitchen-{word}",
    )

    image = png()
    uploaded = upload(gateway, seller, lantern["id"], image)
    assert uploaded.status_code == 201, uploaded.text
    url = uploaded.json()["url"]
    served = gateway.get(url)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.content == image

    shown = gateway.get(f"/api/products/{lantern['id']}", headers=buyer).json()
    assert shown["images"] == [url]
    assert (shown["price"], shown["effective_price"], shown["currency"]) == (
        "45.00",
        "45.00",
        "USD",
    )
    assert shown["stock"] == 5 and shown["sku"] == f"{word}-1"
    assert {
        "id",
        "name",
        "description",
        "price",
        "effective_price",
        "currency",
        "stock",
        "category",
        "seller_id",
        "sku",
        "images",
        "rating",
        "review_count",
        "offer",
    } <= set(shown)

    assert search(gateway, buyer, q=word, sort="price") == [
        f"Paper {word} lamp",
        f"Copper {word} kettle",
        f"Brass {word} lantern",
    ]
    assert search(gateway, buyer, q=f"{word} lantern") == [f"Brass {word} lantern"]
    assert search(gateway, buyer, q=f"{word} lantern", sort="-price")[0] == f"Brass {word} lantern"
    assert search(gateway, buyer, category=category, sort="-price") == [
        f"Brass {word} lantern",
        f"Paper {word} lamp",
    ]
    assert search(gateway, buyer, q=word, min_price="20", max_price="40") == [
        f"Copper {word} kettle"
    ]
    assert search(gateway, buyer, q=word[:6]) != []  # a partial word still finds them

    seller_id = shown["seller_id"]
    mine = gateway.get("/api/products/mine", params={"per_page": 100}, headers=seller).json()
    assert {p["id"] for p in mine["items"]} >= {lantern["id"]}
    assert search(gateway, buyer, seller_id=seller_id, q=word) != []

    categories = gateway.get("/api/products/categories", headers=buyer).json()["items"]
    assert {"name": category, "count": 2} in categories


def test_in_stock_follows_inventory(gateway, seller, buyer, word):
    plenty = add_product(gateway, seller, name=f"Plenty {word}", stock=3)
    add_product(gateway, seller, name=f"None {word}", stock=0)

    def in_stock() -> list[str]:
        return search(gateway, buyer, q=word, in_stock="true")

    wait_until(lambda: in_stock() == [f"Plenty {word}"], 20, "the opening stock to show")
    wait_until(
        lambda: gateway.get(f"/api/inventory/{plenty['id']}", headers=seller).status_code == 200,
        20,
        "inventory to receive the new product",
    )
    emptied = gateway.put(f"/api/inventory/{plenty['id']}", json={"stock": 0}, headers=seller)
    assert emptied.status_code == 200, emptied.text
    wait_until(lambda: in_stock() == [], 20, "the emptied product to leave in_stock=true")
    out = search(gateway, buyer, q=word, in_stock="false")
    assert sorted(out) == [f"None {word}", f"Plenty {word}"]


def test_an_offer_lowers_the_price_the_buyer_and_checkout_see(gateway, seller, buyer, internal):
    product = add_product(gateway, seller, name="Offer lamp", price="19.99", weight_kg="1.2")
    offer = gateway.post(
        f"/api/products/{product['id']}/offers", json={"percent_off": 15}, headers=seller
    )
    assert offer.status_code == 201, offer.text
    shown = gateway.get(f"/api/products/{product['id']}", headers=buyer).json()
    assert (shown["price"], shown["effective_price"]) == ("19.99", "16.99")
    assert shown["offer"]["id"] == offer.json()["id"]

    batch = internal.get("/internal/products/batch", params={"ids": product["id"]}).json()
    assert batch["items"] == [
        {
            "id": product["id"],
            "name": "Offer lamp",
            "seller_id": product["seller_id"],
            "price": "19.99",
            "effective_price": "16.99",
            "currency": "USD",
            "active": True,
            "weight_kg": "1.200",
        }
    ]
    too_high = gateway.post(
        f"/api/products/{product['id']}/offers", json={"price": "25.00"}, headers=seller
    )
    assert too_high.status_code == 400


def test_staff_disable_a_product_and_it_leaves_the_catalogue(
    gateway, seller, buyer, admin, internal, word
):
    product = add_product(gateway, seller, name=f"Dubious {word}", category=f"c-{word}")
    assert search(gateway, buyer, q=word) == [f"Dubious {word}"]
    assert gateway.put(f"/api/products/{product['id']}/disable", headers=buyer).status_code == 403

    disabled = gateway.put(f"/api/products/{product['id']}/disable", headers=admin)
    assert disabled.status_code == 200, disabled.text
    assert search(gateway, buyer, q=word) == []
    assert gateway.get(f"/api/products/{product['id']}", headers=buyer).status_code == 404
    categories = gateway.get("/api/products/categories", headers=buyer).json()["items"]
    assert f"c-{word}" not in {c["name"] for c in categories}
    batch = internal.get("/internal/products/batch", params={"ids": product["id"]}).json()
    assert batch["items"][0]["active"] is False
    mine = gateway.get("/api/products/mine", params={"per_page": 100}, headers=seller).json()
    assert any(p["id"] == product["id"] and not p["active"] for p in mine["items"])

    assert gateway.put(f"/api/products/{product['id']}/enable", headers=admin).status_code == 200
    assert search(gateway, buyer, q=word) == [f"Dubious {word}"]


def test_a_deleted_product_is_gone_from_the_catalogue_but_not_from_checkout(
    gateway, seller, buyer, internal
):
    product = add_product(gateway, seller, name="Short lived", price="7.00")
    deleted = gateway.delete(f"/api/products/{product['id']}", headers=seller)
    assert deleted.status_code == 200
    assert deleted.json() == {"message": "Product deleted"}
    assert gateway.get(f"/api/products/{product['id']}", headers=buyer).status_code == 404
    batch = internal.get("/internal/products/batch", params={"ids": product["id"]}).json()
    assert batch["items"][0]["name"] == "Short lived"
    assert batch["items"][0]["active"] is False


def test_only_owners_and_staff_change_a_product(gateway, seller, buyer, admin):
    product = add_product(gateway, seller, name="Guarded lamp")
    path = f"/api/products/{product['id']}"
    other = new_shop(gateway, admin)
    refused = gateway.patch(path, json={"name": "Mine now"}, headers=other)
    assert refused.status_code == 403
    assert set(refused.json()) == {"error", "code", "details"}
    assert gateway.delete(path, headers=other).status_code == 403
    assert (
        gateway.post("/api/products", json={"name": "x", "price": 1}, headers=buyer).status_code
        == 403
    )
    assert gateway.post("/api/products", json={"name": "x", "price": 1}).status_code == 401

    updated = gateway.put(path, json={"price": "11.00", "stock": 999}, headers=seller)
    assert updated.status_code == 200
    assert updated.json()["message"] == "Product updated"
    assert updated.json()["price"] == "11.00"
    assert updated.json()["stock"] == 0  # stock is inventory's; the field is ignored
    assert gateway.patch(path, json={"name": "Staff fix"}, headers=admin).status_code == 200
    assert gateway.get(f"/api/products/{uuid.uuid4()}").status_code == 404
    assert gateway.get("/api/products/not-a-product").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Lamp", "price": -5},
        {"name": "Lamp", "price": "abc"},
        {"name": "Lamp", "price": "1.999"},
        {"name": "Lamp", "price": "5.00", "stock": -1},
        {"name": "Lamp", "price": "5.00", "stock": "many"},
    ],
)
def test_bad_products_are_refused_with_the_error_shape(gateway, seller, body):
    answer = gateway.post("/api/products", json=body, headers=seller)
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert set(answer.json()["details"]["fields"]) & {"price", "stock"}


@pytest.mark.parametrize("query", ["per_page=101", "sort=cheapest", "min_price=-1", "page=0"])
def test_bad_catalogue_queries_are_400(gateway, query):
    answer = gateway.get(f"/api/products?{query}")
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"


def test_uploads_are_checked_by_content_and_size(gateway, seller, admin, stack):
    product = add_product(gateway, seller, name="Upload target")
    before = set(stack.media_dir.iterdir()) if stack.media_dir.exists() else set()

    renamed = upload(gateway, seller, product["id"], b"just some text\n" * 50, "photo.jpg")
    assert renamed.status_code == 415
    assert renamed.json()["code"] == "unsupported_image"

    huge = upload(gateway, seller, product["id"], png() + b"\0" * (6 * MB), "huge.png")
    assert huge.status_code == 413
    assert huge.json()["code"] == "image_too_large"

    stranger = upload(gateway, new_shop(gateway, admin), product["id"], png() + b"\0" * (6 * MB))
    assert stranger.status_code == 403  # answered before the body is used, cleanly
    anonymous = upload(gateway, {}, product["id"], png() + b"\0" * (6 * MB))
    assert anonymous.status_code == 401

    after = set(stack.media_dir.iterdir()) if stack.media_dir.exists() else set()
    assert after == before
    shown = gateway.get(f"/api/products/{product['id']}").json()
    assert shown["images"] == []


def test_internal_routes_are_not_public(gateway):
    assert gateway.get(f"/internal/products/batch?ids={uuid.uuid4()}").status_code == 404
    answer = requests.post(
        f"{gateway.base_url}/internal/products/stock-levels", json={"messages": []}, timeout=10
    )
    assert answer.status_code == 404


def test_a_shoppers_copy_of_a_product_and_its_pages_follow_the_sellers_change(
    gateway: GatewaySession, seller: dict[str, str], buyer: dict[str, str]
) -> None:
    """Both replicas keep shoppers' copies for up to 30 s; the NOTIFY of a change drops them
    within moments, and the seller sees the change on the very next request."""
    product_id = new_product(gateway, seller, price="40.00")
    seller_id = gateway.get(f"/api/products/{product_id}", headers=seller).json()["seller_id"]
    listing = f"/api/products?seller_id={seller_id}&per_page=100"

    def shown_price(path: str, headers: dict[str, str]) -> str:
        answer = gateway.get(path, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = body.get("items", [body])
        return next(item["price"] for item in items if item["id"] == product_id)

    for _ in range(4):  # fills both replicas' copies
        assert shown_price(f"/api/products/{product_id}", buyer) == "40.00"
        assert shown_price(listing, buyer) == "40.00"
    changed = gateway.patch(f"/api/products/{product_id}", json={"price": "35.00"}, headers=seller)
    assert changed.status_code == 200, changed.text
    assert shown_price(f"/api/products/{product_id}", seller) == "35.00"
    assert shown_price(listing, seller) == "35.00"
    wait_until(
        lambda: all(
            shown_price(path, buyer) == "35.00"
            for path in [f"/api/products/{product_id}", listing] * 4
        ),
        timeout=5,
        what="the shopper's copies to follow the price change",
    )
