"""The catalogue's totals for the whole catalogue and for a category are kept ahead in
`listed_changes` by triggers; these check them against the products themselves."""

import uuid

import pytest
from souk_kit.db import database_of
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from services.products.app import create_app
from services.products.models import ListedChange, Product
from services.products.service.catalogue import fold_listed_changes
from services.products.tests.conftest import Seller


def totals(client) -> dict[str | None, int]:
    """The totals the catalogue answers: overall (None) and for each category used here."""
    answers: dict[str | None, int] = {None: client.get("/api/products?per_page=1").json["total"]}
    for category in ("lamps", "rugs", "vases"):
        answers[category] = client.get(f"/api/products?per_page=1&category={category}").json[
            "total"
        ]
    return answers


def counted(db) -> dict[str | None, int]:
    """The same totals counted from the products."""
    with db() as session:
        rows = session.execute(
            select(Product.category, func.count())
            .where(~Product.disabled, Product.deleted_at.is_(None))
            .group_by(Product.category)
        )
        per_category = {category: count for category, count in rows}
    answers: dict[str | None, int] = {None: sum(per_category.values())}
    for category in ("lamps", "rugs", "vases"):
        answers[category] = per_category.get(category, 0)
    return answers


def test_totals_follow_creates_moves_moderation_and_deletes(client, seller, admin, db):
    lamp = seller.create(category="lamps")
    seller.create(category="lamps")
    rug = seller.create(category="rugs")
    seller.create()  # no category
    assert totals(client) == counted(db) == {None: 4, "lamps": 2, "rugs": 1, "vases": 0}

    seller.patch(lamp["id"], category="vases")
    seller.patch(rug["id"], name="Same category, new name")
    assert totals(client) == counted(db) == {None: 4, "lamps": 1, "rugs": 1, "vases": 1}

    client.put(f"/api/products/{lamp['id']}/disable", headers=admin.headers)
    assert totals(client) == counted(db) == {None: 3, "lamps": 1, "rugs": 1, "vases": 0}
    seller.patch(lamp["id"], category="rugs")  # moved while disabled: still not listed
    assert totals(client) == counted(db) == {None: 3, "lamps": 1, "rugs": 1, "vases": 0}
    client.put(f"/api/products/{lamp['id']}/enable", headers=admin.headers)
    assert totals(client) == counted(db) == {None: 4, "lamps": 1, "rugs": 2, "vases": 0}

    client.delete(f"/api/products/{rug['id']}", headers=seller.headers)
    assert totals(client) == counted(db) == {None: 3, "lamps": 1, "rugs": 1, "vases": 0}


def test_stock_rating_and_sales_updates_leave_the_counts_alone(client, seller, db):
    product = seller.create(category="lamps", stock=2)
    with db() as session, session.begin():
        before = session.scalar(select(func.count()).select_from(ListedChange))
        session.execute(
            text("UPDATE products.products SET stock = 0, sold_count = 3 WHERE id = :id"),
            {"id": product["id"]},
        )
        assert session.scalar(select(func.count()).select_from(ListedChange)) == before
    assert totals(client)["lamps"] == 1


def test_bulk_loads_and_deletes_straight_into_the_table_are_counted(client, db):
    seller_id = uuid.uuid4()
    with db() as session, session.begin():
        session.execute(
            text(
                "INSERT INTO products.products (seller_id, name, price, category, disabled)"
                " SELECT :seller, 'Bulk ' || g, 9.99,"
                " (ARRAY['lamps', 'rugs', NULL])[1 + g % 3], g % 10 = 0"
                " FROM generate_series(1, 300) AS g"
            ),
            {"seller": seller_id},
        )
    assert totals(client) == counted(db) == {None: 270, "lamps": 90, "rugs": 90, "vases": 0}

    with db() as session, session.begin():
        session.execute(
            text("DELETE FROM products.products WHERE seller_id = :seller AND category = 'rugs'"),
            {"seller": seller_id},
        )
    assert totals(client) == counted(db) == {None: 180, "lamps": 90, "rugs": 0, "vases": 0}


def test_folding_leaves_one_row_per_category_and_every_total_as_it_was(client, seller, db):
    made = [seller.create(category=c) for c in ("lamps", "lamps", "rugs", "vases")]
    client.delete(f"/api/products/{made[3]['id']}", headers=seller.headers)
    before = totals(client)
    with db() as session, session.begin():
        assert fold_listed_changes(session) is True
        assert fold_listed_changes(session) is False  # nothing left to fold
        rows = session.execute(select(ListedChange.category, ListedChange.listed)).all()
    assert sorted(rows, key=str) == sorted([("lamps", 2), ("rugs", 1)], key=str)
    assert totals(client) == before == counted(db)


def test_open_transactions_adding_to_one_category_never_wait_for_each_other(
    make_service_app, tokens, migrated_url
):
    """Two requests' transactions stay open here (each app's is rolled back at the end), so a
    shared counter row would make the second create wait for ever."""
    apps = [make_service_app(create_app) for _ in range(2)]
    for app in apps:
        with database_of(app).transaction() as session:
            session.execute(text("SET lock_timeout = '5s'"))  # fail rather than hang
            assert session.scalar(text("SHOW lock_timeout")) == "5s"
        owner = Seller(app.test_client(), tokens.headers("seller", user_id=str(uuid.uuid4())), "")
        owner.create(category="lamps")
        listed = owner.client.get("/api/products?category=lamps").json
        assert listed is not None and listed["total"] == 1

    # A fold committed elsewhere meanwhile does not wait for them either, and leaves their
    # rows alone (it only ever rewrites committed rows into their sums).
    engine = create_engine(migrated_url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            fold_listed_changes(Session(bind=connection))
    finally:
        engine.dispose()
    for app in apps:
        assert app.test_client().get("/api/products?category=lamps").json["total"] == 1
        with database_of(app).new_session() as session:
            assert session.scalar(text("SHOW lock_timeout")) == "5s"


@pytest.mark.parametrize("category", ["lamps", None])
def test_a_category_with_no_listed_products_counts_zero(client, seller, admin, category):
    product = seller.create(category=category) if category else seller.create()
    client.put(f"/api/products/{product['id']}/disable", headers=admin.headers)
    assert client.get("/api/products?category=lamps").json["total"] == 0
    assert client.get("/api/products").json["total"] == 0
