import uuid

import pytest
from souk_kit.testing import schema_drift
from sqlalchemy import func, select, text

from services.products.models import Base, OutboxMessage, Product


def test_a_seller_adds_a_product_with_its_opening_stock(client, seller):
    answer = client.post(
        "/api/products",
        json={
            "name": "Brass lantern",
            "price": "19.99",
            "description": "Hand beaten brass",
            "stock": 7,
            "category": "lamps",
            "sku": "LAN-001",
        },
        headers=seller.headers,
    )
    assert answer.status_code == 201
    product = answer.json
    assert product["message"] == "Product added"
    assert product["seller_id"] == seller.user_id
    assert product["price"] == "19.99"
    assert product["effective_price"] == "19.99"
    assert product["currency"] == "USD"
    assert product["stock"] == 7
    assert product["sku"] == "LAN-001"
    assert product["images"] == [] and product["offer"] is None
    assert product["rating"] is None and product["review_count"] == 0

    shown = client.get(f"/api/products/{product['id']}").json
    assert shown["stock"] == 7
    assert shown["description"] == "Hand beaten brass"


def test_creating_a_product_hands_the_opening_stock_to_inventory(seller, outbox):
    product = seller.create(stock=12)
    assert outbox("inventory", "/items") == [
        {"product_id": product["id"], "seller_id": seller.user_id, "stock": 12}
    ]
    events = outbox("activity", "/events")
    assert [e["type"] for e in events] == ["product_created"]
    assert events[0]["product_id"] == product["id"]


def test_a_product_without_stock_still_gets_an_inventory_row(seller, outbox):
    product = seller.create()
    assert product["stock"] == 0
    assert outbox("inventory", "/items")[0]["stock"] == 0


def test_the_stock_read_model_starts_at_version_zero(seller, db):
    product = seller.create(stock=3)
    with db() as session:
        row = session.get(Product, uuid.UUID(product["id"]))
        assert (row.stock, row.stock_version) == (3, 0)


def test_a_json_number_price_is_kept_exactly(seller):
    assert seller.create(price=0.1)["price"] == "0.10"
    assert seller.create(price=1234567.89)["price"] == "1234567.89"


def test_an_admin_may_add_products_too(admin):
    assert admin.create()["seller_id"] == admin.user_id


def test_weight_defaults_from_settings_and_may_be_given(seller):
    assert seller.create()["weight_kg"] == "0.500"
    assert seller.create(weight_kg="2.25")["weight_kg"] == "2.250"


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"price": -1}, "price"),
        ({"price": "-0.01"}, "price"),
        ({"price": 0}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "19.999"}, "price"),
        ({"price": 19.999}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "Infinity"}, "price"),
        ({"price": True}, "price"),
        ({"price": None}, "price"),
        ({"price": "10000000000"}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": "lots"}, "stock"),
        ({"stock": 1.5}, "stock"),
        ({"stock": True}, "stock"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "nul\u0000byte"}, "name"),
        ({"description": "nul\u0000byte"}, "description"),
        ({"sku": "has spaces"}, "sku"),
        ({"weight_kg": 0}, "weight_kg"),
        ({"weight_kg": "0.0001"}, "weight_kg"),
    ],
)
def test_bad_product_fields_are_refused_and_nothing_is_stored(client, seller, db, fields, bad):
    body = {"name": "Lamp", "price": "5.00", **fields}
    answer = client.post("/api/products", json=body, headers=seller.headers)
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert bad in answer.json["details"]["fields"]
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_missing_name_and_price_are_both_named(client, seller):
    answer = client.post("/api/products", json={}, headers=seller.headers)
    assert answer.status_code == 400
    assert {"name", "price"} <= set(answer.json["details"]["fields"])


def test_customers_may_not_add_products_and_strangers_must_sign_in(client, tokens):
    body = {"name": "Lamp", "price": "5.00"}
    assert client.post("/api/products", json=body).status_code == 401
    answer = client.post("/api/products", json=body, headers=tokens.headers("customer"))
    assert answer.status_code == 403
    assert answer.json["code"] == "forbidden"


def test_a_sku_is_unique_per_seller_only(client, seller, make_seller):
    seller.create(sku="SKU-1")
    again = client.post(
        "/api/products", json={"name": "Other", "price": 3, "sku": "SKU-1"}, headers=seller.headers
    )
    assert again.status_code == 409
    assert again.json["code"] == "duplicate_sku"
    assert make_seller().create(sku="SKU-1")["sku"] == "SKU-1"


def test_a_deleted_products_sku_may_be_used_again(client, seller):
    first = seller.create(sku="SKU-9")
    client.delete(f"/api/products/{first['id']}", headers=seller.headers)
    assert seller.create(sku="SKU-9")["id"] != first["id"]


def test_the_owner_updates_fields_with_put_and_patch(client, seller):
    product = seller.create(category="lamps", sku="A-1")
    answer = seller.patch(product["id"], name="Silver lantern", price="24.50")
    assert answer.status_code == 200
    assert answer.json["message"] == "Product updated"
    assert answer.json["name"] == "Silver lantern"
    assert answer.json["price"] == "24.50"
    assert answer.json["category"] == "lamps"  # left out, so kept

    put = client.put(
        f"/api/products/{product['id']}",
        json={"description": "Polished", "category": None, "weight_kg": 1.2},
        headers=seller.headers,
    )
    assert put.status_code == 200
    assert put.json["description"] == "Polished"
    assert put.json["category"] is None
    assert put.json["weight_kg"] == "1.200"
    assert put.json["name"] == "Silver lantern"


def test_a_stock_field_in_an_update_is_ignored(seller, outbox):
    product = seller.create(stock=4)
    answer = seller.patch(product["id"], stock=999, name="Renamed")
    assert answer.status_code == 200
    assert answer.json["stock"] == 4
    assert len(outbox("inventory", "/items")) == 1


def test_an_update_cannot_clear_the_name_or_price(seller):
    product = seller.create()
    answer = seller.patch(product["id"], name=None)
    assert answer.status_code == 400
    assert seller.patch(product["id"], price="-3").status_code == 400
    assert seller.patch(product["id"], price="1.001").status_code == 400


def test_updating_to_a_sku_the_seller_already_uses_is_a_conflict(seller):
    seller.create(sku="ONE")
    two = seller.create(sku="TWO")
    answer = seller.patch(two["id"], sku="ONE")
    assert answer.status_code == 409
    assert answer.json["code"] == "duplicate_sku"


def test_another_seller_may_not_edit_or_delete_a_product(client, seller, make_seller, db):
    product = seller.create(name="Mine")
    other = make_seller()
    answer = other.patch(product["id"], name="Stolen")
    assert answer.status_code == 403
    assert answer.json["code"] == "not_your_product"
    deleted = client.delete(f"/api/products/{product['id']}", headers=other.headers)
    assert deleted.status_code == 403
    assert client.get(f"/api/products/{product['id']}").json["name"] == "Mine"


def test_an_admin_may_edit_any_product(seller, admin):
    product = seller.create()
    answer = admin.patch(product["id"], price="3.00")
    assert answer.status_code == 200
    assert answer.json["price"] == "3.00"
    assert answer.json["seller_id"] == seller.user_id


def test_unknown_and_malformed_product_ids_are_404(client, seller):
    for product_id in (str(uuid.uuid4()), "not-a-uuid", "1"):
        assert client.get(f"/api/products/{product_id}").status_code == 404
        assert seller.patch(product_id, name="x").status_code == 404
        answer = client.delete(f"/api/products/{product_id}", headers=seller.headers)
        assert answer.status_code == 404
        assert answer.json["code"] == "not_found"


def test_deleting_hides_the_product_but_checkout_still_finds_it(client, seller, internal_headers):
    product = seller.create(name="Gone soon", price="8.00")
    answer = client.delete(f"/api/products/{product['id']}", headers=seller.headers)
    assert answer.status_code == 200
    assert answer.json == {"message": "Product deleted"}

    assert client.get(f"/api/products/{product['id']}").status_code == 404
    assert client.get("/api/products").json["total"] == 0
    assert client.get("/api/products/mine", headers=seller.headers).json["total"] == 0
    batch = client.get(f"/internal/products/batch?ids={product['id']}", headers=internal_headers)
    assert batch.json["items"][0]["active"] is False
    assert batch.json["items"][0]["name"] == "Gone soon"
    assert batch.json["items"][0]["price"] == "8.00"
    again = client.delete(f"/api/products/{product['id']}", headers=seller.headers)
    assert again.status_code == 404


def test_an_admin_disables_and_enables_a_product(client, seller, admin, tokens, internal_headers):
    product = seller.create(category="lamps")
    answer = client.put(f"/api/products/{product['id']}/disable", headers=admin.headers)
    assert answer.status_code == 200
    assert answer.json["active"] is False

    assert client.get("/api/products").json["total"] == 0
    assert client.get("/api/products/categories").json["items"] == []
    assert client.get(f"/api/products/{product['id']}").status_code == 404
    customer = tokens.headers("customer")
    assert client.get(f"/api/products/{product['id']}", headers=customer).status_code == 404
    assert client.get(f"/api/products/{product['id']}", headers=seller.headers).status_code == 200
    assert client.get(f"/api/products/{product['id']}", headers=admin.headers).status_code == 200
    mine = client.get("/api/products/mine", headers=seller.headers).json
    assert [(p["id"], p["active"]) for p in mine["items"]] == [(product["id"], False)]
    batch = client.get(f"/internal/products/batch?ids={product['id']}", headers=internal_headers)
    assert batch.json["items"][0]["active"] is False

    enabled = client.put(f"/api/products/{product['id']}/enable", headers=admin.headers)
    assert enabled.status_code == 200
    assert enabled.json["active"] is True
    assert client.get("/api/products").json["total"] == 1


def test_moderation_records_events_and_is_idempotent(client, seller, admin, outbox):
    product = seller.create()
    client.put(f"/api/products/{product['id']}/disable", headers=admin.headers)
    client.put(f"/api/products/{product['id']}/disable", headers=admin.headers)
    client.put(f"/api/products/{product['id']}/enable", headers=admin.headers)
    events = outbox("activity", "/events")
    assert [e["type"] for e in events] == ["product_created", "product_disabled", "product_enabled"]
    assert events[1]["metadata"] == {"reason": None, "by_staff": True}
    missing = client.put(f"/api/products/{uuid.uuid4()}/disable", headers=admin.headers)
    assert missing.status_code == 404


def test_a_seller_hides_and_shows_their_own_product_but_not_anothers(client, seller, make_seller):
    product = seller.create()
    other = make_seller()
    assert (
        client.put(f"/api/products/{product['id']}/disable", headers=other.headers).status_code
        == 403
    )

    hidden = client.put(f"/api/products/{product['id']}/disable", headers=seller.headers)
    assert hidden.status_code == 200 and hidden.json["active"] is False
    assert client.get("/api/products").json["total"] == 0
    shown = client.put(f"/api/products/{product['id']}/enable", headers=seller.headers)
    assert shown.status_code == 200 and shown.json["active"] is True
    assert client.get("/api/products").json["total"] == 1


def test_what_staff_disabled_only_staff_enable(client, seller, admin):
    product = seller.create()
    reason = {"reason": "Counterfeit brand"}
    client.put(f"/api/products/{product['id']}/disable", json=reason, headers=admin.headers)

    refused = client.put(f"/api/products/{product['id']}/enable", headers=seller.headers)
    assert refused.status_code == 403
    assert refused.json["code"] == "disabled_by_staff"
    assert "Counterfeit brand" in refused.json["error"]
    assert client.get("/api/products").json["total"] == 0
    enabled = client.put(f"/api/products/{product['id']}/enable", headers=admin.headers)
    assert enabled.json["active"] is True


def test_a_product_disabled_before_moderations_were_kept_stays_for_staff_to_enable(
    client, seller, admin, db
):
    product = seller.create()
    with db() as session:  # as migration 0005 found products an admin had disabled
        session.execute(
            text("UPDATE products.products SET disabled = true WHERE id = :id"),
            {"id": product["id"]},
        )
        session.commit()
    refused = client.put(f"/api/products/{product['id']}/enable", headers=seller.headers)
    assert (refused.status_code, refused.json["code"]) == (403, "disabled_by_staff")
    listed = client.get("/api/products/disabled", headers=admin.headers).json["items"]
    assert [(p["id"], p["by_staff"], p["reason"]) for p in listed] == [(product["id"], True, None)]


def test_staff_list_disabled_products_with_the_reason(client, seller, admin, tokens):
    first, second, listed = (
        seller.create(name="First"),
        seller.create(name="Second"),
        seller.create(),
    )
    client.put(
        f"/api/products/{first['id']}/disable", json={"reason": "Fake"}, headers=admin.headers
    )
    client.put(f"/api/products/{second['id']}/disable", headers=seller.headers)

    page = client.get("/api/products/disabled", headers=admin.headers).json
    assert page["total"] == 2
    assert [(p["name"], p["reason"], p["by_staff"]) for p in page["items"]] == [
        ("Second", None, False),
        ("First", "Fake", True),
    ]
    assert listed["id"] not in {p["id"] for p in page["items"]}
    assert client.get("/api/products/disabled", headers=seller.headers).status_code == 403
    too_long = {"reason": "x" * 501}
    answer = client.put(
        f"/api/products/{listed['id']}/disable", json=too_long, headers=admin.headers
    )
    assert answer.status_code == 400
    assert client.get(f"/api/products/{listed['id']}").status_code == 200


def test_the_owner_may_edit_a_disabled_product(client, seller, admin):
    product = seller.create()
    client.put(f"/api/products/{product['id']}/disable", headers=admin.headers)
    answer = seller.patch(product["id"], description="Fixed the listing")
    assert answer.status_code == 200
    assert answer.json["active"] is False


def test_mine_is_for_sellers_and_lists_only_their_products(client, seller, make_seller, tokens):
    first = seller.create(name="First")
    second = seller.create(name="Second")
    make_seller().create(name="Someone else's")
    mine = client.get("/api/products/mine", headers=seller.headers).json
    assert [p["id"] for p in mine["items"]] == [second["id"], first["id"]]
    assert mine["total"] == 2
    legacy = client.get("/api/products/my-products", headers=seller.headers).json
    assert legacy["total"] == 2
    assert client.get("/api/products/mine", headers=tokens.headers("customer")).status_code == 403
    assert client.get("/api/products/mine").status_code == 401


def test_a_trailing_slash_reaches_the_same_routes(client, seller):
    answer = client.post(
        "/api/products/", json={"name": "Slash", "price": 1}, headers=seller.headers
    )
    assert answer.status_code == 201
    assert client.get("/api/products/").json["total"] == 1


def test_a_body_that_is_not_json_gets_415(client, seller):
    answer = client.post(
        "/api/products", data="name=x", content_type="text/plain", headers=seller.headers
    )
    assert answer.status_code == 415


def test_a_json_body_over_one_megabyte_gets_413_before_it_is_read(client, seller, db):
    big = {"name": "Lamp", "price": "1.00", "description": "x" * (1024 * 1024)}
    answer = client.post("/api/products", json=big, headers=seller.headers)
    assert answer.status_code == 413
    assert answer.json["code"] == "payload_too_large"
    product = seller.create()
    changed = client.patch(f"/api/products/{product['id']}", json=big, headers=seller.headers)
    assert changed.status_code == 413
    # Refused by size alone, before the caller is even looked at.
    assert client.post("/api/products", json=big).status_code == 413
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 1


def test_a_json_body_just_under_one_megabyte_is_read_and_validated(client, seller):
    body = {"name": "Lamp", "price": "1.00", "description": "x" * (1024 * 1024 - 100)}
    answer = client.post("/api/products", json=body, headers=seller.headers)
    assert answer.status_code == 400
    assert "description" in answer.json["details"]["fields"]


def test_openapi_documents_that_stock_is_ignored_on_update(client):
    doc = client.get("/api/products/openapi.json").json
    patch = doc["paths"]["/api/products/{product_id}"]["patch"]
    assert "stock" in patch["summary"] and "ignored" in patch["summary"]
    assert "ProductCreateBody" in doc["components"]["schemas"]
    assert "/api/products/{product_id}/offers" in doc["paths"]


def test_health_answers_ok_with_the_database(client):
    answer = client.get("/api/products/health")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok"


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []
