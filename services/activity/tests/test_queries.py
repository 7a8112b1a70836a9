import uuid
from datetime import UTC, datetime, timedelta

from services.activity.tests.conftest import iso, message

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def view(user, product, at) -> dict:
    return message("product_view", at, user_id=user, product_id=product)


def order(user, products, at) -> dict:
    return message(
        "order_placed", at, user_id=user, metadata={"product_ids": [str(p) for p in products]}
    )


# ---- me/recent ----


def test_recent_views_are_distinct_products_newest_first(client, tokens, deliver, fake_products):
    me = uuid.uuid4()
    lamp, rug, vase = (fake_products.add(name) for name in ["Lamp", "Rug", "Vase"])
    deliver(
        view(me, lamp, ago(hours=5)),
        view(me, rug, ago(hours=4)),
        view(me, lamp, ago(hours=1)),
        view(me, vase, ago(hours=3)),
        message("add_to_cart", ago(minutes=1), user_id=me, product_id=vase),
        view(uuid.uuid4(), rug, ago(minutes=2)),
    )
    answer = client.get("/api/activity/me/recent", headers=tokens.headers(user_id=str(me)))
    assert answer.status_code == 200
    items = answer.json["items"]
    assert [i["product_id"] for i in items] == [str(lamp), str(vase), str(rug)]
    assert items[0]["viewed_at"] == iso(ago(hours=1))
    assert items[0]["product"] == {
        "name": "Lamp",
        "price": "10.00",
        "effective_price": "8.00",
        "currency": "USD",
    }
    assert fake_products.calls == 1


def test_recent_views_hold_at_most_twenty_and_skip_disabled_products(
    client, tokens, deliver, fake_products
):
    me = uuid.uuid4()
    products = [fake_products.add(f"P{i}") for i in range(25)]
    disabled = fake_products.add("Gone", active=False)
    deliver(
        *(view(me, p, ago(minutes=30 - i)) for i, p in enumerate(products)),
        view(me, disabled, ago(seconds=5)),
        view(me, uuid.uuid4(), ago(seconds=1)),  # not in the catalogue any more
    )
    items = client.get("/api/activity/me/recent", headers=tokens.headers(user_id=str(me))).json[
        "items"
    ]
    assert len(items) == 20
    assert items[0]["product_id"] == str(products[-1])
    assert str(disabled) not in {i["product_id"] for i in items}


def test_recent_views_still_answer_without_the_catalogue(client, tokens, deliver, fake_products):
    me, product = uuid.uuid4(), uuid.uuid4()
    deliver(view(me, product, ago(minutes=1)))
    fake_products.down = True
    answer = client.get("/api/activity/me/recent", headers=tokens.headers(user_id=str(me)))
    assert answer.status_code == 200
    assert answer.json["items"] == [
        {"product_id": str(product), "viewed_at": iso(ago(minutes=1)), "product": None}
    ]


def test_client_views_show_up_in_recent_views(client, tokens, fake_products):
    me = tokens.headers(user_id=str(uuid.uuid4()))
    product = fake_products.add()
    client.post(
        "/api/activity/events",
        json={"type": "product_view", "product_id": str(product)},
        headers=me,
    )
    items = client.get("/api/activity/me/recent", headers=me).json["items"]
    assert [i["product_id"] for i in items] == [str(product)]


def test_recent_views_need_a_signed_in_user(client):
    assert client.get("/api/activity/me/recent").status_code == 401


# ---- the staff's log ----


def test_the_log_is_for_staff_newest_first_and_filtered(client, tokens, deliver):
    ada, bob = uuid.uuid4(), uuid.uuid4()
    deliver(
        message("login", ago(days=3), user_id=ada),
        message("search", ago(days=2), user_id=ada, metadata={"q": "lamp"}),
        message("login", ago(days=1), user_id=bob),
        message("login", ago(hours=1), user_id=ada),
    )
    admin = tokens.headers("admin")
    everything = client.get(f"/api/activity/events?user_id={ada}", headers=admin).json
    assert everything["total"] == 3
    assert [e["type"] for e in everything["items"]] == ["login", "search", "login"]
    assert everything["items"][1]["metadata"] == {"q": "lamp"}
    assert set(everything["items"][0]) == {"id", "type", "user_id", "product_id", "metadata", "at"}

    logins = client.get(f"/api/activity/events?user_id={ada}&type=login", headers=admin).json
    assert logins["total"] == 2
    window = client.get(
        "/api/activity/events",
        query_string={"type": "login", "from": iso(ago(days=2)), "to": iso(ago(hours=2))},
        headers=admin,
    ).json
    assert [e["user_id"] for e in window["items"]] == [str(bob)]

    paged = client.get(f"/api/activity/events?user_id={ada}&per_page=2&page=2", headers=admin).json
    assert (paged["total"], len(paged["items"]), paged["page"]) == (3, 1, 2)


def test_the_log_refuses_other_roles_and_bad_filters(client, tokens):
    for role in ["customer", "seller", "courier"]:
        assert client.get("/api/activity/events", headers=tokens.headers(role)).status_code == 403
    admin = tokens.headers("admin")
    for query in [
        "user_id=nope",
        "from=yesterday",
        "type=Bad Type",
        "per_page=500",
        f"from={iso(NOW)}&to={iso(ago(days=1))}",
    ]:
        assert client.get(f"/api/activity/events?{query}", headers=admin).status_code == 400, query


# ---- stats ----


def test_stats_count_by_type_and_day_and_show_the_funnel(client, tokens, deliver):
    ada, bob, eve = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    product = uuid.uuid4()
    day1 = datetime(2026, 3, 10, 9, tzinfo=UTC)
    day2 = day1 + timedelta(days=1)
    deliver(
        view(ada, product, day1),
        view(ada, product, day1 + timedelta(hours=1)),
        view(bob, product, day1 + timedelta(hours=2)),
        view(eve, product, day2),
        message("search", day2, metadata={"q": "x"}),
        message("add_to_cart", day2, user_id=ada, product_id=product),
        message("add_to_cart", day2, user_id=bob, product_id=product),
        order(ada, [product], day2 + timedelta(hours=1)),
        message("login", day2 + timedelta(days=5), user_id=ada),  # outside the range
    )
    answer = client.get(
        "/api/activity/stats?from=2026-03-10T00:00:00Z&to=2026-03-12T00:00:00Z",
        headers=tokens.headers("admin"),
    )
    assert answer.status_code == 200
    stats = answer.json
    assert stats["from"] == "2026-03-10T00:00:00Z"
    assert stats["total"] == 8
    assert stats["by_type"] == {"product_view": 4, "add_to_cart": 2, "order_placed": 1, "search": 1}
    assert stats["by_day"] == [
        {"day": "2026-03-10", "total": 3, "counts": {"product_view": 3}},
        {
            "day": "2026-03-11",
            "total": 5,
            "counts": {"add_to_cart": 2, "order_placed": 1, "product_view": 1, "search": 1},
        },
    ]
    assert stats["funnel"] == [
        {"type": "product_view", "events": 4, "users": 3},
        {"type": "add_to_cart", "events": 2, "users": 2},
        {"type": "order_placed", "events": 1, "users": 1},
    ]


def test_stats_default_to_the_last_thirty_days(client, tokens, deliver):
    deliver(
        message("login", ago(days=2), user_id=uuid.uuid4()),
        message("login", ago(days=40), user_id=uuid.uuid4()),
    )
    stats = client.get("/api/activity/stats", headers=tokens.headers("admin")).json
    assert stats["by_type"] == {"login": 1}
    assert [step["events"] for step in stats["funnel"]] == [0, 0, 0]


def test_stats_accept_plain_dates_and_refuse_bad_ranges(client, tokens):
    admin = tokens.headers("admin")
    plain = client.get("/api/activity/stats?from=2026-01-01&to=2026-02-01", headers=admin)
    assert plain.status_code == 200
    assert plain.json["from"] == "2026-01-01T00:00:00Z"
    for query in ["from=2026-02-01&to=2026-01-01", "from=2020-01-01&to=2026-01-01", "to=soon"]:
        assert client.get(f"/api/activity/stats?{query}", headers=admin).status_code == 400, query
    # Times that leave Python's years 1..9999 once turned into UTC.
    for query in ["from=0001-01-01T00:00:00%2B05:00", "to=9999-12-31T23:59:59-05:00"]:
        for path in ("stats", "events"):
            answer = client.get(f"/api/activity/{path}?{query}", headers=admin)
            assert answer.status_code == 400, (path, query)
            assert answer.json["code"] == "validation_error"
    assert client.get("/api/activity/stats", headers=tokens.headers("customer")).status_code == 403


# ---- recommendations ----


def test_products_viewed_by_the_same_user_within_a_day_are_recommended(
    client, deliver, fake_products
):
    lamp, shade, bulb, rug = (fake_products.add(n) for n in ["Lamp", "Shade", "Bulb", "Rug"])
    users = [uuid.uuid4() for _ in range(3)]
    deliver(
        # Everyone who looked at the lamp also looked at the shade; one also at the bulb.
        *(view(u, lamp, ago(days=2)) for u in users),
        *(view(u, shade, ago(days=2, hours=-1)) for u in users),
        view(users[0], bulb, ago(days=2, hours=3)),
        # Viewed a week apart: not together.
        view(users[1], rug, ago(days=9)),
        # Anonymous views never pair up.
        view(None, rug, ago(days=2)),
        view(None, lamp, ago(days=2)),
    )
    answer = client.get(f"/api/activity/recommendations?product_id={lamp}")
    assert answer.status_code == 200
    items = answer.json["items"]
    assert [i["product_id"] for i in items] == [str(shade), str(bulb)]
    assert items[0]["viewed_together"] == 3
    assert items[0]["bought_together"] == 0
    assert items[0]["product"]["name"] == "Shade"
    assert answer.json["product_id"] == str(lamp)


def test_products_bought_together_outrank_products_viewed_together(client, deliver, fake_products):
    lamp, shade, bulb, cable = (fake_products.add() for _ in range(4))
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    deliver(
        view(a, lamp, ago(days=1)),
        view(a, shade, ago(days=1)),
        view(b, lamp, ago(days=1)),
        view(b, shade, ago(days=1)),
        order(c, [lamp, bulb], ago(hours=5)),
        order(a, [bulb, lamp, cable], ago(hours=4)),
        order(b, [cable], ago(hours=3)),  # does not hold the lamp
    )
    items = client.get(f"/api/activity/recommendations?product_id={lamp}").json["items"]
    scores = {
        i["product_id"]: (i["bought_together"], i["viewed_together"], i["score"]) for i in items
    }
    assert scores == {str(bulb): (2, 0, 6), str(cable): (1, 0, 3), str(shade): (0, 2, 2)}
    assert [i["product_id"] for i in items] == [str(bulb), str(cable), str(shade)]


def test_orders_that_list_lines_count_as_bought_together(client, deliver, fake_products):
    lamp, bulb = fake_products.add(), fake_products.add()
    placed = message(
        "order_placed",
        ago(hours=2),
        user_id=uuid.uuid4(),
        metadata={
            "order_id": str(uuid.uuid4()),
            "lines": [
                {"product_id": str(lamp), "quantity": 1},
                {"product_id": str(bulb), "quantity": 4},
            ],
        },
    )
    deliver(placed)
    items = client.get(f"/api/activity/recommendations?product_id={lamp}").json["items"]
    assert [(i["product_id"], i["bought_together"]) for i in items] == [(str(bulb), 1)]


def test_recommendations_hold_at_most_ten_and_skip_disabled_products(
    client, deliver, fake_products
):
    lamp = fake_products.add()
    others = [fake_products.add() for _ in range(12)]
    disabled = fake_products.add(active=False)
    deliver(order(uuid.uuid4(), [lamp, disabled, *others], ago(hours=1)))
    items = client.get(f"/api/activity/recommendations?product_id={lamp}").json["items"]
    assert len(items) == 10
    assert str(disabled) not in {i["product_id"] for i in items}
    assert str(lamp) not in {i["product_id"] for i in items}


def test_garbage_in_order_metadata_does_not_break_recommendations(client, deliver, fake_products):
    lamp, bulb = fake_products.add(), fake_products.add()
    odd = message(
        "order_placed", ago(hours=1), metadata={"product_ids": [str(lamp), "x", 7, str(bulb)]}
    )
    deliver(
        odd,
        message("order_placed", ago(hours=1), metadata={"product_ids": str(lamp)}),
        message("order_placed", ago(hours=1), metadata={"lines": [str(lamp), {"product_id": 3}]}),
        message("order_placed", ago(hours=1), metadata={"lines": {"product_id": str(lamp)}}),
    )
    answer = client.get(f"/api/activity/recommendations?product_id={lamp}")
    assert answer.status_code == 200
    assert [i["product_id"] for i in answer.json["items"]] == [str(bulb)]


def test_recommendations_need_a_valid_product_id(client):
    assert client.get("/api/activity/recommendations").status_code == 400
    assert client.get("/api/activity/recommendations?product_id=nope").status_code == 400
    nothing = client.get(f"/api/activity/recommendations?product_id={uuid.uuid4()}")
    assert nothing.status_code == 200
    assert nothing.json["items"] == []
