"""Notifications through the whole stack: an order's steps reach the buyer's inbox and, through
the stack's SMTP sink, their mailbox; the seller hears of the order and of low stock."""

import mailbox

import pytest

from tests.conftest import GatewaySession, Stack, wait_until
from tests.test_delivery import place_order, shipment_of
from tests.test_live_updates import STEPS, shop_with_a_courier

pytestmark = pytest.mark.e2e


def address_of(gateway: GatewaySession, headers: dict[str, str]) -> str:
    me = gateway.get("/api/auth/me", headers=headers)
    assert me.status_code == 200, me.text
    return str(me.json()["email"])


def mail_to(stack: Stack, address: str) -> list[mailbox.MaildirMessage]:
    """Every message the stack's SMTP sink received for `address`, oldest first."""
    sink = mailbox.Maildir(stack.settings.mail_dir, create=False)
    return sorted(
        (m for m in sink if address in (m["To"] or "")), key=mailbox.MaildirMessage.get_date
    )


def subjects_for(stack: Stack, address: str) -> set[str]:
    return {str(m["Subject"]) for m in mail_to(stack, address)}


def inbox(gateway: GatewaySession, headers: dict[str, str], query: str = "") -> dict:
    answer = gateway.get(f"/api/notifications{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_order_is_told_to_its_buyer_and_seller_by_inbox_and_email(
    stack: Stack, gateway: GatewaySession, admin
):
    seller, courier, buyer, product = shop_with_a_courier(gateway, admin, stock=7)  # threshold 5
    buyer_address, seller_address = address_of(gateway, buyer), address_of(gateway, seller)
    order = place_order(gateway, buyer, product, quantity=2)
    ref = f"Order {order['order_id'][:8]}"
    shipment = shipment_of(gateway, buyer, order["order_id"])
    for action, _ in STEPS:
        answer = gateway.post(f"/api/shipping/shipments/{shipment['id']}/{action}", headers=courier)
        assert answer.status_code == 200, answer.text

    buyer_subjects = {
        f"{ref} is placed",
        f"{ref} is on its way",
        f"{ref} is out for delivery",
        f"{ref} is delivered",
    }
    wait_until(
        lambda: subjects_for(stack, buyer_address) >= buyer_subjects, 20, "the buyer's e-mails"
    )
    name = gateway.get(f"/api/products/{product}").json()["name"]
    seller_subjects = {f"New order: {ref}", f"Low stock: {name}"}
    wait_until(
        lambda: subjects_for(stack, seller_address) >= seller_subjects, 20, "the seller's e-mails"
    )
    assert len(mail_to(stack, buyer_address)) == 4  # each step once
    placed = next(m for m in mail_to(stack, buyer_address) if m["Subject"] == f"{ref} is placed")
    text = placed.get_payload(decode=True).decode()
    assert f"{order['total']} {order['currency']}" in text
    assert f"/orders/{order['order_id']}" in text

    # The same messages wait in the inbox, newest first, until read.
    page = inbox(gateway, buyer)
    assert page["items"][0]["title"] == f"{ref} is delivered"
    assert {n["title"] for n in page["items"]} == buyer_subjects
    assert page["unread"] == 4
    read = gateway.post("/api/notifications/read-all", headers=buyer)
    assert read.status_code == 200 and read.json() == {"marked": 4}
    assert inbox(gateway, buyer, "?unread=true")["items"] == []
    assert {n["kind"] for n in inbox(gateway, seller)["items"]} == {"new_order", "low_stock"}


def test_a_buyer_who_turns_a_kind_off_is_no_longer_told_of_it(
    stack: Stack, gateway: GatewaySession, admin
):
    _, courier, buyer, product = shop_with_a_courier(gateway, admin)
    buyer_address = address_of(gateway, buyer)
    off = gateway.put(
        "/api/notifications/preferences/order_placed",
        json={"inbox": False, "email": False},
        headers=buyer,
    )
    assert off.status_code == 200, off.text
    listed = gateway.get("/api/notifications/preferences", headers=buyer).json()["items"]
    assert (listed[0]["kind"], listed[0]["inbox"], listed[0]["email"]) == (
        "order_placed",
        False,
        False,
    )

    order = place_order(gateway, buyer, product)
    shipment = shipment_of(gateway, buyer, order["order_id"])
    answer = gateway.post(f"/api/shipping/shipments/{shipment['id']}/pickup", headers=courier)
    assert answer.status_code == 200, answer.text
    ref = f"Order {order['order_id'][:8]}"
    # The pick-up is told (inbox and e-mail); the placing, made earlier, was not.
    wait_until(
        lambda: f"{ref} is on its way" in subjects_for(stack, buyer_address), 20, "the e-mail"
    )
    assert subjects_for(stack, buyer_address) == {f"{ref} is on its way"}
    assert [n["kind"] for n in inbox(gateway, buyer)["items"]] == ["order_picked_up"]


def test_the_inbox_refuses_the_signed_out_and_unknown_notifications(gateway: GatewaySession, admin):
    assert gateway.get("/api/notifications").status_code == 401
    _, _, buyer, _ = shop_with_a_courier(gateway, admin)
    missing = gateway.post(
        "/api/notifications/00000000-0000-0000-0000-000000000000/read", headers=buyer
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong_kind = gateway.put(
        "/api/notifications/preferences/low_stock", json={"email": False}, headers=buyer
    )
    assert wrong_kind.status_code == 404 and wrong_kind.json()["code"] == "not_found"
