"""Notifications: made from the live events as they are stored, read and chosen by their users."""

import uuid
from datetime import timedelta

import pytest
from souk_kit.db import database_of
from sqlalchemy import select

from services.activity.models import Notification, OutgoingEmail
from services.activity.tests.test_live import NOW, live_message, send

STEPS = ("paid", "picked_up", "out_for_delivery", "delivered")


def paid(buyer: uuid.UUID, order_id: uuid.UUID | None = None, status: str = "paid") -> dict:
    """The order's move to `status`, a minute after the step before it."""
    data = {"order_id": str(order_id or uuid.uuid4()), "status": status, "total": "35.00"}
    at = NOW + timedelta(minutes=STEPS.index(status) if status in STEPS else 0)
    return live_message("order.status", {**data, "currency": "USD"}, user_id=buyer, at=at)


def inbox_of(client, tokens, user_id: uuid.UUID, role: str = "customer", query: str = "") -> dict:
    answer = client.get(
        f"/api/notifications{query}", headers=tokens.headers(role, user_id=str(user_id))
    )
    assert answer.status_code == 200, answer.json
    return answer.json


def test_each_step_of_an_order_tells_its_buyer_once(client, tokens, internal_headers):
    buyer, order_id = uuid.uuid4(), uuid.uuid4()
    steps = [paid(buyer, order_id, s) for s in ("paid", "picked_up", "out_for_delivery")]
    send(client, internal_headers, *steps)
    send(client, internal_headers, steps[0])  # the outbox delivers a message again
    send(client, internal_headers, paid(buyer, order_id, "delivered"))

    page = inbox_of(client, tokens, buyer)
    ref = f"Order {str(order_id)[:8]}"
    assert [n["title"] for n in page["items"]] == [
        f"{ref} is delivered",
        f"{ref} is out for delivery",
        f"{ref} is on its way",
        f"{ref} is placed",
    ]
    assert (page["total"], page["unread"]) == (4, 4)
    placed = page["items"][-1]
    assert placed["kind"] == "order_placed" and "35.00 USD" in placed["body"]
    assert placed["link"] == f"/orders/{order_id}" and placed["read_at"] is None
    assert inbox_of(client, tokens, uuid.uuid4())["items"] == []  # nobody else's


def test_sellers_hear_of_new_orders_and_low_stock_by_product_name(
    client, tokens, internal_headers, fake_products
):
    seller, lamp = uuid.uuid4(), fake_products.add("Brass lamp")
    new_order = live_message(
        "order.new",
        {"order_id": str(uuid.uuid4()), "lines": [{"name": "Brass lamp", "quantity": 2}]},
        user_id=seller,
    )
    low = live_message(
        "stock.low", {"product_id": str(lamp), "available": 2, "threshold": 5}, user_id=seller
    )
    level = live_message("stock.level", {"available": 2}, product_id=lamp)
    send(client, internal_headers, new_order, low, level)

    items = inbox_of(client, tokens, seller, "seller")["items"]
    by_kind = {n["kind"]: n for n in items}
    assert set(by_kind) == {"new_order", "low_stock"}  # a product page's update tells no one
    assert by_kind["new_order"]["body"] == "To send: 2 × Brass lamp."
    assert by_kind["low_stock"]["title"] == "Low stock: Brass lamp"
    assert "down to 2 available (your alert level is 5)" in by_kind["low_stock"]["body"]


def test_low_stock_is_still_told_when_the_catalogue_does_not_answer(
    client, tokens, internal_headers, fake_products
):
    seller = uuid.uuid4()
    fake_products.down = True
    low = live_message(
        "stock.low",
        {"product_id": str(uuid.uuid4()), "available": 1, "threshold": 3},
        user_id=seller,
    )
    assert send(client, internal_headers, low).status_code == 200
    [notification] = inbox_of(client, tokens, seller, "seller")["items"]
    assert notification["title"] == "Low stock"
    assert notification["body"].startswith("One of your products is down to 1 available")


def test_marking_read_one_and_all(client, tokens, internal_headers):
    buyer = uuid.uuid4()
    send(client, internal_headers, paid(buyer), paid(buyer), paid(buyer))
    headers = tokens.headers(user_id=str(buyer))
    first, *_ = inbox_of(client, tokens, buyer)["items"]

    read = client.post(f"/api/notifications/{first['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read_at"] is not None
    again = client.post(f"/api/notifications/{first['id']}/read", headers=headers)
    assert again.json["read_at"] == read.json["read_at"]  # the first reading counts
    unread = inbox_of(client, tokens, buyer, query="?unread=true")
    assert (unread["total"], unread["unread"]) == (2, 2)
    assert first["id"] not in [n["id"] for n in unread["items"]]

    assert client.post("/api/notifications/read-all", headers=headers).json == {"marked": 2}
    assert client.post("/api/notifications/read-all", headers=headers).json == {"marked": 0}
    assert inbox_of(client, tokens, buyer)["unread"] == 0


@pytest.mark.parametrize(
    "notification_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "theirs"]
)
def test_another_users_or_an_unknown_notification_is_not_found(
    client, tokens, internal_headers, notification_id
):
    owner = uuid.uuid4()
    send(client, internal_headers, paid(owner))
    if notification_id == "theirs":
        notification_id = inbox_of(client, tokens, owner)["items"][0]["id"]
    answer = client.post(
        f"/api/notifications/{notification_id}/read",
        headers=tokens.headers(user_id=str(uuid.uuid4())),
    )
    assert answer.status_code == 404
    assert answer.json["code"] == "not_found"
    assert inbox_of(client, tokens, owner)["unread"] == 1


def test_the_inbox_is_for_signed_in_users_and_pages_like_every_list(client, tokens):
    assert client.get("/api/notifications").status_code == 401
    answer = client.get("/api/notifications?per_page=500", headers=tokens.headers())
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"


def test_each_role_chooses_among_its_own_kinds(client, tokens):
    def kinds(role: str) -> list[str]:
        answer = client.get("/api/notifications/preferences", headers=tokens.headers(role))
        assert answer.status_code == 200
        assert all(p["inbox"] and p["email"] for p in answer.json["items"])  # on by default
        return [p["kind"] for p in answer.json["items"]]

    assert kinds("customer") == [
        "order_placed",
        "order_picked_up",
        "order_out_for_delivery",
        "order_delivered",
        "order_cancelled",
    ]
    assert kinds("seller") == ["new_order", "low_stock"]
    assert kinds("courier") == []


@pytest.mark.parametrize(
    ("kind", "body", "status", "code"),
    [
        ("low_stock", {"inbox": False}, 404, "not_found"),  # a seller's kind, asked by a buyer
        ("order_made_up", {"inbox": False}, 404, "not_found"),
        ("order_placed", {}, 400, "validation_error"),
        ("order_placed", {"inbox": "sometimes"}, 400, "validation_error"),
    ],
)
def test_a_choice_must_name_a_kind_of_the_role_and_a_switch(
    client, tokens, kind, body, status, code
):
    answer = client.put(
        f"/api/notifications/preferences/{kind}", json=body, headers=tokens.headers()
    )
    assert answer.status_code == status
    assert answer.json["code"] == code


def test_a_kind_turned_off_in_the_inbox_is_no_longer_kept(
    make_service_app, tokens, internal_headers
):
    from services.activity.app import create_app

    app = make_service_app(create_app, SOUK_SMTP_HOST="127.0.0.1")
    client = app.test_client()
    buyer = uuid.uuid4()
    headers = tokens.headers(user_id=str(buyer))
    off = client.put(
        "/api/notifications/preferences/order_placed", json={"inbox": False}, headers=headers
    )
    assert off.json == {
        "kind": "order_placed",
        "label": "Order placed and paid",
        "inbox": False,
        "email": True,
    }
    mail_off = client.put(
        "/api/notifications/preferences/order_picked_up", json={"email": False}, headers=headers
    )
    assert (mail_off.json["inbox"], mail_off.json["email"]) == (True, False)

    order_id = uuid.uuid4()
    send(client, internal_headers, paid(buyer, order_id), paid(buyer, order_id, "picked_up"))

    assert [n["kind"] for n in inbox_of(client, tokens, buyer)["items"]] == ["order_picked_up"]
    with database_of(app).new_session() as session:
        emails = session.scalars(select(OutgoingEmail).where(OutgoingEmail.user_id == buyer))
        assert [e.kind for e in emails] == ["order_placed"]


def test_without_an_smtp_server_no_email_is_queued(app, client, internal_headers):
    buyer = uuid.uuid4()
    send(client, internal_headers, paid(buyer))
    with database_of(app).new_session() as session:
        assert session.scalar(select(Notification.kind).where(Notification.user_id == buyer))
        assert session.scalars(select(OutgoingEmail)).all() == []
