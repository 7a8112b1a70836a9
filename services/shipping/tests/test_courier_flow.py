import dataclasses
import uuid

from sqlalchemy import select

from services.shipping.models import OutboxMessage, ShipmentEvent


def as_courier(tokens, courier: uuid.UUID) -> dict:
    return tokens.headers("courier", user_id=str(courier))


def step(client, tokens, shipment_id: str, action: str, courier: uuid.UUID):
    return client.post(
        f"/api/shipping/shipments/{shipment_id}/{action}", headers=as_courier(tokens, courier)
    )


def test_a_courier_takes_a_shipment_through_to_delivery(
    client, tokens, new_shipment, fake_users, db_session
):
    shipment = new_shipment()
    courier = fake_users.courier(name="Dina Driver")
    picked = step(client, tokens, shipment["id"], "pickup", courier)
    assert picked.status_code == 200
    assert picked.json["status"] == "picked_up"
    assert picked.json["courier_id"] == str(courier)
    assert step(client, tokens, shipment["id"], "out-for-delivery", courier).json["status"] == (
        "out_for_delivery"
    )
    delivered = step(client, tokens, shipment["id"], "deliver", courier)
    assert delivered.status_code == 200
    assert delivered.json["status"] == "delivered"

    detail = client.get(
        f"/api/shipping/shipments/{shipment['id']}", headers=as_courier(tokens, courier)
    ).json
    assert detail["courier"] == {"id": str(courier), "name": "Dina Driver"}
    assert [e["status"] for e in detail["events"]] == [
        "pending",
        "picked_up",
        "out_for_delivery",
        "delivered",
    ]
    stored = db_session.scalars(
        select(ShipmentEvent.courier_id).where(
            ShipmentEvent.shipment_id == uuid.UUID(shipment["id"]),
            ShipmentEvent.status != "pending",
        )
    ).all()
    assert stored == [courier] * 3


def test_every_step_is_sent_to_the_orders_service_and_activity(
    client, tokens, new_shipment, fake_users, db_session
):
    shipment = new_shipment()
    courier = fake_users.courier()
    for action in ["pickup", "out-for-delivery", "deliver"]:
        assert step(client, tokens, shipment["id"], action, courier).status_code == 200
    messages = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    to_orders = [m for m in messages if m.destination == "orders"]
    assert [m.path for m in to_orders] == ["/shipment-updates"] * 3
    assert [m.payload["status"] for m in to_orders] == [
        "picked_up",
        "out_for_delivery",
        "delivered",
    ]
    first = to_orders[0].payload
    assert set(first) == {"order_id", "status", "at", "shipment_id", "courier_id"}
    assert first["order_id"] == shipment["order_id"]
    assert first["shipment_id"] == shipment["id"]
    assert first["courier_id"] == str(courier)
    assert first["at"].endswith("Z")
    activity = [m.payload for m in messages if m.destination == "activity"]
    assert [p["type"] for p in activity] == ["shipment_picked_up", "shipment_delivered"]
    assert activity[1]["metadata"]["order_id"] == shipment["order_id"]


def test_a_second_courier_gets_409_already_picked_up(client, tokens, new_shipment, fake_users):
    shipment = new_shipment()
    first, second = fake_users.courier(), fake_users.courier()
    assert step(client, tokens, shipment["id"], "pickup", first).status_code == 200
    answer = step(client, tokens, shipment["id"], "pickup", second)
    assert answer.status_code == 409
    assert answer.json["code"] == "already_picked_up"
    again = step(client, tokens, shipment["id"], "pickup", first)
    assert again.status_code == 409


def test_only_couriers_may_pick_up(client, tokens, new_shipment):
    shipment = new_shipment()
    for role in ["customer", "seller", "admin"]:
        answer = client.post(
            f"/api/shipping/shipments/{shipment['id']}/pickup", headers=tokens.headers(role)
        )
        assert answer.status_code == 403
    assert client.post(f"/api/shipping/shipments/{shipment['id']}/pickup").status_code == 401


def test_delivering_before_pickup_is_an_illegal_transition(
    client, tokens, new_shipment, fake_users
):
    shipment = new_shipment()
    courier = fake_users.courier()
    for action in ["deliver", "out-for-delivery"]:
        answer = step(client, tokens, shipment["id"], action, courier)
        assert answer.status_code == 409
        assert answer.json["code"] == "illegal_transition"
    step(client, tokens, shipment["id"], "pickup", courier)
    skipped = step(client, tokens, shipment["id"], "deliver", courier)
    assert skipped.status_code == 409
    assert skipped.json["details"] == {"status": "picked_up", "requested": "delivered"}


def test_a_delivered_shipment_cannot_be_delivered_again(client, tokens, new_shipment, fake_users):
    shipment = new_shipment()
    courier = fake_users.courier()
    for action in ["pickup", "out-for-delivery", "deliver"]:
        step(client, tokens, shipment["id"], action, courier)
    for action in ["deliver", "out-for-delivery"]:
        answer = step(client, tokens, shipment["id"], action, courier)
        assert answer.status_code == 409
        assert answer.json["code"] == "illegal_transition"


def test_another_courier_cannot_move_someone_elses_shipment(
    client, tokens, new_shipment, fake_users
):
    shipment = new_shipment()
    owner, other = fake_users.courier(), fake_users.courier()
    step(client, tokens, shipment["id"], "pickup", owner)
    for action in ["out-for-delivery", "deliver"]:
        answer = step(client, tokens, shipment["id"], action, other)
        assert answer.status_code == 403
        assert answer.json["code"] == "not_your_shipment"
    customer = client.post(
        f"/api/shipping/shipments/{shipment['id']}/deliver", headers=tokens.headers("customer")
    )
    assert customer.status_code == 403


def test_an_unknown_or_malformed_shipment_id_is_404(client, tokens, fake_users):
    courier = fake_users.courier()
    for shipment_id in [str(uuid.uuid4()), "not-an-id"]:
        for action in ["pickup", "out-for-delivery", "deliver"]:
            assert step(client, tokens, shipment_id, action, courier).status_code == 404
        detail = client.get(
            f"/api/shipping/shipments/{shipment_id}", headers=tokens.headers("admin")
        )
        assert detail.status_code == 404


def test_the_buyer_the_courier_and_staff_see_a_shipment_and_others_get_404(
    client, tokens, new_shipment, fake_users
):
    buyer = uuid.uuid4()
    shipment = new_shipment(user_id=buyer)
    courier = fake_users.courier()
    path = f"/api/shipping/shipments/{shipment['id']}"

    mine = client.get(path, headers=tokens.headers("customer", user_id=str(buyer)))
    assert mine.status_code == 200
    assert mine.json["courier"] is None
    assert mine.json["address"]["city"] == "Cairo"
    assert set(mine.json) >= {"id", "order_id", "tracking_number", "status", "zone", "method"}

    # While it waits in the pool any courier may look (without the address) to decide.
    pool_view = client.get(path, headers=as_courier(tokens, fake_users.courier()))
    assert pool_view.status_code == 200
    assert pool_view.json["address"] is None

    step(client, tokens, shipment["id"], "pickup", courier)
    assert client.get(path, headers=as_courier(tokens, courier)).json["address"] is not None
    assert client.get(path, headers=tokens.headers("admin")).status_code == 200
    assert client.get(path, headers=tokens.headers("customer")).status_code == 404
    assert client.get(path, headers=tokens.headers("seller")).status_code == 404
    assert client.get(path, headers=as_courier(tokens, fake_users.courier())).status_code == 404
    assert client.get(path).status_code == 401


def test_the_detail_still_answers_when_auth_is_down(client, tokens, new_shipment, fake_users):
    shipment = new_shipment()
    courier = fake_users.courier()
    step(client, tokens, shipment["id"], "pickup", courier)
    fake_users.down = True
    detail = client.get(
        f"/api/shipping/shipments/{shipment['id']}", headers=tokens.headers("admin")
    )
    assert detail.status_code == 200
    assert detail.json["courier"] == {"id": str(courier), "name": None}


def test_tracking_follows_each_step(client, tokens, new_shipment, fake_users):
    shipment = new_shipment()
    courier = fake_users.courier(name="Secret Name")
    track = f"/api/shipping/track/{shipment['tracking_number']}"
    for action, status in [
        ("pickup", "picked_up"),
        ("out-for-delivery", "out_for_delivery"),
        ("deliver", "delivered"),
    ]:
        step(client, tokens, shipment["id"], action, courier)
        answer = client.get(track)
        assert answer.json["status"] == status
        assert answer.json["events"][-1]["status"] == status
        assert "Secret Name" not in answer.get_data(as_text=True)
        assert str(courier) not in answer.get_data(as_text=True)


def list_ids(answer) -> set[str]:
    assert answer.status_code == 200, answer.json
    return {item["id"] for item in answer.json["items"]}


def test_a_customer_lists_only_the_shipments_of_their_own_orders(client, tokens, new_shipment):
    buyer = uuid.uuid4()
    mine = [new_shipment(user_id=buyer), new_shipment(user_id=buyer, zone="north")]
    new_shipment()
    answer = client.get(
        "/api/shipping/shipments", headers=tokens.headers("customer", user_id=str(buyer))
    )
    assert list_ids(answer) == {s["id"] for s in mine}
    assert answer.json["total"] == 2
    assert set(answer.json["items"][0]) >= {
        "id",
        "order_id",
        "tracking_number",
        "status",
        "zone",
        "courier_id",
    }
    # Newest first.
    assert answer.json["items"][0]["id"] == mine[1]["id"]


def test_a_courier_sees_the_pool_of_their_zone_and_their_own(
    client, tokens, new_shipment, fake_users
):
    courier = fake_users.courier(zone="north")
    north = new_shipment(zone="north")
    south = new_shipment(zone="south")
    carried = new_shipment(zone="east")
    taken_by_other = new_shipment(zone="north")
    step(client, tokens, carried["id"], "pickup", courier)
    step(client, tokens, taken_by_other["id"], "pickup", fake_users.courier(zone="north"))

    mine = client.get("/api/shipping/shipments", headers=as_courier(tokens, courier))
    assert list_ids(mine) == {north["id"], carried["id"]}

    other_zone = client.get(
        "/api/shipping/shipments?zone=south", headers=as_courier(tokens, courier)
    )
    assert list_ids(other_zone) == {south["id"]}

    own_only = client.get(
        "/api/shipping/shipments?status=picked_up", headers=as_courier(tokens, courier)
    )
    assert list_ids(own_only) == {carried["id"]}


def test_a_courier_without_a_zone_sees_every_zones_pool(client, tokens, new_shipment, fake_users):
    courier = fake_users.courier(zone=None)
    shipments = {new_shipment(zone=zone)["id"] for zone in ["north", "west"]}
    answer = client.get("/api/shipping/shipments", headers=as_courier(tokens, courier))
    assert shipments <= list_ids(answer)


def test_staff_see_every_shipment_and_can_filter(client, tokens, new_shipment, fake_users):
    west = new_shipment(zone="west")
    other = new_shipment(zone="west")
    step(client, tokens, other["id"], "pickup", fake_users.courier())
    admin = tokens.headers("admin")
    assert {west["id"], other["id"]} <= list_ids(
        client.get("/api/shipping/shipments", headers=admin)
    )
    by_order = client.get(f"/api/shipping/shipments?order_id={west['order_id']}", headers=admin)
    assert list_ids(by_order) == {west["id"]}
    by_status = client.get("/api/shipping/shipments?status=picked_up&zone=west", headers=admin)
    assert list_ids(by_status) == {other["id"]}


def test_bad_list_filters_are_400(client, tokens):
    admin = tokens.headers("admin")
    for query in ["order_id=nope", "status=lost", "per_page=101", "page=0"]:
        answer = client.get(f"/api/shipping/shipments?{query}", headers=admin)
        assert answer.status_code == 400, query
    assert client.get("/api/shipping/shipments").status_code == 401


def test_staff_see_couriers_with_active_and_completed_counts(
    client, tokens, new_shipment, fake_users
):
    busy = fake_users.courier(zone="north", name="Busy Bee")
    done = fake_users.courier(zone="south", name="Done Dan")
    for _ in range(2):
        shipment = new_shipment()
        step(client, tokens, shipment["id"], "pickup", busy)
    finished = new_shipment()
    for action in ["pickup", "out-for-delivery", "deliver"]:
        step(client, tokens, finished["id"], action, done)

    answer = client.get("/api/shipping/couriers", headers=tokens.headers("admin"))
    assert answer.status_code == 200
    board = {item["courier_id"]: item for item in answer.json["items"]}
    assert board[str(busy)] == {
        "courier_id": str(busy),
        "name": "Busy Bee",
        "zone": "north",
        "active": True,
        "active_deliveries": 2,
        "completed_deliveries": 0,
    }
    assert board[str(done)]["completed_deliveries"] == 1
    assert board[str(done)]["active_deliveries"] == 0
    assert answer.json["total"] == 2
    assert answer.json["items"][0]["courier_id"] == str(busy)

    for role in ["customer", "courier", "seller"]:
        assert client.get("/api/shipping/couriers", headers=tokens.headers(role)).status_code == 403


def test_idle_couriers_are_on_the_board_with_zero_counts(client, tokens, new_shipment, fake_users):
    busy = fake_users.courier(name="Busy Bee")
    idle = fake_users.courier(zone="south", name="Idle Ida")
    step(client, tokens, new_shipment()["id"], "pickup", busy)

    answer = client.get("/api/shipping/couriers", headers=tokens.headers("admin"))
    assert answer.status_code == 200
    assert [item["courier_id"] for item in answer.json["items"]] == [str(busy), str(idle)]
    assert answer.json["items"][1] == {
        "courier_id": str(idle),
        "name": "Idle Ida",
        "zone": "south",
        "active": True,
        "active_deliveries": 0,
        "completed_deliveries": 0,
    }
    second_page = client.get(
        "/api/shipping/couriers?per_page=1&page=2", headers=tokens.headers("admin")
    ).json
    assert [item["courier_id"] for item in second_page["items"]] == [str(idle)]
    assert second_page["total"] == 2


def test_without_the_auth_service_the_board_shows_couriers_with_shipments_unnamed(
    client, tokens, new_shipment, fake_users
):
    busy = fake_users.courier(name="Busy Bee")
    fake_users.courier(name="Idle Ida")
    step(client, tokens, new_shipment()["id"], "pickup", busy)
    fake_users.down = True

    answer = client.get("/api/shipping/couriers", headers=tokens.headers("admin"))
    assert answer.status_code == 200
    [row] = answer.json["items"]
    assert row["courier_id"] == str(busy) and row["name"] is None
    assert row["active_deliveries"] == 1


def test_someone_no_longer_a_courier_stays_on_the_board_with_their_name(
    client, tokens, new_shipment, fake_users
):
    former = fake_users.courier(name="Old Hand")
    step(client, tokens, new_shipment()["id"], "pickup", former)
    fake_users.known[former] = dataclasses.replace(fake_users.known[former], role="seller")

    answer = client.get("/api/shipping/couriers", headers=tokens.headers("admin"))
    [row] = [item for item in answer.json["items"] if item["courier_id"] == str(former)]
    assert (row["name"], row["active_deliveries"]) == ("Old Hand", 1)
