"""Races with real commits: several threads, each with its own connection, against one shipment."""

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from souk_kit.app import use_clients
from souk_kit.db import database_of
from sqlalchemy import create_engine, text

from services.shipping.app import create_app
from services.shipping.clients import Clients
from services.shipping.tests.conftest import FakeProducts, FakeUsers


@pytest.fixture
def committing_app(service_env, migrated_url) -> Iterator[Flask]:
    """The app on its own engine: every request commits for real (no test transaction)."""
    app = create_app()
    app.config["TESTING"] = True
    use_clients(app, Clients(FakeProducts(), FakeUsers()))
    orders: list[str] = []
    app.config["created_orders"] = orders
    yield app
    database_of(app).engine.dispose()
    engine = create_engine(migrated_url)
    with engine.begin() as connection:
        for order_id in orders:
            shipment_id = connection.scalar(
                text("SELECT id FROM shipping.shipments WHERE order_id = :o"), {"o": order_id}
            )
            connection.execute(
                text(
                    "DELETE FROM shipping.outbox WHERE payload->>'shipment_id' = :s"
                    " OR payload->'metadata'->>'shipment_id' = :s"
                ),
                {"s": str(shipment_id)},
            )
            connection.execute(
                text("DELETE FROM shipping.shipments WHERE order_id = :o"), {"o": order_id}
            )
    engine.dispose()


def committed_shipment(app: Flask, internal_headers: dict) -> dict:
    order_id = str(uuid.uuid4())
    app.config["created_orders"].append(order_id)
    answer = app.test_client().post(
        "/internal/shipping/shipments",
        json={"order_id": order_id, "user_id": str(uuid.uuid4()), "zone": "central"},
        headers=internal_headers,
    )
    assert answer.status_code == 201
    assert answer.json is not None
    return answer.json


def run_together(calls: list[Callable[[], tuple[int, str | None]]]) -> list[tuple[int, str | None]]:
    barrier = threading.Barrier(len(calls))
    results: list[tuple[int, str | None]] = [(0, None)] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_ten_couriers_race_for_one_shipment_and_exactly_one_wins(
    committing_app, internal_headers, tokens
):
    shipment = committed_shipment(committing_app, internal_headers)
    couriers = [str(uuid.uuid4()) for _ in range(10)]

    def pick_up(courier: str) -> Callable[[], tuple[int, str | None]]:
        headers = tokens.headers("courier", user_id=courier)

        def call() -> tuple[int, str | None]:
            answer = committing_app.test_client().post(
                f"/api/shipping/shipments/{shipment['id']}/pickup", headers=headers
            )
            return answer.status_code, (answer.json or {}).get("code")

        return call

    results = run_together([pick_up(c) for c in couriers])
    assert Counter(status for status, _ in results) == {200: 1, 409: 9}
    assert {code for status, code in results if status == 409} == {"already_picked_up"}

    winner = couriers[[status for status, _ in results].index(200)]
    detail = (
        committing_app.test_client()
        .get(
            f"/internal/shipping/shipments/by-order/{shipment['order_id']}",
            headers=internal_headers,
        )
        .json
    )
    assert detail["courier_id"] == winner
    assert [e["status"] for e in detail["events"]] == ["pending", "picked_up"]


def test_a_pickup_racing_a_cancellation_never_both_win(committing_app, internal_headers, tokens):
    for _ in range(5):
        shipment = committed_shipment(committing_app, internal_headers)
        headers = tokens.headers("courier", user_id=str(uuid.uuid4()))

        def pick_up(
            shipment_id: str = shipment["id"], headers: dict = headers
        ) -> tuple[int, str | None]:
            answer = committing_app.test_client().post(
                f"/api/shipping/shipments/{shipment_id}/pickup", headers=headers
            )
            return answer.status_code, (answer.json or {}).get("code")

        def cancel(order_id: str = shipment["order_id"]) -> tuple[int, str | None]:
            answer = committing_app.test_client().post(
                f"/internal/shipping/shipments/by-order/{order_id}/cancel",
                headers=internal_headers,
            )
            return answer.status_code, (answer.json or {}).get("code")

        picked, cancelled = run_together([pick_up, cancel])
        assert sorted([picked[0], cancelled[0]]) == [200, 409]
        final = (
            committing_app.test_client()
            .get(
                f"/internal/shipping/shipments/by-order/{shipment['order_id']}",
                headers=internal_headers,
            )
            .json["status"]
        )
        assert final == ("picked_up" if picked[0] == 200 else "cancelled")
