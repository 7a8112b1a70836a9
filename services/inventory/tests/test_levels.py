import uuid
from typing import Any

import pytest
from souk_kit.testing import schema_drift
from sqlalchemy import select

from services.inventory.models import Base, OutboxMessage
from services.inventory.tests.conftest import ledger_gaps, levels_messages


def test_a_new_product_gets_its_opening_stock_as_a_restock(
    client, seller, seller_id, add_product, db
):
    product_id = add_product(seller_id, stock=12)
    answer = client.get(f"/api/inventory/{product_id}", headers=seller)
    assert answer.status_code == 200
    assert answer.json["stock"] == 12
    assert answer.json["reserved"] == 0
    assert answer.json["available"] == 12
    assert answer.json["low_stock_threshold"] == 5
    movements = client.get(f"/api/inventory/{product_id}/movements", headers=seller).json
    assert movements["total"] == 1
    assert movements["items"][0]["change_type"] == "restock"
    assert movements["items"][0]["quantity"] == 12
    assert (movements["items"][0]["old_stock"], movements["items"][0]["new_stock"]) == (0, 12)
    assert levels_messages(db, product_id) == [
        {"product_id": product_id, "available": 12, "version": 1}
    ]


def test_a_repeated_items_message_creates_nothing_more(
    client, internal_headers, seller, seller_id, db
):
    product_id = str(uuid.uuid4())
    message: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "payload": {"product_id": product_id, "seller_id": seller_id, "stock": 3},
    }
    for _ in range(2):
        answer = client.post(
            "/internal/inventory/items", json={"messages": [message]}, headers=internal_headers
        )
        assert answer.status_code == 200
    # A second message with another event id for the same product is also a no-op.
    again = {**message, "event_id": str(uuid.uuid4())}
    again["payload"] = {**message["payload"], "stock": 50}
    client.post("/internal/inventory/items", json={"messages": [again]}, headers=internal_headers)
    assert client.get(f"/api/inventory/{product_id}", headers=seller).json["stock"] == 3
    assert client.get(f"/api/inventory/{product_id}/movements", headers=seller).json["total"] == 1
    assert len(levels_messages(db, product_id)) == 1


def test_a_product_with_no_opening_stock_has_an_empty_ledger(
    client, seller, seller_id, add_product, db
):
    product_id = add_product(seller_id, stock=0)
    assert client.get(f"/api/inventory/{product_id}/movements", headers=seller).json["total"] == 0
    assert levels_messages(db, product_id) == [
        {"product_id": product_id, "available": 0, "version": 1}
    ]


def test_a_malformed_items_payload_refuses_the_batch_and_applies_none_of_it(
    client, internal_headers, seller, seller_id
):
    good: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "payload": {"product_id": str(uuid.uuid4()), "seller_id": seller_id, "stock": 4},
    }
    bad = {"event_id": str(uuid.uuid4()), "payload": {"product_id": "nope", "stock": -1}}
    answer = client.post(
        "/internal/inventory/items", json={"messages": [bad, good]}, headers=internal_headers
    )
    # The relay then sends each on its own: the good one arrives, the bad one is a dead letter.
    assert answer.status_code == 400
    product_id = good["payload"]["product_id"]
    assert client.get(f"/api/inventory/{product_id}", headers=seller).status_code == 404
    alone = client.post(
        "/internal/inventory/items", json={"messages": [good]}, headers=internal_headers
    )
    assert alone.json == {"applied": 1}
    assert client.get(f"/api/inventory/{product_id}", headers=seller).json["stock"] == 4


def test_internal_routes_are_hidden_without_the_service_token(client):
    answer = client.get("/internal/inventory/levels?ids=x")
    assert answer.status_code == 404
    answer = client.post("/internal/inventory/reservations", json={})
    assert answer.status_code == 404


def test_another_seller_gets_403_and_an_unknown_product_404(client, tokens, seller_id, add_product):
    product_id = add_product(seller_id)
    other = tokens.headers("seller")
    for path in ("", "/movements"):
        assert client.get(f"/api/inventory/{product_id}{path}", headers=other).status_code == 403
    assert (
        client.put(f"/api/inventory/{product_id}", json={"stock": 1}, headers=other).status_code
        == 403
    )
    assert (
        client.put(
            f"/api/inventory/{product_id}/threshold", json={"low_stock_threshold": 1}, headers=other
        ).status_code
        == 403
    )
    unknown = client.get(f"/api/inventory/{uuid.uuid4()}", headers=other)
    assert unknown.status_code == 404
    assert unknown.json["code"] == "product_not_found"
    assert client.get("/api/inventory/not-a-uuid", headers=other).status_code == 404
    assert (
        client.put("/api/inventory/not-a-uuid", json={"stock": 1}, headers=other).status_code == 404
    )


def test_customers_and_couriers_are_refused_and_anonymous_callers_are_401(
    client, tokens, seller_id, add_product
):
    product_id = add_product(seller_id)
    for role in ("customer", "courier"):
        headers = tokens.headers(role)
        assert client.get("/api/inventory", headers=headers).status_code == 403
        assert client.get(f"/api/inventory/{product_id}", headers=headers).status_code == 403
        assert client.get("/api/inventory/alerts", headers=headers).status_code == 403
    assert client.get("/api/inventory").status_code == 401


def test_an_admin_reads_and_updates_any_product(client, admin, seller_id, add_product):
    product_id = add_product(seller_id, stock=2)
    assert client.get(f"/api/inventory/{product_id}", headers=admin).json["stock"] == 2
    answer = client.put(f"/api/inventory/{product_id}", json={"stock": 9}, headers=admin)
    assert answer.status_code == 200
    assert answer.json["stock"] == 9


def test_a_seller_lists_only_their_own_stock_and_an_admin_lists_all(
    client, tokens, seller, seller_id, admin, add_product
):
    mine = {add_product(seller_id) for _ in range(3)}
    other_seller = str(uuid.uuid4())
    theirs = add_product(other_seller)
    listed = client.get("/api/inventory?per_page=100", headers=seller).json
    assert {item["product_id"] for item in listed["items"]} == mine
    assert listed["total"] == 3
    assert set(listed["items"][0]) >= {
        "product_id",
        "stock",
        "reserved",
        "available",
        "low_stock_threshold",
    }
    everything = client.get(f"/api/inventory?seller_id={other_seller}", headers=admin).json
    assert [item["product_id"] for item in everything["items"]] == [theirs]
    all_rows = client.get("/api/inventory?per_page=100", headers=admin).json
    assert all_rows["total"] >= 4


def test_lists_are_paginated_and_per_page_is_capped(client, seller, seller_id, add_product):
    for _ in range(3):
        add_product(seller_id)
    page = client.get("/api/inventory?page=2&per_page=2", headers=seller).json
    assert (page["page"], page["per_page"], page["total"], len(page["items"])) == (2, 2, 3, 1)
    too_big = client.get("/api/inventory?per_page=101", headers=seller)
    assert too_big.status_code == 400
    assert "per_page" in too_big.json["details"]["fields"]
    assert client.get("/api/inventory/alerts?per_page=500", headers=seller).status_code == 400


def test_raising_stock_is_a_restock_and_lowering_it_an_adjustment(
    client, seller, seller_id, add_product, db
):
    product_id = add_product(seller_id, stock=5)
    up = client.put(
        f"/api/inventory/{product_id}", json={"stock": 20, "reason": "delivery"}, headers=seller
    )
    assert up.status_code == 200
    assert up.json["message"] == "Stock updated"
    assert up.json["stock"] == 20
    down = client.put(f"/api/inventory/{product_id}", json={"stock": 17}, headers=seller)
    assert down.json["stock"] == 17
    movements = client.get(f"/api/inventory/{product_id}/movements", headers=seller).json["items"]
    assert [
        (m["change_type"], m["quantity"], m["old_stock"], m["new_stock"]) for m in movements
    ] == [
        ("adjustment", -3, 20, 17),
        ("restock", 15, 5, 20),
        ("restock", 5, 0, 5),
    ]
    assert movements[1]["reason"] == "delivery"
    assert movements[0]["order_id"] is None
    assert [m["version"] for m in levels_messages(db, product_id)] == [1, 2, 3]
    assert [m["available"] for m in levels_messages(db, product_id)] == [5, 20, 17]
    assert ledger_gaps(db) == []


def test_setting_the_same_stock_again_writes_nothing(client, seller, seller_id, add_product, db):
    product_id = add_product(seller_id, stock=5)
    answer = client.put(f"/api/inventory/{product_id}", json={"stock": 5}, headers=seller)
    assert answer.status_code == 200
    assert client.get(f"/api/inventory/{product_id}/movements", headers=seller).json["total"] == 1
    assert len(levels_messages(db, product_id)) == 1


def test_stock_cannot_go_below_what_is_reserved(client, seller, seller_id, add_product, reserve):
    product_id = add_product(seller_id, stock=10)
    assert reserve((product_id, 4)).status_code == 201
    answer = client.put(f"/api/inventory/{product_id}", json={"stock": 3}, headers=seller)
    assert answer.status_code == 409
    assert answer.json["code"] == "stock_below_reserved"
    assert answer.json["details"] == {"stock": 3, "reserved": 4}
    assert (
        client.put(f"/api/inventory/{product_id}", json={"stock": 4}, headers=seller).json[
            "available"
        ]
        == 0
    )
    levels = client.get(f"/api/inventory/{product_id}", headers=seller).json
    assert (levels["stock"], levels["reserved"]) == (4, 4)


@pytest.mark.parametrize(
    "body",
    [
        {"stock": -1},
        {"stock": "ten"},
        {"stock": "5"},
        {"stock": 2.5},
        {"stock": True},
        {"stock": None},
        {"stock": 1_000_001},
        {},
        {"stock": 3, "reason": "x" * 201},
    ],
)
def test_bad_stock_is_a_400_and_changes_nothing(client, seller, seller_id, add_product, body):
    product_id = add_product(seller_id, stock=7)
    answer = client.put(f"/api/inventory/{product_id}", json=body, headers=seller)
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert answer.json["details"]["fields"]
    assert client.get(f"/api/inventory/{product_id}", headers=seller).json["stock"] == 7


def test_a_non_json_body_is_a_415(client, seller, seller_id, add_product):
    product_id = add_product(seller_id)
    answer = client.put(
        f"/api/inventory/{product_id}", data="stock=1", content_type="text/plain", headers=seller
    )
    assert answer.status_code == 415


def test_alerts_list_products_at_or_under_their_threshold_by_available_stock(
    client, tokens, seller, seller_id, admin, add_product, reserve
):
    plenty = add_product(seller_id, stock=50)
    at_threshold = add_product(seller_id, stock=5)
    held_down = add_product(seller_id, stock=8)
    assert reserve((held_down, 6)).status_code == 201  # 2 available
    someone_elses = add_product(str(uuid.uuid4()), stock=1)
    mine = client.get("/api/inventory/alerts", headers=seller).json
    assert [item["product_id"] for item in mine["items"]] == [held_down, at_threshold]
    assert all(item["low_stock"] for item in mine["items"])
    assert plenty not in {item["product_id"] for item in mine["items"]}
    everyone = client.get("/api/inventory/alerts?per_page=100", headers=admin).json
    ids = {item["product_id"] for item in everyone["items"]}
    assert {held_down, at_threshold, someone_elses} <= ids
    assert plenty not in ids


def test_a_seller_sets_the_low_stock_threshold(client, seller, seller_id, add_product):
    product_id = add_product(seller_id, stock=50)
    answer = client.put(
        f"/api/inventory/{product_id}/threshold", json={"low_stock_threshold": 60}, headers=seller
    )
    assert answer.status_code == 200
    assert answer.json["low_stock_threshold"] == 60
    assert answer.json["low_stock"] is True
    alerts = client.get("/api/inventory/alerts", headers=seller).json["items"]
    assert [item["product_id"] for item in alerts] == [product_id]
    for bad in (-1, "3", 1.5, None):
        answer = client.put(
            f"/api/inventory/{product_id}/threshold",
            json={"low_stock_threshold": bad},
            headers=seller,
        )
        assert answer.status_code == 400


def test_the_default_threshold_comes_from_the_settings(make_service_app, internal_headers, tokens):
    from services.inventory.app import create_app

    app = make_service_app(create_app, SOUK_DEFAULT_LOW_STOCK_THRESHOLD="2")
    client = app.test_client()
    seller_id, product_id = str(uuid.uuid4()), str(uuid.uuid4())
    client.post(
        "/internal/inventory/items",
        json={
            "messages": [
                {
                    "event_id": str(uuid.uuid4()),
                    "payload": {"product_id": product_id, "seller_id": seller_id, "stock": 1},
                }
            ]
        },
        headers=internal_headers,
    )
    answer = client.get(
        f"/api/inventory/{product_id}", headers=tokens.headers("seller", user_id=seller_id)
    )
    assert answer.json["low_stock_threshold"] == 2


def test_movements_are_paginated_newest_first(client, seller, seller_id, add_product):
    product_id = add_product(seller_id, stock=1)
    for stock in (2, 3, 4):
        client.put(f"/api/inventory/{product_id}", json={"stock": stock}, headers=seller)
    page = client.get(f"/api/inventory/{product_id}/movements?per_page=2", headers=seller).json
    assert page["total"] == 4
    assert [m["new_stock"] for m in page["items"]] == [4, 3]
    assert page["items"][0]["at"].endswith("Z")
    assert (
        client.get(
            f"/api/inventory/{product_id}/movements?per_page=101", headers=seller
        ).status_code
        == 400
    )


def test_levels_batch_reads_many_products_and_skips_unknown_ids(
    client, internal_headers, seller_id, add_product, reserve
):
    first, second = add_product(seller_id, stock=4), add_product(seller_id, stock=9)
    reserve((second, 2))
    ids = ",".join([first, second, str(uuid.uuid4()), "garbage"])
    answer = client.get(f"/internal/inventory/levels?ids={ids}", headers=internal_headers)
    assert answer.status_code == 200
    found = {item["product_id"]: item for item in answer.json["items"]}
    assert set(found) == {first, second}
    assert found[second] | {} == {
        "product_id": second,
        "seller_id": seller_id,
        "stock": 9,
        "reserved": 2,
        "available": 7,
    }
    assert client.get("/internal/inventory/levels", headers=internal_headers).status_code == 400
    too_many = ",".join(str(uuid.uuid4()) for _ in range(501))
    answer = client.get(f"/internal/inventory/levels?ids={too_many}", headers=internal_headers)
    assert answer.status_code == 400


def test_trailing_slash_reaches_the_same_route(client, seller):
    assert client.get("/api/inventory/", headers=seller).status_code == 200


def test_health_answers_ok_with_the_database(client):
    answer = client.get("/api/inventory/health")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok"


def test_openapi_documents_the_inventory_routes(client):
    document = client.get("/api/inventory/openapi.json").json
    assert "/api/inventory/{product_id}" in document["paths"]
    assert "/api/inventory/alerts" in document["paths"]


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []


def live_messages(session, product_id: str) -> list[dict]:
    """The live updates queued about one product, oldest first."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.destination == "activity",
            OutboxMessage.path == "/live",
            OutboxMessage.payload["data"]["product_id"].astext == product_id,
        )
        .order_by(OutboxMessage.id)
    ).all()
    return [row.payload for row in rows]


def test_every_level_is_streamed_to_the_products_watchers_and_the_seller_hears_when_it_runs_low(
    client, seller, seller_id, add_product, reserve, db
):
    product_id = add_product(seller_id, stock=8)  # threshold 5
    for quantity in (2, 1, 1):  # available 6, 5 (low now), 4 (still low)
        assert reserve((product_id, quantity)).status_code == 201
    restocked = client.put(f"/api/inventory/{product_id}", json={"stock": 20}, headers=seller)
    assert restocked.status_code == 200  # available 16
    lowered = client.put(f"/api/inventory/{product_id}", json={"stock": 8}, headers=seller)
    assert lowered.status_code == 200  # available 4: low again

    live = live_messages(db, product_id)
    levels = [m for m in live if m["kind"] == "stock.level"]
    assert [m["data"] for m in levels] == levels_messages(db, product_id)
    assert [m["data"]["available"] for m in levels] == [8, 6, 5, 4, 16, 4]
    assert {(m["product_id"], m["user_id"]) for m in levels} == {(product_id, None)}
    alerts = [m for m in live if m["kind"] == "stock.low"]
    assert [(m["user_id"], m["data"]["available"]) for m in alerts] == [
        (seller_id, 5),
        (seller_id, 4),
    ]
    assert {m["data"]["threshold"] for m in alerts} == {5}
