"""Cancelling, the status flow by an admin, and shipping's updates."""

import uuid
from typing import Any

from sqlalchemy import update

from services.orders.models import Order


def _paid_order(buyer, fakes, quantity: int = 2):
    lamp = fakes.stocked("10.00", stock=5)
    ada = buyer().add(lamp, quantity)
    answer = ada.checkout()
    assert answer.status_code == 201
    return ada, lamp, answer.json["order_id"]


def _set_status(db, order_id, status: str) -> None:
    with db() as session:
        session.execute(update(Order).where(Order.id == uuid.UUID(order_id)).values(status=status))


def test_cancelling_a_paid_order_returns_stock_refunds_and_cancels_the_shipment(
    buyer, fakes, load_order, outbox
):
    ada, lamp, order_id = _paid_order(buyer, fakes)
    assert fakes.inventory.stock[lamp.id] == 3

    answer = ada.post(f"/api/orders/{order_id}/cancel")

    assert answer.status_code == 200
    assert answer.json == {"message": "Order canceled and refunded"}
    order = load_order(order_id)
    assert order.status == "cancelled" and order.stock_state == "returned"
    assert not order.compensation_due
    assert [h.status for h in order.history] == ["pending", "paid", "cancelled"]
    assert fakes.inventory.stock[lamp.id] == 5
    assert fakes.shipping.cancelled == [order.id]
    refund = fakes.provider.refunds[0]
    assert refund.charge_id == order.payment.provider_charge_id
    assert refund.amount == order.total
    assert (order.payment.status, order.payment.refunded_amount) == ("refunded", order.total)
    assert [(r.provider_refund_id, r.status) for r in order.payment.refunds] == [
        (refund.id, "succeeded")
    ]
    sales = [m.payload["quantity"] for m in outbox("products", "/sales")]
    assert sales == [2, -2]
    events = outbox("activity", "/events")
    assert [m.payload["type"] for m in events] == ["order_placed", "order_cancelled"]
    live = [m.payload for m in outbox("activity", "/live")]
    to_buyer = [
        (e["kind"], e["data"]["status"]) for e in live if e["user_id"] == str(order.user_id)
    ]
    assert to_buyer == [("order.status", "paid"), ("order.status", "cancelled")]
    # (Other tests' committed messages may share the table: this order's only.)
    [to_seller] = [
        e for e in live if e["kind"] == "order.new" and e["data"]["order_id"] == order_id
    ]
    assert to_seller["user_id"] == str(lamp.seller_id)
    assert to_seller["data"]["lines"] == [
        {"product_id": str(lamp.id), "name": lamp.name, "quantity": 2}
    ]

    detail = ada.get(f"/api/orders/{order_id}").json
    assert detail["status"] == "cancelled"
    assert detail["payment"]["refunded_amount"] == detail["total"]
    assert detail["payment"]["refunds"][0]["refund_id"] == refund.id


def test_an_admin_may_cancel_anyones_order(buyer, fakes, client, tokens, load_order):
    _, _, order_id = _paid_order(buyer, fakes)
    answer = client.post(f"/api/orders/{order_id}/cancel", headers=tokens.headers("admin"))
    assert answer.status_code == 200
    assert load_order(order_id).status == "cancelled"


def test_another_users_order_cannot_be_cancelled_and_is_not_revealed(buyer, fakes, load_order):
    _, _, order_id = _paid_order(buyer, fakes)
    for path in (f"/api/orders/{order_id}/cancel", f"/api/orders/{uuid.uuid4()}/cancel"):
        answer = buyer().post(path)
        assert answer.status_code == 404
        assert answer.json["code"] == "not_found"
    assert buyer().post("/api/orders/not-an-id/cancel").status_code == 404
    assert load_order(order_id).status == "paid"


def test_once_the_courier_has_it_the_order_cannot_be_cancelled(buyer, fakes, load_order):
    ada, lamp, order_id = _paid_order(buyer, fakes)
    fakes.shipping.shipments[uuid.UUID(order_id)]["status"] = "picked_up"

    answer = ada.post(f"/api/orders/{order_id}/cancel")

    assert answer.status_code == 409
    assert answer.json["code"] == "already_picked_up"
    assert load_order(order_id).status == "paid"
    assert fakes.provider.refunds == [] and fakes.inventory.stock[lamp.id] == 3


def test_a_delivered_order_cannot_be_cancelled(buyer, fakes, db):
    ada, _, order_id = _paid_order(buyer, fakes)
    _set_status(db, order_id, "delivered")
    answer = ada.post(f"/api/orders/{order_id}/cancel")
    assert answer.status_code == 409
    assert answer.json["code"] == "already_picked_up"


def test_cancelling_twice_is_a_409_and_refunds_once(buyer, fakes):
    ada, _, order_id = _paid_order(buyer, fakes)
    assert ada.post(f"/api/orders/{order_id}/cancel").status_code == 200
    again = ada.post(f"/api/orders/{order_id}/cancel")
    assert again.status_code == 409
    assert again.json["code"] == "illegal_transition"
    assert len(fakes.provider.refunds) == 1


def test_a_failed_order_cannot_be_cancelled(buyer, fakes):
    ada = buyer().add(fakes.stocked("10.00"))
    failed = ada.checkout({"payment": {"token": "tok_declined"}})
    answer = ada.post(f"/api/orders/{failed.json['details']['order_id']}/cancel")
    assert answer.status_code == 409


def test_shipping_down_while_cancelling_changes_nothing(buyer, fakes, load_order):
    ada, _, order_id = _paid_order(buyer, fakes)
    fakes.shipping.shipments_down = True
    assert ada.post(f"/api/orders/{order_id}/cancel").status_code == 503
    assert load_order(order_id).status == "paid"
    assert fakes.provider.refunds == []


def test_a_cancel_whose_refund_could_not_finish_is_owed_and_a_retry_completes_it(
    buyer, fakes, load_order
):
    ada, lamp, order_id = _paid_order(buyer, fakes)
    fakes.inventory.down_on = {"release"}

    answer = ada.post(f"/api/orders/{order_id}/cancel")

    assert answer.status_code == 503
    assert answer.json["code"] == "refund_pending"
    order = load_order(order_id)
    assert order.status == "cancelled" and order.compensation_due
    assert order.payment.status == "refunded"  # the money went back; the stock is owed

    fakes.inventory.down_on = set()
    assert ada.post(f"/api/orders/{order_id}/cancel").status_code == 200
    order = load_order(order_id)
    assert not order.compensation_due and fakes.inventory.stock[lamp.id] == 5
    assert len(fakes.provider.refunds) == 1


def test_a_pending_order_can_be_cancelled_and_its_hold_released(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00", stock=5)
    ada = buyer().add(lamp)
    answer = ada.checkout({"payment": {"token": "tok_timeout"}})
    order_id = answer.json["details"]["order_id"]

    assert ada.post(f"/api/orders/{order_id}/cancel").status_code == 200

    order = load_order(order_id)
    assert order.status == "cancelled" and order.stock_state == "released"
    assert fakes.inventory.stock[lamp.id] == 5
    assert fakes.shipping.cancelled == []


def test_an_admin_moves_an_order_one_step_at_a_time(buyer, fakes, client, tokens, load_order):
    _, _, order_id = _paid_order(buyer, fakes)
    admin = tokens.headers("admin")
    for status in ("picked_up", "out_for_delivery", "delivered"):
        answer = client.put(
            f"/api/orders/{order_id}/status", json={"status": status}, headers=admin
        )
        assert answer.status_code == 200, answer.json
        assert answer.json["status"] == status
    assert [h.status for h in load_order(order_id).history] == [
        "pending",
        "paid",
        "picked_up",
        "out_for_delivery",
        "delivered",
    ]


def test_illegal_moves_are_409_and_change_nothing(buyer, fakes, client, tokens, load_order):
    _, _, order_id = _paid_order(buyer, fakes)
    admin = tokens.headers("admin")
    for status in ("delivered", "paid", "pending", "failed", "out_for_delivery"):
        answer = client.put(
            f"/api/orders/{order_id}/status", json={"status": status}, headers=admin
        )
        assert answer.status_code == 409, status
        assert answer.json["code"] == "illegal_transition"
        assert answer.json["details"] == {"from": "paid", "to": status}
    assert load_order(order_id).status == "paid"


def test_an_admin_cancelling_by_status_refunds_too(buyer, fakes, client, tokens, load_order):
    _, _, order_id = _paid_order(buyer, fakes)
    answer = client.put(
        f"/api/orders/{order_id}/status",
        json={"status": "cancelled"},
        headers=tokens.headers("admin"),
    )
    assert answer.status_code == 200
    assert load_order(order_id).payment.status == "refunded"


def test_only_admins_set_statuses_and_only_known_ones(buyer, fakes, client, tokens):
    ada, _, order_id = _paid_order(buyer, fakes)
    path = f"/api/orders/{order_id}/status"
    assert client.put(path, json={"status": "picked_up"}, headers=ada.headers).status_code == 403
    answer = client.put(path, json={"status": "lost"}, headers=tokens.headers("admin"))
    assert answer.status_code == 400
    assert "status" in answer.json["details"]["fields"]
    missing = client.put(
        f"/api/orders/{uuid.uuid4()}/status",
        json={"status": "picked_up"},
        headers=tokens.headers("admin"),
    )
    assert missing.status_code == 404


def _update(client, internal_headers, order_id, status, event_id=None, at=None):
    message = {
        "event_id": str(event_id or uuid.uuid4()),
        "payload": {
            "order_id": order_id,
            "status": status,
            "at": at or "2026-11-21T10:00:00Z",
            "shipment_id": "ship-1",
            "courier_id": "courier-1",
        },
    }
    return client.post(
        "/internal/orders/shipment-updates", json={"messages": [message]}, headers=internal_headers
    )


def test_shipment_updates_move_the_order_once_and_never_backwards(
    buyer, fakes, client, internal_headers, load_order
):
    _, _, order_id = _paid_order(buyer, fakes)
    picked = uuid.uuid4()

    assert _update(client, internal_headers, order_id, "picked_up", picked).status_code == 200
    assert _update(client, internal_headers, order_id, "picked_up", picked).json["applied"] == 0
    _update(client, internal_headers, order_id, "picked_up")  # same step, another message
    _update(client, internal_headers, order_id, "delivered")
    _update(client, internal_headers, order_id, "out_for_delivery")  # late and older: ignored

    order = load_order(order_id)
    assert order.status == "delivered"
    assert [h.status for h in order.history] == [
        "pending",
        "paid",
        "picked_up",
        "out_for_delivery",  # the skipped step is filled in
        "delivered",
    ]
    assert order.courier_id == "courier-1"
    assert order.history[2].at.isoformat().startswith("2026-11-21T10:00:00")


def test_shipment_updates_for_cancelled_or_unknown_orders_are_ignored(
    buyer, fakes, client, internal_headers, load_order
):
    ada, _, order_id = _paid_order(buyer, fakes)
    ada.post(f"/api/orders/{order_id}/cancel")
    assert _update(client, internal_headers, order_id, "picked_up").status_code == 200
    assert _update(client, internal_headers, str(uuid.uuid4()), "picked_up").status_code == 200
    assert load_order(order_id).status == "cancelled"


def test_a_malformed_shipment_update_is_refused_for_the_relay_to_set_aside(
    buyer, fakes, client, internal_headers, load_order
):
    _, _, order_id = _paid_order(buyer, fakes)
    for bad in (
        _update(client, internal_headers, "nonsense", "picked_up"),
        _update(client, internal_headers, order_id, "teleported"),
        _update(client, internal_headers, order_id, "picked_up", at="yesterday"),
    ):
        assert bad.status_code == 400
        assert bad.json["error"] == "The message payload is not valid"
    assert load_order(order_id).status == "paid"


def test_the_internal_receiver_needs_the_service_token_and_a_well_formed_batch(
    client, internal_headers
):
    body: dict[str, list[Any]] = {"messages": []}
    assert client.post("/internal/orders/shipment-updates", json=body).status_code == 404
    bad = {"messages": [{"event_id": "not-a-uuid", "payload": {}}]}
    answer = client.post("/internal/orders/shipment-updates", json=bad, headers=internal_headers)
    assert answer.status_code == 400


def test_cancelling_a_stuck_checkout_whose_charge_was_never_recorded_refunds_it(
    buyer, fakes, load_order
):
    lamp = fakes.stocked("10.00", stock=5)
    ada = buyer().add(lamp)
    charge = fakes.provider.charge

    def charge_then_die(*args):
        charge(*args)
        raise RuntimeError("the process died before storing the answer")

    fakes.provider.charge = charge_then_die
    assert ada.checkout().status_code == 500
    order_id = next(o for _, o in fakes.inventory.calls)

    assert ada.post(f"/api/orders/{order_id}/cancel").status_code == 200

    order = load_order(order_id)
    assert order.status == "cancelled" and not order.compensation_due
    assert order.payment.status == "refunded"
    assert fakes.provider.refunds[0].charge_id == fakes.provider.charges[0].id
    assert fakes.inventory.stock[lamp.id] == 5


def test_a_charge_landing_after_the_order_was_cancelled_is_refunded(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00", stock=5)
    ada = buyer().add(lamp)
    charge = fakes.provider.charge

    def cancelled_meanwhile(amount, currency, token, key):
        order_id = key.removeprefix("charge-")
        assert ada.post(f"/api/orders/{order_id}/cancel").status_code == 200
        return charge(amount, currency, token, key)

    fakes.provider.charge = cancelled_meanwhile
    answer = ada.checkout()

    assert answer.status_code == 409
    order = load_order(answer.json["details"]["order_id"])
    assert order.status == "cancelled" and not order.compensation_due
    assert order.payment.status == "refunded"
    assert fakes.provider.refunds[0].charge_id == fakes.provider.approved[0].id
    assert fakes.inventory.stock[lamp.id] == 5
