import uuid
from datetime import timedelta

import pytest
from souk_kit.db import database_of
from sqlalchemy import select, update

from services.inventory import service
from services.inventory.app import expiry_work
from services.inventory.models import Reservation
from services.inventory.tests.conftest import ledger_gaps, levels_messages


@pytest.fixture
def product(seller_id, add_product) -> str:
    return add_product(seller_id, stock=10)


def levels(client, internal_headers, *product_ids: str) -> dict[str, dict]:
    answer = client.get(
        f"/internal/inventory/levels?ids={','.join(product_ids)}", headers=internal_headers
    )
    return {item["product_id"]: item for item in answer.json["items"]}


def movements(client, admin, product_id: str) -> list[dict]:
    return client.get(f"/api/inventory/{product_id}/movements", headers=admin).json["items"]


def commit(client, internal_headers, order_id: str):
    return client.post(
        f"/internal/inventory/reservations/{order_id}/commit", headers=internal_headers
    )


def release(client, internal_headers, order_id: str):
    return client.post(
        f"/internal/inventory/reservations/{order_id}/release", headers=internal_headers
    )


def test_a_reservation_holds_every_line(client, internal_headers, seller_id, add_product, reserve):
    first, second = add_product(seller_id, stock=10), add_product(seller_id, stock=3)
    order_id = str(uuid.uuid4())
    answer = reserve((first, 4), (second, 3), order_id=order_id)
    assert answer.status_code == 201
    assert answer.json["order_id"] == order_id
    assert answer.json["status"] == "held"
    assert sorted(
        (line["product_id"], line["quantity"]) for line in answer.json["lines"]
    ) == sorted([(first, 4), (second, 3)])
    assert answer.json["expires_at"].endswith("Z")
    found = levels(client, internal_headers, first, second)
    assert (found[first]["stock"], found[first]["reserved"], found[first]["available"]) == (
        10,
        4,
        6,
    )
    assert found[second]["available"] == 0


def test_one_short_line_holds_nothing_and_every_short_line_is_named(
    client, internal_headers, seller_id, add_product, reserve, db
):
    plenty = add_product(seller_id, stock=10)
    few = add_product(seller_id, stock=2)
    none = add_product(seller_id, stock=0)
    unknown = str(uuid.uuid4())
    order_id = str(uuid.uuid4())
    answer = reserve((plenty, 5), (few, 3), (none, 1), (unknown, 1), order_id=order_id)
    assert answer.status_code == 409
    assert answer.json["code"] == "out_of_stock"
    named = {line["product_id"]: line for line in answer.json["details"]["lines"]}
    assert set(named) == {few, none, unknown}
    assert named[few] == {"product_id": few, "requested": 3, "available": 2}
    assert named[none]["available"] == 0
    assert named[unknown]["available"] == 0
    found = levels(client, internal_headers, plenty, few)
    assert found[plenty]["reserved"] == 0
    assert found[few]["reserved"] == 0
    assert db.get(Reservation, uuid.UUID(order_id)) is None
    assert [m["version"] for m in levels_messages(db, plenty)] == [1]


def test_the_failed_order_id_can_reserve_again_later(client, internal_headers, product, reserve):
    order_id = str(uuid.uuid4())
    assert reserve((product, 11), order_id=order_id).status_code == 409
    assert reserve((product, 10), order_id=order_id).status_code == 201


def test_the_same_order_id_again_returns_the_same_reservation_and_holds_once(
    client, internal_headers, product, reserve, db
):
    order_id = str(uuid.uuid4())
    first = reserve((product, 3), order_id=order_id)
    again = reserve((product, 3), order_id=order_id)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json == first.json
    assert levels(client, internal_headers, product)[product]["reserved"] == 3
    assert len(levels_messages(db, product)) == 2  # creation + one hold


def test_the_same_order_id_with_other_lines_is_a_conflict(
    client, internal_headers, product, reserve
):
    order_id = str(uuid.uuid4())
    reserve((product, 3), order_id=order_id)
    answer = reserve((product, 4), order_id=order_id)
    assert answer.status_code == 409
    assert answer.json["code"] == "reservation_mismatch"
    assert levels(client, internal_headers, product)[product]["reserved"] == 3


def test_lines_naming_the_same_product_are_merged(client, internal_headers, product, reserve):
    answer = reserve((product, 2), (product, 3))
    assert answer.status_code == 201
    assert answer.json["lines"] == [{"product_id": product, "quantity": 5}]
    assert levels(client, internal_headers, product)[product]["reserved"] == 5
    assert reserve((product, 3), (product, 3)).status_code == 409  # 6 > the 5 left


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"quantity": 1}],
        [{"product_id": "not-a-uuid", "quantity": 1}],
        [{"product_id": "PRODUCT", "quantity": 0}],
        [{"product_id": "PRODUCT", "quantity": -2}],
        [{"product_id": "PRODUCT", "quantity": "2"}],
        [{"product_id": "PRODUCT", "quantity": 1.5}],
        [{"product_id": "PRODUCT", "quantity": 1_000_001}],
        [
            {"product_id": "PRODUCT", "quantity": 600_000},
            {"product_id": "PRODUCT", "quantity": 600_000},
        ],
        [{"product_id": str(uuid.UUID(int=i)), "quantity": 1} for i in range(101)],
    ],
)
def test_bad_reservations_are_a_400_and_hold_nothing(client, internal_headers, product, lines):
    body = {
        "order_id": str(uuid.uuid4()),
        "lines": [
            {**line, "product_id": product} if line.get("product_id") == "PRODUCT" else line
            for line in lines
        ],
    }
    answer = client.post("/internal/inventory/reservations", json=body, headers=internal_headers)
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert levels(client, internal_headers, product)[product]["reserved"] == 0


def test_a_reservation_needs_a_uuid_order_id(client, internal_headers, product):
    answer = client.post(
        "/internal/inventory/reservations",
        json={"order_id": "42", "lines": [{"product_id": product, "quantity": 1}]},
        headers=internal_headers,
    )
    assert answer.status_code == 400
    assert "order_id" in answer.json["details"]["fields"]


def test_commit_sells_the_held_units_and_writes_a_purchase(
    client, internal_headers, admin, product, reserve, db
):
    order_id = str(uuid.uuid4())
    reserve((product, 4), order_id=order_id)
    answer = commit(client, internal_headers, order_id)
    assert answer.status_code == 200
    assert answer.json == {"order_id": order_id, "status": "committed"}
    found = levels(client, internal_headers, product)[product]
    assert (found["stock"], found["reserved"], found["available"]) == (6, 0, 6)
    latest = movements(client, admin, product)[0]
    assert (
        latest["change_type"],
        latest["quantity"],
        latest["old_stock"],
        latest["new_stock"],
    ) == ("purchase", -4, 10, 6)
    assert latest["order_id"] == order_id
    assert latest["reserved_change"] == -4
    again = commit(client, internal_headers, order_id)
    assert again.status_code == 200
    assert levels(client, internal_headers, product)[product]["stock"] == 6
    assert ledger_gaps(db) == []


def test_releasing_a_hold_frees_the_units_with_a_release_row(
    client, internal_headers, admin, product, reserve, db
):
    order_id = str(uuid.uuid4())
    reserve((product, 4), order_id=order_id)
    answer = release(client, internal_headers, order_id)
    assert answer.json == {"order_id": order_id, "status": "released"}
    found = levels(client, internal_headers, product)[product]
    assert (found["stock"], found["reserved"]) == (10, 0)
    latest = movements(client, admin, product)[0]
    assert (latest["change_type"], latest["quantity"], latest["reserved_change"]) == (
        "release",
        0,
        -4,
    )
    assert (latest["old_stock"], latest["new_stock"]) == (10, 10)
    assert release(client, internal_headers, order_id).json["status"] == "released"
    assert len(movements(client, admin, product)) == 2
    gone = commit(client, internal_headers, order_id)
    assert gone.status_code == 409
    assert gone.json["code"] == "reservation_gone"
    assert ledger_gaps(db) == []


def test_releasing_a_committed_reservation_returns_the_stock(
    client, internal_headers, admin, product, reserve, db
):
    order_id = str(uuid.uuid4())
    reserve((product, 4), order_id=order_id)
    commit(client, internal_headers, order_id)
    answer = release(client, internal_headers, order_id)
    assert answer.json == {"order_id": order_id, "status": "returned"}
    found = levels(client, internal_headers, product)[product]
    assert (found["stock"], found["reserved"], found["available"]) == (10, 0, 10)
    latest = movements(client, admin, product)[0]
    assert (
        latest["change_type"],
        latest["quantity"],
        latest["old_stock"],
        latest["new_stock"],
    ) == ("return", 4, 6, 10)
    assert release(client, internal_headers, order_id).json["status"] == "returned"
    assert levels(client, internal_headers, product)[product]["stock"] == 10
    assert commit(client, internal_headers, order_id).status_code == 409
    assert ledger_gaps(db) == []


def test_unknown_orders_release_to_none_and_commit_to_404(client, internal_headers):
    order_id = str(uuid.uuid4())
    assert release(client, internal_headers, order_id).json == {
        "order_id": order_id,
        "status": "none",
    }
    answer = commit(client, internal_headers, order_id)
    assert answer.status_code == 404
    assert answer.json["code"] == "reservation_not_found"
    assert release(client, internal_headers, "nope").status_code == 404
    assert commit(client, internal_headers, "nope").status_code == 404


def expire_now(db, order_id: str) -> None:
    db.execute(
        update(Reservation)
        .where(Reservation.order_id == uuid.UUID(order_id))
        .values(expires_at=service.utcnow() - timedelta(seconds=1))
    )
    db.commit()


def test_committing_an_expired_hold_is_refused_and_frees_the_units(
    client, internal_headers, admin, product, reserve, db
):
    order_id = str(uuid.uuid4())
    reserve((product, 4), order_id=order_id)
    expire_now(db, order_id)
    answer = commit(client, internal_headers, order_id)
    assert answer.status_code == 409
    assert answer.json["code"] == "reservation_gone"
    found = levels(client, internal_headers, product)[product]
    assert (found["stock"], found["reserved"]) == (10, 0)
    assert movements(client, admin, product)[0]["reason"] == "reservation expired"
    assert db.get(Reservation, uuid.UUID(order_id), populate_existing=True).status == "expired"
    assert release(client, internal_headers, order_id).json["status"] == "released"


def test_the_expiry_loop_releases_only_holds_past_their_time(
    app, client, internal_headers, seller_id, add_product, reserve, db
):
    product = add_product(seller_id, stock=10)
    stale, fresh, sold = (str(uuid.uuid4()) for _ in range(3))
    reserve((product, 2), order_id=stale)
    reserve((product, 3), order_id=fresh)
    reserve((product, 1), order_id=sold)
    commit(client, internal_headers, sold)
    expire_now(db, stale)
    expire_now(db, sold)
    expiry_work(database_of(app), app.config["SOUK_SETTINGS"])
    found = levels(client, internal_headers, product)[product]
    assert (found["stock"], found["reserved"], found["available"]) == (9, 3, 6)
    statuses = dict(
        db.execute(
            select(Reservation.order_id, Reservation.status).where(
                Reservation.order_id.in_([uuid.UUID(stale), uuid.UUID(fresh), uuid.UUID(sold)])
            )
        ).all()
    )
    assert statuses == {
        uuid.UUID(stale): "expired",
        uuid.UUID(fresh): "held",
        uuid.UUID(sold): "committed",
    }
    assert levels_messages(db, product)[-1]["available"] == 6
    assert ledger_gaps(db) == []


def test_the_expiry_loop_works_through_more_than_one_batch(
    make_service_app, internal_headers, tokens
):
    from services.inventory.app import create_app

    app = make_service_app(create_app, SOUK_RESERVATION_EXPIRY_BATCH="2")
    client = app.test_client()
    seller_id, product = str(uuid.uuid4()), str(uuid.uuid4())
    client.post(
        "/internal/inventory/items",
        json={
            "messages": [
                {
                    "event_id": str(uuid.uuid4()),
                    "payload": {"product_id": product, "seller_id": seller_id, "stock": 5},
                }
            ]
        },
        headers=internal_headers,
    )
    with database_of(app).new_session() as db:
        for _ in range(5):
            order_id = str(uuid.uuid4())
            answer = client.post(
                "/internal/inventory/reservations",
                json={"order_id": order_id, "lines": [{"product_id": product, "quantity": 1}]},
                headers=internal_headers,
            )
            assert answer.status_code == 201
            expire_now(db, order_id)
    expiry_work(database_of(app), app.config["SOUK_SETTINGS"])
    assert levels(client, internal_headers, product)[product]["available"] == 5


def test_the_reservation_ttl_comes_from_the_settings(make_service_app, internal_headers):
    from services.inventory.app import create_app

    app = make_service_app(create_app, SOUK_RESERVATION_TTL_SECONDS="60")
    client = app.test_client()
    product = str(uuid.uuid4())
    client.post(
        "/internal/inventory/items",
        json={
            "messages": [
                {
                    "event_id": str(uuid.uuid4()),
                    "payload": {"product_id": product, "seller_id": str(uuid.uuid4()), "stock": 5},
                }
            ]
        },
        headers=internal_headers,
    )
    before = service.utcnow()
    answer = client.post(
        "/internal/inventory/reservations",
        json={"order_id": str(uuid.uuid4()), "lines": [{"product_id": product, "quantity": 1}]},
        headers=internal_headers,
    )
    from datetime import datetime

    expires_at = datetime.fromisoformat(answer.json["expires_at"].replace("Z", "+00:00"))
    assert before + timedelta(seconds=59) <= expires_at <= service.utcnow() + timedelta(seconds=61)


def test_the_expiry_loop_is_registered_as_a_background_task(app):
    assert "reservation-expiry" in app.extensions["souk_tasks"]
    assert "outbox" in app.extensions["souk_tasks"]


def test_every_change_of_available_stock_and_only_that_queues_a_growing_version(
    client, internal_headers, seller, product, reserve, db
):
    held, returned = str(uuid.uuid4()), str(uuid.uuid4())
    reserve((product, 2), order_id=held)  # available 8
    reserve((product, 3), order_id=returned)  # 5
    commit(client, internal_headers, returned)  # still 5 (stock 7, reserved 2): no message
    release(client, internal_headers, returned)  # 8
    release(client, internal_headers, held)  # 10
    client.put(f"/api/inventory/{product}", json={"stock": 4}, headers=seller)  # 4
    messages = levels_messages(db, product)
    assert [m["available"] for m in messages] == [10, 8, 5, 8, 10, 4]
    versions = [m["version"] for m in messages]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert all(set(m) == {"product_id", "available", "version"} for m in messages)
    assert ledger_gaps(db) == []


def test_the_ledger_sums_to_the_stock_after_a_mixed_history(
    client, internal_headers, seller, seller_id, add_product, reserve, db
):
    first, second = add_product(seller_id, stock=7), add_product(seller_id, stock=3)
    orders = [str(uuid.uuid4()) for _ in range(4)]
    reserve((first, 2), (second, 1), order_id=orders[0])
    reserve((first, 1), order_id=orders[1])
    reserve((second, 2), order_id=orders[2])
    commit(client, internal_headers, orders[0])
    commit(client, internal_headers, orders[2])
    release(client, internal_headers, orders[1])
    release(client, internal_headers, orders[2])
    client.put(f"/api/inventory/{first}", json={"stock": 12}, headers=seller)
    reserve((first, 12), order_id=orders[3])
    commit(client, internal_headers, orders[3])
    found = levels(client, internal_headers, first, second)
    assert (found[first]["stock"], found[first]["reserved"]) == (0, 0)
    assert (found[second]["stock"], found[second]["reserved"]) == (2, 0)
    assert ledger_gaps(db) == []
