"""The checkout saga: happy path, and every failure with its compensation."""

import uuid
from decimal import Decimal

from sqlalchemy import func, select

from services.orders.models import Order


def test_checkout_charges_the_server_price_and_places_a_paid_order(
    buyer, fakes, load_order, outbox
):
    seller = uuid.uuid4()
    lamp = fakes.stocked("19.99", stock=5, seller_id=seller, name="Lamp")
    rug = fakes.stocked("100.00", stock=5, seller_id=seller, name="Rug", effective_price="80.00")
    ada = buyer().add(lamp, 2).add(rug, 1)

    answer = ada.checkout(
        {
            "shipping_address": {"line1": "1 Souk St", "city": "Cairo", "country": "EG"},
            "payment": {"token": "tok_visa"},
            "total": "0.01",
            "items": [{"product_id": str(lamp.id), "unit_price": "0.01"}],
        }
    )

    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["status"] == "paid"
    assert body["message"] == "Order created and payment processed"
    assert body["subtotal"] == "139.98"  # list prices: 2 x 19.99 + 100.00
    assert body["discount"] == "20.00"  # the rug's offer
    assert body["shipping_cost"] == "5.00"
    assert body["total"] == "124.98"
    assert body["currency"] == "USD"
    lines = {line["name"]: line for line in body["items"]}
    assert lines["Lamp"]["unit_price"] == "19.99" and lines["Lamp"]["line_total"] == "39.98"
    assert lines["Rug"]["unit_price"] == "80.00" and lines["Rug"]["quantity"] == 1
    assert body["payment"]["status"] == "succeeded"
    assert body["payment"]["amount"] == "124.98"

    order = load_order(body["order_id"])
    assert order.status == "paid" and order.stock_state == "committed"
    assert [h.status for h in order.history] == ["pending", "paid"]
    assert fakes.provider.approved[0].amount == Decimal("124.98")
    assert order.payment.provider_charge_id == fakes.provider.approved[0].id
    assert fakes.inventory.calls_for(order.id) == ["reserve", "commit"]
    assert fakes.inventory.stock[lamp.id] == 3
    assert order.shipment_id == fakes.shipping.shipments[order.id]["id"]
    assert body["tracking_number"] is None or body["tracking_number"].startswith("SK")

    checked_out = outbox("cart", "/checked-out")
    assert len(checked_out) == 1
    assert checked_out[0].payload["order_id"] == str(order.id)
    assert checked_out[0].payload["user_id"] == str(ada.id)
    sales = {m.payload["product_id"]: m.payload["quantity"] for m in outbox("products", "/sales")}
    assert sales == {str(lamp.id): 2, str(rug.id): 1}
    events = [m.payload for m in outbox("activity", "/events")]
    assert [e["type"] for e in events] == ["order_placed"]
    assert events[0]["metadata"]["order_id"] == str(order.id)


def test_lines_keep_the_name_and_price_paid_after_the_catalogue_changes(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00", name="Lamp")
    answer = buyer().add(lamp).checkout()
    fakes.products.products[lamp.id] = fakes.products.products[lamp.id].__class__(
        **{**vars(fakes.products.products[lamp.id]), "name": "Renamed", "price": Decimal("99")}
    )
    order = load_order(answer.json["order_id"])
    assert (order.lines[0].name, order.lines[0].unit_price) == ("Lamp", Decimal("10.00"))


def test_the_same_product_twice_in_the_cart_becomes_one_line(buyer, fakes):
    lamp = fakes.stocked("10.00")
    answer = buyer().add(lamp, 1).add(lamp, 2).checkout()
    assert answer.status_code == 201
    assert [(x["quantity"], x["line_total"]) for x in answer.json["items"]] == [(3, "30.00")]


def test_an_address_may_be_a_plain_string_and_the_method_is_quoted(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00")
    answer = (
        buyer()
        .add(lamp)
        .checkout({"shipping_address": "1 Souk Street, Cairo", "shipping_method": "express"})
    )
    assert answer.status_code == 201
    assert answer.json["shipping_method"] == "express"
    assert fakes.shipping.quotes[-1]["method"] == "express"
    assert load_order(answer.json["order_id"]).shipping_address == "1 Souk Street, Cairo"


def test_the_address_zone_goes_to_the_quote_and_the_shipment(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00")
    address = {"line1": "1 Souk St", "city": "Cairo", "country": "EG", "zone": "north"}
    answer = buyer().add(lamp).checkout({"shipping_address": address})
    order = load_order(answer.json["order_id"])
    assert fakes.shipping.quotes[-1]["zone"] == "north"
    assert fakes.shipping.shipments[order.id]["zone"] == "north"
    assert fakes.shipping.shipments[order.id]["address"]["city"] == "Cairo"


def test_an_empty_cart_is_a_409_and_nothing_is_created(buyer, db):
    answer = buyer().checkout()
    assert answer.status_code == 409
    assert answer.json["code"] == "empty_cart"
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_unknown_and_disabled_products_are_named(buyer, fakes, db):
    good = fakes.stocked("10.00")
    hidden = fakes.stocked("10.00", active=False)
    ghost = uuid.uuid4()
    ada = buyer().add(good).add(hidden)
    fakes.cart.put(ada.id, ghost, 1)

    answer = ada.checkout()

    assert answer.status_code == 409
    assert answer.json["code"] == "product_unavailable"
    assert set(answer.json["details"]["product_ids"]) == {str(hidden.id), str(ghost)}
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_out_of_stock_names_the_short_lines_and_charges_or_holds_nothing(
    buyer, fakes, load_order, outbox
):
    plenty = fakes.stocked("10.00", stock=50)
    scarce = fakes.stocked("10.00", stock=1)
    ada = buyer().add(plenty, 2).add(scarce, 3)

    answer = ada.checkout()

    assert answer.status_code == 409
    assert answer.json["code"] == "out_of_stock"
    assert answer.json["details"]["lines"] == [
        {"product_id": str(scarce.id), "requested": 3, "available": 1}
    ]
    assert fakes.provider.charges == []
    assert fakes.inventory.stock == {plenty.id: 50, scarce.id: 1}
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.failure_reason) == ("failed", "out_of_stock")
    assert order.payment is None
    assert outbox("cart") == []


def test_a_declined_card_is_a_402_releases_the_stock_and_keeps_the_cart(
    buyer, fakes, load_order, outbox
):
    lamp = fakes.stocked("10.00", stock=3)
    answer = buyer().add(lamp, 2).checkout({"payment": {"token": "tok_declined"}})

    assert answer.status_code == 402
    assert answer.json["code"] == "payment_declined"
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.failure_reason) == ("failed", "payment_declined")
    assert order.stock_state == "released" and not order.compensation_due
    assert fakes.inventory.calls_for(order.id) == ["reserve", "release"]
    assert fakes.inventory.stock[lamp.id] == 3
    assert order.payment.status == "declined"
    assert order.payment.provider_charge_id == fakes.provider.charges[0].id
    assert fakes.provider.approved == []
    assert [h.status for h in order.history] == ["pending", "failed"]
    assert outbox("cart") == [] and outbox("products") == []


def test_a_failing_provider_is_a_503_and_the_stock_is_released(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00", stock=3)
    answer = buyer().add(lamp).checkout({"payment": {"token": "tok_error"}})

    assert answer.status_code == 503
    assert answer.json["code"] == "payment_unavailable"
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.failure_reason) == ("failed", "payment_error")
    assert order.payment.status == "failed"
    assert fakes.inventory.stock[lamp.id] == 3


def test_a_provider_timeout_leaves_the_order_pending_for_recovery(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00", stock=3)
    answer = buyer().add(lamp).checkout({"payment": {"token": "tok_timeout"}})

    assert answer.status_code == 503
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.stock_state, order.payment.status) == ("pending", "held", "pending")


def test_shipping_down_fails_the_checkout_with_503_before_anything_happens(buyer, fakes, db):
    fakes.shipping.quote_down = True
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    assert answer.status_code == 503
    assert answer.json["details"]["service"] == "shipping"
    assert fakes.inventory.calls == [] and fakes.provider.charges == []
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_an_unknown_shipping_method_is_a_400(buyer, fakes):
    answer = buyer().add(fakes.stocked("10.00")).checkout({"shipping_method": "teleport"})
    assert answer.status_code == 400
    assert fakes.inventory.calls == []


def test_products_down_is_a_503(buyer, fakes):
    fakes.products.down = True
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    assert answer.status_code == 503


def test_inventory_down_while_reserving_fails_the_order_and_releases_what_may_be_held(
    buyer, fakes, load_order
):
    fakes.inventory.down_on = {"reserve"}
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    assert answer.status_code == 503
    with_id = [o for op, o in fakes.inventory.calls if op == "release"]
    assert len(with_id) == 1
    order = load_order(with_id[0])
    assert (order.status, order.failure_reason) == ("failed", "inventory_unavailable")
    assert fakes.provider.charges == []


def test_inventory_down_while_committing_leaves_a_paid_pending_order_for_recovery(
    buyer, fakes, load_order
):
    fakes.inventory.down_on = {"commit"}
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    assert answer.status_code == 503
    assert answer.json["code"] == "checkout_incomplete"
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.payment.status) == ("pending", "succeeded")


def test_an_expired_reservation_refunds_the_charge(buyer, fakes, load_order):
    lamp = fakes.stocked("10.00")
    ada = buyer().add(lamp)
    original_commit = fakes.inventory.commit

    def expired(order_id):
        fakes.inventory.reservations[order_id]["status"] = "released"
        return original_commit(order_id)

    fakes.inventory.commit = expired
    answer = ada.checkout()

    assert answer.status_code == 409
    assert answer.json["code"] == "reservation_expired"
    order = load_order(answer.json["details"]["order_id"])
    assert (order.status, order.payment.status) == ("failed", "refunded")
    assert fakes.provider.refunds[0].amount == order.total


def test_shipping_down_after_payment_still_places_the_order(buyer, fakes, load_order):
    fakes.shipping.shipments_down = True
    answer = buyer().add(fakes.stocked("10.00")).checkout()
    assert answer.status_code == 201
    order = load_order(answer.json["order_id"])
    assert order.status == "paid" and order.shipment_id is None


def test_quantities_that_overflow_are_refused(buyer, fakes):
    lamp = fakes.stocked("10.00")
    answer = buyer().add(lamp, 10**12).checkout()
    assert answer.status_code == 409
    assert answer.json["code"] == "invalid_cart"
    assert fakes.inventory.calls == []


def test_a_total_too_large_for_the_books_is_refused(buyer, fakes):
    answer = buyer().add(fakes.stocked("99999999.00"), 999).checkout()
    assert answer.status_code == 409
    assert answer.json["code"] == "invalid_cart"


def test_more_than_three_shops_is_refused_as_a_sanity_check(buyer, fakes):
    ada = buyer()
    for _ in range(4):
        ada.add(fakes.stocked("1.00"))
    answer = ada.checkout()
    assert answer.status_code == 409
    assert answer.json["code"] == "too_many_shops"


def test_only_customers_check_out(client, tokens, fakes):
    assert client.post("/api/orders", json={}).status_code == 401
    answer = client.post("/api/orders", json={}, headers=tokens.headers("seller"))
    assert answer.status_code == 403


def test_a_bad_body_names_the_fields(buyer):
    answer = buyer().checkout({"shipping_address": {"city": ""}, "payment": {"token": ""}})
    assert answer.status_code == 400
    fields = answer.json["details"]["fields"]
    assert any(name.startswith("shipping_address") for name in fields)
    assert "payment.token" in fields


def test_the_path_works_with_and_without_a_trailing_slash(buyer, fakes):
    ada = buyer().add(fakes.stocked("10.00"))
    assert ada.client.post("/api/orders/", json={}, headers=ada.headers).status_code == 201


def test_a_retry_with_the_same_key_after_an_outage_runs_the_checkout_again(buyer, fakes):
    lamp = fakes.stocked("10.00", stock=3)
    shopper = buyer().add(lamp)
    fakes.inventory.down_on.add("reserve")
    first = shopper.checkout(key="retry-after-outage")
    assert first.status_code == 503

    fakes.inventory.down_on.clear()
    retry = shopper.checkout(key="retry-after-outage")
    assert retry.status_code == 201
    assert retry.json["status"] == "paid"
    assert shopper.checkout(key="retry-after-outage").json == retry.json


def test_a_bad_address_field_is_named_by_the_path_the_storefront_reads(buyer):
    address = {"line1": "1 Souk St", "city": "Cairo", "phone": "call me maybe"}
    answer = buyer().checkout({"shipping_address": address})
    assert answer.status_code == 400
    assert "shipping_address.Address.phone" in answer.json["details"]["fields"]
