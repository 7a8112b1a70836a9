"""Inventory through the gateway: a seller's stock levels, ledger, alerts and thresholds per
role, the catalogue's copy of stock, and the internal reservation contract."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.conftest import bearer, wait_until

pytestmark = pytest.mark.e2e

TIMEOUT = 10


def wait_for(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """`check`'s first truthy result (outbox delivery is asynchronous)."""
    found: list[Any] = []
    wait_until(lambda: bool(found.append(check()) or found[-1]), seconds, "the stack to catch up")
    return found[-1]


def login(stack, email: str, password: str) -> str:
    answer = requests.post(
        f"{stack.url}/api/auth/login", json={"email": email, "password": password}, timeout=TIMEOUT
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def people(stack) -> dict[str, dict[str, str]]:
    """An admin, two shops and a customer, each with auth headers."""
    admin = bearer(login(stack, stack.admin_email, stack.admin_password))
    password = "inventory-e2e-pass"
    people = {"admin": admin}
    for name in ("seller", "other_seller"):
        email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
        created = requests.post(
            f"{stack.url}/api/auth/users",
            json={
                "email": email,
                "password": password,
                "name": name,
                "role": "seller",
                "shop_name": f"{name} shop",
            },
            headers=admin,
            timeout=TIMEOUT,
        )
        assert created.status_code == 201, created.text
        people[name] = bearer(login(stack, email, password))
    email = f"customer-{uuid.uuid4().hex[:8]}@example.com"
    registered = requests.post(
        f"{stack.url}/api/auth/register",
        json={"email": email, "password": password},
        timeout=TIMEOUT,
    )
    assert registered.status_code == 201, registered.text
    people["customer"] = bearer(login(stack, email, password))
    return people


def new_product(stack, seller: dict[str, str], stock: int) -> str:
    """A product created through the catalogue; returns once inventory holds its stock row."""
    answer = requests.post(
        f"{stack.url}/api/products",
        json={"name": f"Lamp {uuid.uuid4().hex[:6]}", "price": "19.99", "stock": stock},
        headers=seller,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201, answer.text
    product_id = answer.json()["id"]
    wait_for(
        lambda: (
            requests.get(
                f"{stack.url}/api/inventory/{product_id}", headers=seller, timeout=TIMEOUT
            ).status_code
            == 200
        )
    )
    return product_id


def get(stack, path: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.get(f"{stack.url}{path}", headers=headers, timeout=TIMEOUT)


def put(stack, path: str, body: Any, headers: dict[str, str]) -> requests.Response:
    return requests.put(f"{stack.url}{path}", json=body, headers=headers, timeout=TIMEOUT)


def test_a_new_product_arrives_in_inventory_with_its_opening_stock(stack, people):
    product_id = new_product(stack, people["seller"], stock=8)
    levels = get(stack, f"/api/inventory/{product_id}", people["seller"]).json()
    assert (levels["stock"], levels["reserved"], levels["available"]) == (8, 0, 8)
    assert levels["low_stock_threshold"] == 5
    ledger = get(stack, f"/api/inventory/{product_id}/movements", people["seller"]).json()
    assert [(m["change_type"], m["quantity"]) for m in ledger["items"]] == [("restock", 8)]


def test_only_the_owner_and_staff_see_a_products_stock(stack, people):
    product_id = new_product(stack, people["seller"], stock=4)
    path = f"/api/inventory/{product_id}"
    assert get(stack, path, people["admin"]).status_code == 200
    assert get(stack, path, people["other_seller"]).status_code == 403
    assert get(stack, f"{path}/movements", people["other_seller"]).status_code == 403
    assert put(stack, path, {"stock": 1}, people["other_seller"]).status_code == 403
    assert get(stack, path, people["customer"]).status_code == 403
    assert get(stack, path).status_code == 401
    unknown = get(stack, f"/api/inventory/{uuid.uuid4()}", people["seller"])
    assert unknown.status_code == 404
    assert set(unknown.json()) == {"error", "code", "details"}
    assert get(stack, "/api/inventory/not-an-id", people["seller"]).status_code == 404


def test_a_seller_lists_their_own_stock_and_an_admin_everyones(stack, people):
    product_id = new_product(stack, people["seller"], stock=6)
    mine = get(stack, "/api/inventory?per_page=100", people["seller"]).json()
    assert product_id in {item["product_id"] for item in mine["items"]}
    assert {"items", "page", "per_page", "total"} <= set(mine)
    theirs = get(stack, "/api/inventory?per_page=100", people["other_seller"]).json()
    assert product_id not in {item["product_id"] for item in theirs["items"]}
    seller_id = get(stack, f"/api/inventory/{product_id}", people["seller"]).json()["seller_id"]
    staff = get(stack, f"/api/inventory?seller_id={seller_id}&per_page=100", people["admin"]).json()
    assert product_id in {item["product_id"] for item in staff["items"]}
    assert get(stack, "/api/inventory", people["customer"]).status_code == 403
    assert get(stack, "/api/inventory?per_page=101", people["seller"]).status_code == 400


def test_updating_stock_writes_the_ledger_and_reaches_the_catalogue(stack, people):
    product_id = new_product(stack, people["seller"], stock=10)
    path = f"/api/inventory/{product_id}"
    answer = put(stack, path, {"stock": 3, "reason": "damaged in store"}, people["seller"])
    assert answer.status_code == 200
    assert answer.json()["message"] == "Stock updated"
    assert answer.json()["stock"] == 3
    up = put(stack, path + "/", {"stock": 7}, people["admin"])
    assert up.status_code == 200
    ledger = get(stack, f"{path}/movements", people["seller"]).json()["items"]
    assert [(m["change_type"], m["quantity"], m["old_stock"], m["new_stock"]) for m in ledger] == [
        ("restock", 4, 3, 7),
        ("adjustment", -7, 10, 3),
        ("restock", 10, 0, 10),
    ]
    assert ledger[1]["reason"] == "damaged in store"
    assert sum(m["quantity"] for m in ledger) == 7
    wait_for(lambda: get(stack, f"/api/products/{product_id}").json().get("stock") == 7)


@pytest.mark.parametrize("body", [{"stock": -1}, {"stock": "abc"}, {"stock": 2.5}, {}])
def test_bad_stock_is_refused_and_changes_nothing(stack, people, body):
    product_id = new_product(stack, people["seller"], stock=5)
    answer = put(stack, f"/api/inventory/{product_id}", body, people["seller"])
    assert answer.status_code == 400
    assert answer.json()["code"] == "validation_error"
    assert get(stack, f"/api/inventory/{product_id}", people["seller"]).json()["stock"] == 5


def test_alerts_follow_the_threshold_per_shop(stack, people):
    low = new_product(stack, people["seller"], stock=2)
    plenty = new_product(stack, people["seller"], stock=50)

    def alert_ids(who: str) -> set[str]:
        answer = get(stack, "/api/inventory/alerts?per_page=100", people[who])
        assert answer.status_code == 200
        return {item["product_id"] for item in answer.json()["items"]}

    assert low in alert_ids("seller")
    assert plenty not in alert_ids("seller")
    assert low not in alert_ids("other_seller")
    assert low in alert_ids("admin")
    answer = put(
        stack, f"/api/inventory/{low}/threshold", {"low_stock_threshold": 1}, people["seller"]
    )
    assert answer.status_code == 200
    assert answer.json()["low_stock_threshold"] == 1
    assert low not in alert_ids("seller")
    assert (
        put(
            stack,
            f"/api/inventory/{plenty}/threshold",
            {"low_stock_threshold": 60},
            people["admin"],
        ).status_code
        == 200
    )
    assert plenty in alert_ids("seller")
    assert get(stack, "/api/inventory/alerts", people["customer"]).status_code == 403


def test_internal_routes_are_not_reachable_through_the_public_gateway(stack):
    answer = requests.get(f"{stack.url}/internal/inventory/levels?ids=x", timeout=TIMEOUT)
    assert answer.status_code == 404


def test_a_reservation_is_held_committed_and_returned_through_the_internal_listener(stack, people):
    product_id = new_product(stack, people["seller"], stock=5)
    internal = f"{stack.internal_url}/internal/inventory"
    headers = {"X-Service-Token": stack.service_token}
    order_id = str(uuid.uuid4())
    body = {"order_id": order_id, "lines": [{"product_id": product_id, "quantity": 2}]}
    held = requests.post(f"{internal}/reservations", json=body, headers=headers, timeout=TIMEOUT)
    assert held.status_code == 201, held.text
    again = requests.post(f"{internal}/reservations", json=body, headers=headers, timeout=TIMEOUT)
    assert again.status_code == 200
    short = requests.post(
        f"{internal}/reservations",
        json={"order_id": str(uuid.uuid4()), "lines": [{"product_id": product_id, "quantity": 4}]},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert short.status_code == 409
    assert short.json()["details"]["lines"] == [
        {"product_id": product_id, "requested": 4, "available": 3}
    ]
    levels = get(stack, f"/api/inventory/{product_id}", people["seller"]).json()
    assert (levels["stock"], levels["reserved"], levels["available"]) == (5, 2, 3)
    committed = requests.post(
        f"{internal}/reservations/{order_id}/commit", headers=headers, timeout=TIMEOUT
    )
    assert committed.json() == {"order_id": order_id, "status": "committed"}
    returned = requests.post(
        f"{internal}/reservations/{order_id}/release", headers=headers, timeout=TIMEOUT
    )
    assert returned.json() == {"order_id": order_id, "status": "returned"}
    ledger = get(stack, f"/api/inventory/{product_id}/movements", people["seller"]).json()["items"]
    assert [m["change_type"] for m in ledger] == ["return", "purchase", "restock"]
    assert sum(m["quantity"] for m in ledger) == 5
