"""The recovery loop finishes or undoes checkouts left half-done, from their stored state."""

from datetime import timedelta

from sqlalchemy import update

from services.orders.models import Order
from services.orders.service.recovery import recover


class ProcessDied(Exception):
    """Stands for the process dying between two saga steps."""


def _age(db, minutes: int = 5) -> None:
    with db() as session:
        session.execute(
            update(Order).values(updated_at=Order.updated_at - timedelta(minutes=minutes))
        )


def _only_order_id(fakes):
    ids = {o for _, o in fakes.inventory.calls}
    assert len(ids) == 1
    return ids.pop()


def test_a_pending_order_whose_charge_went_through_is_finished_as_paid(
    buyer, fakes, db, deps, load_order, outbox
):
    lamp = fakes.stocked("10.00", stock=5)
    fakes.inventory.down_on = {"commit"}
    answer = buyer().add(lamp, 2).checkout()
    assert answer.status_code == 503
    fakes.inventory.down_on = set()
    _age(db)

    report = recover(deps)

    assert report.paid == 1
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.stock_state) == ("paid", "committed")
    assert [h.status for h in order.history] == ["pending", "paid"]
    assert fakes.inventory.calls_for(order.id) == ["reserve", "commit", "commit"]
    assert fakes.inventory.reservations[order.id]["status"] == "committed"
    assert order.shipment_id == fakes.shipping.shipments[order.id]["id"]
    assert len(outbox("cart", "/checked-out")) == 1
    assert fakes.provider.refunds == []


def test_a_crash_before_the_charge_releases_the_stock_and_abandons_the_order(
    buyer, fakes, db, deps, load_order
):
    lamp = fakes.stocked("10.00", stock=5)
    reserve = fakes.inventory.reserve

    def reserve_then_die(order_id, lines):
        reserve(order_id, lines)
        raise ProcessDied()

    fakes.inventory.reserve = reserve_then_die
    assert buyer().add(lamp, 2).checkout().status_code == 500
    assert fakes.inventory.stock[lamp.id] == 3
    _age(db)

    assert recover(deps).abandoned == 1

    order = load_order(_only_order_id(fakes))
    assert (order.status, order.failure_reason) == ("failed", "abandoned")
    assert order.stock_state == "released" and not order.compensation_due
    assert fakes.inventory.stock[lamp.id] == 5
    assert fakes.provider.charges == []


def test_a_charge_made_but_never_recorded_is_found_with_the_provider_and_finished(
    buyer, fakes, db, deps, load_order
):
    charge = fakes.provider.charge

    def charge_then_die(*args):
        charge(*args)
        raise ProcessDied()

    fakes.provider.charge = charge_then_die
    assert buyer().add(fakes.stocked("10.00")).checkout().status_code == 500
    order = load_order(_only_order_id(fakes))
    assert (order.status, order.payment.status) == ("pending", "pending")
    _age(db)

    assert recover(deps).paid == 1

    order = load_order(order.id)
    assert order.status == "paid"
    assert order.payment.status == "succeeded"
    assert order.payment.provider_charge_id == fakes.provider.charges[0].id


def test_a_timed_out_payment_the_provider_never_made_is_abandoned(
    buyer, fakes, db, deps, load_order
):
    lamp = fakes.stocked("10.00", stock=5)
    answer = buyer().add(lamp).checkout({"payment": {"token": "tok_timeout"}})
    _age(db)

    assert recover(deps).abandoned == 1

    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.failure_reason) == ("failed", "abandoned")
    assert (order.payment.status, order.payment.failure_code) == ("failed", "abandoned")
    assert fakes.inventory.stock[lamp.id] == 5


def test_a_recent_pending_order_is_left_to_its_checkout(buyer, fakes, deps, load_order):
    answer = buyer().add(fakes.stocked("10.00")).checkout({"payment": {"token": "tok_timeout"}})

    report = recover(deps)

    assert (report.paid, report.abandoned) == (0, 0)
    assert load_order(answer.json["details"]["order_id"]).status == "pending"


def test_inventory_still_down_leaves_the_order_for_a_later_round(
    buyer, fakes, db, deps, load_order
):
    fakes.inventory.down_on = {"commit"}
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    _age(db)

    assert recover(deps).errors == 1
    assert load_order(answer.json["details"]["order_id"]).status == "pending"
    assert recover(deps).errors == 0  # leased: not retried at once

    fakes.inventory.down_on = set()
    _age(db)
    assert recover(deps).paid == 1


def test_a_reservation_that_expired_before_recovery_is_refunded(buyer, fakes, db, deps, load_order):
    fakes.inventory.down_on = {"commit"}
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    order_id = answer.json["details"]["order_id"]
    fakes.inventory.down_on = set()
    for reservation in fakes.inventory.reservations.values():
        reservation["status"] = "released"
    _age(db)

    assert recover(deps).abandoned == 1

    order = load_order(order_id)
    assert (order.status, order.failure_reason) == ("failed", "reservation_expired")
    assert order.payment.status == "refunded"
    assert fakes.provider.refunds[0].charge_id == order.payment.provider_charge_id


def test_owed_compensations_are_retried_until_done(buyer, fakes, db, deps, load_order):
    lamp = fakes.stocked("10.00", stock=5)
    fakes.inventory.down_on = {"release"}
    answer = buyer().add(lamp, 2).checkout({"payment": {"token": "tok_declined"}})
    assert answer.status_code == 402
    order = load_order(answer.json["details"]["order_id"])
    assert order.compensation_due and fakes.inventory.stock[lamp.id] == 3

    fakes.inventory.down_on = set()
    _age(db)
    assert recover(deps).compensated == 1

    order = load_order(order.id)
    assert not order.compensation_due and order.stock_state == "released"
    assert fakes.inventory.stock[lamp.id] == 5


def test_a_paid_order_without_a_shipment_gets_one(buyer, fakes, db, deps, load_order):
    fakes.shipping.shipments_down = True
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    fakes.shipping.shipments_down = False
    _age(db)

    assert recover(deps).shipments == 1

    order = load_order(answer.json["order_id"])
    assert order.shipment_id == fakes.shipping.shipments[order.id]["id"]
    assert order.tracking_number == fakes.shipping.shipments[order.id]["tracking_number"]
