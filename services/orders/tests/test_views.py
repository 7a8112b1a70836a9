"""Order history, one order, the seller's and the admin's lists, and the purchases lookup."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from services.orders.models import Order
from services.orders.tests.builders import add_order


def _checkout(ada, fakes, seller=None, **body):
    ada.add(fakes.stocked("10.00", seller_id=seller))
    answer = ada.checkout(body)
    assert answer.status_code == 201, answer.json
    fakes.cart.carts.pop(ada.id, None)
    return answer.json["order_id"]


def _created(db, order_id: str, when: str) -> None:
    with db() as session:
        session.execute(
            update(Order)
            .where(Order.id == uuid.UUID(order_id))
            .values(created_at=datetime.fromisoformat(when).replace(tzinfo=UTC))
        )


def test_history_lists_the_callers_orders_newest_first_in_pages(buyer, fakes, db):
    ada, bob = buyer(), buyer()
    ids = [_checkout(ada, fakes) for _ in range(3)]
    _checkout(bob, fakes)
    for order_id, day in zip(ids, ("2026-03-01", "2026-03-03", "2026-03-02"), strict=True):
        _created(db, order_id, day + "T10:00:00")

    page = ada.get("/api/orders", query_string={"per_page": 2}).json

    assert page["total"] == 3 and page["page"] == 1 and page["per_page"] == 2
    assert [o["order_id"] for o in page["items"]] == [ids[1], ids[2]]
    assert page["items"][0]["items"][0]["unit_price"] == "10.00"
    second = ada.get("/api/orders", query_string={"per_page": 2, "page": 2}).json
    assert [o["order_id"] for o in second["items"]] == [ids[0]]


def test_history_filters_by_status_and_dates(buyer, fakes, db):
    ada = buyer()
    march, april = _checkout(ada, fakes), _checkout(ada, fakes)
    _created(db, march, "2026-03-15T10:00:00")
    _created(db, april, "2026-04-15T10:00:00")
    ada.post(f"/api/orders/{april}/cancel")

    def ids(**query):
        answer = ada.get("/api/orders", query_string=query)
        assert answer.status_code == 200, answer.json
        return [o["order_id"] for o in answer.json["items"]]

    assert ids(status="cancelled") == [april]
    assert ids(status="paid") == [march]
    assert ids(**{"from": "2026-04-01"}) == [april]
    assert ids(to="2026-03-15") == [march]  # a bare date covers the whole day
    assert ids(**{"from": "2026-03-15T10:00:00Z", "to": "2026-03-15T10:00:00+00:00"}) == [march]
    assert ids(**{"from": "2026-03-15T12:00:00 02:00", "to": "2026-03-31"}) == [march]
    # Offsets PostgreSQL would refuse (beyond ±15:59) are turned into UTC first.
    # (06:20+20:20 and 10:01-23:59 the day before are both 10:00 UTC.)
    assert ids(**{"from": "2026-03-16T06:20:00+20:20", "to": "2026-03-14T10:01:00-23:59"}) == [
        march
    ]
    assert ids(**{"from": "2026-03-16T06:21:00+20:20"}) == [april]
    assert ids(**{"from": "1226-06-22T19:17:37+20:20"}) == [april, march]


def test_bad_history_queries_are_400(buyer):
    ada = buyer()
    for query in (
        {"from": "last week"},
        {"to": "2026-13-01"},
        {"from": "2026-05-01", "to": "2026-04-01"},
        {"from": "0001-01-01T00:00:00+05:00"},  # before year 1 in UTC
        {"to": "9999-12-31T23:59:59-05:00"},  # after year 9999 in UTC
        {"status": "lost"},
        {"per_page": "101"},
        {"page": "0"},
    ):
        answer = ada.get("/api/orders", query_string=query)
        assert answer.status_code == 400, query
        assert answer.json["code"] == "validation_error"


def test_the_owner_sees_the_whole_order_with_payment_history_and_shipment(buyer, fakes):
    ada = buyer()
    order_id = _checkout(ada, fakes, shipping_address="1 Souk St")

    answer = ada.get(f"/api/orders/{order_id}")

    assert answer.status_code == 200
    order = answer.json
    assert order["order_id"] == order_id and order["status"] == "paid"
    assert [h["status"] for h in order["history"]] == ["pending", "paid"]
    assert order["history"][0]["at"].endswith("Z")
    assert order["items"][0]["line_total"] == "10.00"
    assert (order["subtotal"], order["shipping_cost"], order["total"]) == (
        "10.00",
        "5.00",
        "15.00",
    )
    assert order["shipping_address"] == "1 Souk St"
    payment = order["payment"]
    assert (payment["status"], payment["provider"], payment["amount"]) == (
        "succeeded",
        "test",
        "15.00",
    )
    assert payment["charge_id"].startswith("ch_test_") and payment["refunded_amount"] == "0.00"
    assert order["shipment"]["tracking_number"].startswith("SK")
    assert order["shipment"]["status"] == "pending"


def test_the_order_still_shows_when_shipping_is_down(buyer, fakes):
    ada = buyer()
    order_id = _checkout(ada, fakes)
    fakes.shipping.shipments_down = True
    answer = ada.get(f"/api/orders/{order_id}")
    assert answer.status_code == 200
    assert answer.json["shipment"] is None


def test_other_customers_and_couriers_get_404_for_an_order(buyer, fakes, client, tokens):
    order_id = _checkout(buyer(), fakes)
    for headers in (buyer().headers, tokens.headers("courier"), tokens.headers("seller")):
        answer = client.get(f"/api/orders/{order_id}", headers=headers)
        assert answer.status_code == 404
    assert buyer().get("/api/orders/not-a-uuid").status_code == 404
    assert buyer().get(f"/api/orders/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/api/orders/{order_id}").status_code == 401


def test_an_admin_sees_any_order(buyer, fakes, client, tokens):
    order_id = _checkout(buyer(), fakes)
    answer = client.get(f"/api/orders/{order_id}", headers=tokens.headers("admin"))
    assert answer.status_code == 200
    assert answer.json["payment"]["status"] == "succeeded"


def test_a_seller_sees_only_their_lines_of_an_order(buyer, fakes, client, tokens):
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    ada = buyer()
    ada.add(fakes.stocked("10.00", seller_id=mine, name="Mine"), 2)
    ada.add(fakes.stocked("99.00", seller_id=theirs, name="Theirs"))
    order_id = ada.checkout({"shipping_address": "1 Souk St"}).json["order_id"]

    answer = client.get(
        f"/api/orders/{order_id}", headers=tokens.headers("seller", user_id=str(mine))
    )

    assert answer.status_code == 200
    order = answer.json
    assert [x["name"] for x in order["items"]] == ["Mine"]
    assert (order["subtotal"], order["total"], order["shipping_cost"]) == (
        "20.00",
        "20.00",
        "0.00",
    )
    assert order["payment"] is None and order["shipping_address"] is None


def test_the_seller_list_holds_orders_with_their_products_and_only_their_lines(
    buyer, fakes, client, tokens, db
):
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    ada = buyer()
    ada.add(fakes.stocked("10.00", seller_id=mine)).add(fakes.stocked("5.00", seller_id=theirs))
    shared = ada.checkout().json["order_id"]
    fakes.cart.carts.clear()
    _checkout(buyer(), fakes, seller=theirs)
    declined = buyer().add(fakes.stocked("1.00", seller_id=mine))
    declined.checkout({"payment": {"token": "tok_declined"}})
    headers = tokens.headers("seller", user_id=str(mine))

    page = client.get("/api/orders/seller", headers=headers).json

    assert [o["order_id"] for o in page["items"]] == [shared]
    assert [x["seller_id"] for x in page["items"][0]["items"]] == [str(mine)]
    assert page["items"][0]["total"] == "10.00"
    failed = client.get("/api/orders/seller", query_string={"status": "failed"}, headers=headers)
    assert failed.json["total"] == 1
    assert client.get("/api/orders/seller", headers=ada.headers).status_code == 403


def test_the_admin_list_filters_by_status_user_and_shop(buyer, fakes, client, tokens):
    ada, bob = buyer(), buyer()
    shop = uuid.uuid4()
    first = _checkout(ada, fakes)
    bobs = _checkout(bob, fakes, seller=shop)
    ada.post(f"/api/orders/{first}/cancel")
    admin = tokens.headers("admin")

    assert client.get("/api/orders/all", headers=admin).json["total"] == 2
    by_user = client.get("/api/orders/all", query_string={"user_id": str(ada.id)}, headers=admin)
    assert [o["order_id"] for o in by_user.json["items"]] == [first]
    cancelled = client.get("/api/orders/all", query_string={"status": "cancelled"}, headers=admin)
    assert [o["user_id"] for o in cancelled.json["items"]] == [str(ada.id)]
    by_shop = client.get("/api/orders/all", query_string={"seller_id": str(shop)}, headers=admin)
    assert [o["order_id"] for o in by_shop.json["items"]] == [bobs]
    bad = client.get("/api/orders/all", query_string={"user_id": "bob"}, headers=admin)
    assert bad.status_code == 400
    assert client.get("/api/orders/all", headers=ada.headers).status_code == 403


def test_purchases_tell_whether_a_user_bought_a_product(db, client, internal_headers):
    user, product, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with db() as session:
        add_order(session, user, "delivered", [(product, uuid.uuid4(), 1, "1.00")], paid_at=None)
        add_order(session, user, "cancelled", [(other, uuid.uuid4(), 1, "1.00")])

    def purchased(product_id) -> bool:
        answer = client.get(
            "/internal/orders/purchases",
            query_string={"user_id": str(user), "product_id": str(product_id)},
            headers=internal_headers,
        )
        assert answer.status_code == 200
        return answer.json["purchased"]

    assert purchased(product) is True
    assert purchased(other) is False
    assert purchased(uuid.uuid4()) is False
    bad = client.get(
        "/internal/orders/purchases",
        query_string={"user_id": "x", "product_id": str(product)},
        headers=internal_headers,
    )
    assert bad.status_code == 400
    assert client.get("/internal/orders/purchases").status_code == 404
