import uuid
from datetime import UTC, datetime, timedelta

import pytest
from souk_kit import statements as statements_module
from souk_kit.db import database_of, driver_rows
from sqlalchemy import event, text

from services.products.tests.conftest import image_bytes, relay_batch


def ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.json
    return [p["id"] for p in answer.json["items"]]


def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.json
    return [p["name"] for p in answer.json["items"]]


def test_the_catalogue_is_paginated_newest_first(client, seller):
    made = [seller.create(name=f"Item {n}")["id"] for n in range(5)]
    first = client.get("/api/products?per_page=2")
    assert first.json["total"] == 5
    assert (first.json["page"], first.json["per_page"]) == (1, 2)
    assert ids(first) == [made[4], made[3]]
    assert ids(client.get("/api/products?per_page=2&page=3")) == [made[0]]
    beyond = client.get("/api/products?per_page=2&page=9")
    assert beyond.json["items"] == [] and beyond.json["total"] == 5


@pytest.mark.parametrize(
    "query",
    [
        "per_page=101",
        "per_page=0",
        "page=0",
        "sort=cheapest",
        "sort=",
        "min_price=-1",
        "min_price=abc",
        "max_price=1.005",
        "min_price=10&max_price=5",
        "seller_id=not-a-uuid",
        "in_stock=maybe",
        "q=" + "x" * 201,
        "q=a%00b",
        "category=a%00b",
    ],
)
def test_bad_catalogue_queries_are_400(client, query):
    answer = client.get(f"/api/products?{query}")
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"


def test_search_finds_words_in_name_and_description_and_ranks_names_first(client, seller):
    in_description = seller.create(name="Desk lamp", description="Warm light for a lantern fan")
    in_name = seller.create(name="Copper lantern", description="Old and shiny")
    seller.create(name="Rug", description="Woven wool")
    assert ids(client.get("/api/products?q=lantern")) == [in_name["id"], in_description["id"]]
    assert client.get("/api/products?q=lanterns").json["total"] == 2  # stemmed


def test_search_finds_partial_words(client, seller):
    product = seller.create(name="Wireless headphones")
    seller.create(name="Cotton towel")
    assert ids(client.get("/api/products?q=headph")) == [product["id"]]
    assert ids(client.get("/api/products?q=wirel%20head")) == [product["id"]]


def test_search_understands_quotes_and_exclusions(client, seller):
    red = seller.create(name="Red leather bag")
    seller.create(name="Blue leather bag")
    seller.create(name="Leather red strap bag")
    assert set(names(client.get("/api/products?q=leather%20-blue"))) == {
        "Red leather bag",
        "Leather red strap bag",
    }
    assert ids(client.get('/api/products?q="red leather"')) == [red["id"]]


def test_search_with_only_punctuation_or_stop_words_finds_nothing_and_fails_nothing(client, seller):
    seller.create(name="The lamp")
    assert client.get("/api/products?q=%21%21%21").json["total"] == 0
    assert client.get("/api/products?q=%27%26%7C").status_code == 200
    assert client.get("/api/products?q=%20%20").json["total"] == 1  # blank means no search


def test_filters_by_category_seller_and_price(client, seller, make_seller):
    cheap = seller.create(name="Cheap", price="5.00", category="lamps")
    mid = seller.create(name="Mid", price="15.00", category="lamps")
    seller.create(name="Dear", price="150.00", category="rugs")
    other = make_seller().create(name="Other", price="15.00", category="lamps")

    assert set(ids(client.get("/api/products?category=lamps"))) == {
        cheap["id"],
        mid["id"],
        other["id"],
    }
    by_seller = client.get(f"/api/products?seller_id={seller.user_id}&category=lamps")
    assert set(ids(by_seller)) == {cheap["id"], mid["id"]}
    assert set(ids(client.get("/api/products?min_price=10&max_price=15"))) == {
        mid["id"],
        other["id"],
    }
    assert ids(client.get("/api/products?max_price=5")) == [cheap["id"]]
    assert client.get("/api/products?category=nothing").json["total"] == 0


def test_in_stock_follows_the_stock_read_model(client, seller, internal_headers):
    stocked = seller.create(name="Stocked", stock=3)
    empty = seller.create(name="Empty")
    assert ids(client.get("/api/products?in_stock=true")) == [stocked["id"]]
    assert ids(client.get("/api/products?in_stock=false")) == [empty["id"]]

    client.post(
        "/internal/products/stock-levels",
        json=relay_batch(
            {"product_id": stocked["id"], "available": 0, "version": 2},
            {"product_id": empty["id"], "available": 4, "version": 2},
        ),
        headers=internal_headers,
    )
    assert ids(client.get("/api/products?in_stock=1")) == [empty["id"]]


def test_on_offer_lists_the_products_whose_offer_runs_now(client, seller):
    running = seller.create(name="Running offer", price="20.00")
    later = seller.create(name="Offer next week", price="20.00")
    plain = seller.create(name="No offer", price="20.00")
    assert seller.offer(running["id"], percent_off=10).status_code == 201
    next_week = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    assert seller.offer(later["id"], percent_off=10, starts_at=next_week).status_code == 201

    assert ids(client.get("/api/products?on_offer=true")) == [running["id"]]
    assert set(ids(client.get("/api/products?on_offer=false"))) == {later["id"], plain["id"]}
    assert client.get("/api/products?on_offer=true&q=running").json["total"] == 1
    assert client.get("/api/products?on_offer=soon").status_code == 400


def test_every_sort_orders_as_promised(client, seller, internal_headers):
    a = seller.create(name="A", price="30.00")
    b = seller.create(name="B", price="10.00")
    c = seller.create(name="C", price="20.00")
    client.post(
        "/internal/products/ratings",
        json=relay_batch(
            {"product_id": a["id"], "average_rating": "4.50", "review_count": 2, "version": 1},
            {"product_id": c["id"], "average_rating": 3, "review_count": 9, "version": 1},
        ),
        headers=internal_headers,
    )
    client.post(
        "/internal/products/sales",
        json=relay_batch(
            {"product_id": b["id"], "quantity": 5}, {"product_id": c["id"], "quantity": 2}
        ),
        headers=internal_headers,
    )
    assert names(client.get("/api/products")) == ["C", "B", "A"]
    assert names(client.get("/api/products?sort=newest")) == ["C", "B", "A"]
    assert names(client.get("/api/products?sort=price")) == ["B", "C", "A"]
    assert names(client.get("/api/products?sort=-price")) == ["A", "C", "B"]
    assert names(client.get("/api/products?sort=rating")) == ["A", "C", "B"]
    assert names(client.get("/api/products?sort=popular")) == ["B", "C", "A"]


def test_sorts_combine_with_search_and_filters(client, seller):
    seller.create(name="Big lamp", price="40.00", category="lamps")
    seller.create(name="Small lamp", price="12.00", category="lamps")
    seller.create(name="Lamp oil", price="3.00", category="supplies")
    answer = client.get("/api/products?q=lamp&category=lamps&sort=price&min_price=10")
    assert names(answer) == ["Small lamp", "Big lamp"]


def test_the_list_shows_images_offers_and_read_model_numbers(client, seller):
    product = seller.create(name="Lamp", price="20.00", stock=2)
    seller.upload(product["id"], image_bytes("PNG"), "a.png")
    seller.offer(product["id"], percent_off=25)
    item = client.get("/api/products").json["items"][0]
    assert item["images"][0].startswith("/media/") and item["images"][0].endswith(".png")
    assert item["effective_price"] == "15.00"
    assert item["offer"]["percent_off"] == "25.00"
    assert item["stock"] == 2 and item["in_stock"] is True


def test_a_page_and_its_total_cost_one_statement_however_many_products_it_shows(
    app, client, seller, monkeypatch
):
    for n in range(12):
        product = seller.create(name=f"Lamp {n}")
        seller.upload(product["id"], image_bytes(), "x.jpg")
        seller.offer(product["id"], percent_off=10)
    statements: list[str] = []
    engine = database_of(app).engine

    def count(_conn, _cursor, statement, *_args) -> None:
        # PREPARE runs once per connection and statement shape, not per request.
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "PREPARE")):
            statements.append(statement)

    def counted_driver_rows(connection, sql, params=None):
        count(connection, None, sql)
        return driver_rows(connection, sql, params)

    # Catalogue reads go straight to the driver; anything else through SQLAlchemy.
    monkeypatch.setattr(statements_module, "driver_rows", counted_driver_rows)
    event.listen(engine, "before_cursor_execute", count)
    try:
        small = client.get("/api/products?per_page=2&q=lamp&sort=price")
        small_count = len(statements)
        large = client.get("/api/products?per_page=12&q=lamp&sort=price")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(small.json["items"]) == 2 and len(large.json["items"]) == 12
    assert all(item["images"] and item["offer"] for item in large.json["items"])
    assert small_count == 1  # the count and the page together
    assert len(statements) - small_count == 1
    assert large.json["total"] == 12


def test_categories_count_listed_products_only(client, seller, admin):
    seller.create(category="lamps")
    seller.create(category="lamps")
    hidden = seller.create(category="lamps")
    gone = seller.create(category="rugs")
    seller.create(category="rugs")
    seller.create()  # no category
    seller.create(category="vases")
    client.put(f"/api/products/{hidden['id']}/disable", headers=admin.headers)
    client.delete(f"/api/products/{gone['id']}", headers=seller.headers)

    answer = client.get("/api/products/categories")
    assert answer.status_code == 200
    assert answer.json["items"] == [
        {"name": "lamps", "count": 2},
        {"name": "rugs", "count": 1},
        {"name": "vases", "count": 1},
    ]
    assert answer.json["total"] == 3
    assert client.get("/api/products/categories?per_page=1&page=2").json["items"] == [
        {"name": "rugs", "count": 1}
    ]


def test_a_product_of_an_unknown_seller_filter_is_an_empty_page(client, seller):
    seller.create()
    answer = client.get(f"/api/products?seller_id={uuid.uuid4()}")
    assert answer.json == {"items": [], "page": 1, "per_page": 20, "total": 0}


def test_statements_stay_prepared_on_a_connection_only_up_to_a_bound(
    client, seller, db, monkeypatch
):
    """Every combination of filters is its own statement; a client trying them all must not
    fill the database's memory with prepared plans, and evicted ones still answer right."""
    monkeypatch.setattr(statements_module, "MAX_PREPARED", 3)
    lamp = seller.create(name="Lamp", price="5.00", category="lamps", stock=2)
    seller.create(name="Rug", price="50.00", category="rugs")
    queries = {
        "": 2,
        "?category=lamps": 1,
        "?sort=price": 2,
        "?in_stock=true": 1,
        "?q=rug": 1,
        "?in_stock=false&sort=-price": 1,
    }
    for _ in range(2):
        for query, total in queries.items():
            assert client.get(f"/api/products{query}").json["total"] == total
            assert client.get(f"/api/products/{lamp['id']}").json["name"] == "Lamp"
            with db() as session:
                prepared = session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
            assert prepared <= 3
