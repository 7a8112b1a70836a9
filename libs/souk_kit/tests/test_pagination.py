"""`PageQuery`, `page_of` and `paginate` (against real PostgreSQL)."""

import uuid

import pytest
from flask import Blueprint
from pydantic import ValidationError
from sqlalchemy import select

from souk_kit.pagination import MAX_PER_PAGE, PageQuery, page_of, paginate
from souk_kit.tests.models import Thing
from souk_kit.validation import validate

bp = Blueprint("pagination_test", __name__, url_prefix="/api/kit")


@bp.get("/pages")
@validate(query=PageQuery)
def pages(query: PageQuery) -> dict:
    return page_of(["a"], query, 1)


@pytest.mark.parametrize("per_page", [0, MAX_PER_PAGE + 1, -1])
def test_per_page_outside_1_to_100_is_rejected(per_page):
    with pytest.raises(ValidationError):
        PageQuery(per_page=per_page)


@pytest.mark.parametrize("per_page", [1, MAX_PER_PAGE])
def test_per_page_at_the_bounds_is_accepted(per_page):
    assert PageQuery(per_page=per_page).per_page == per_page


def test_page_zero_is_rejected_and_defaults_are_page_1_of_20():
    with pytest.raises(ValidationError):
        PageQuery(page=0)
    assert (PageQuery().page, PageQuery().per_page) == (1, 20)


def test_the_offset_skips_the_earlier_pages():
    assert PageQuery(page=3, per_page=10).offset == 20


@pytest.mark.parametrize("per_page", ["0", "101"])
def test_a_query_string_with_per_page_out_of_bounds_is_400(make_app, per_page):
    answer = make_app(bp).test_client().get(f"/api/kit/pages?per_page={per_page}")
    assert answer.status_code == 400
    assert list(answer.json["details"]["fields"]) == ["per_page"]


def test_a_query_string_page_is_answered_in_the_page_shape(make_app):
    answer = make_app(bp).test_client().get("/api/kit/pages?page=2&per_page=5")
    assert answer.json == {"items": ["a"], "page": 2, "per_page": 5, "total": 1}


def test_page_of_has_items_page_per_page_total_and_extras():
    query = PageQuery(page=2, per_page=3)
    assert page_of(("x", "y"), query, 5, facets={"k": 1}) == {
        "items": ["x", "y"],
        "page": 2,
        "per_page": 3,
        "total": 5,
        "facets": {"k": 1},
    }


@pytest.fixture
def session(kit_engine):
    """A session on the scratch schema whose work is rolled back."""
    from sqlalchemy.orm import Session

    with kit_engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection) as session:
            yield session
        transaction.rollback()


@pytest.fixture
def names(session) -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    made = [f"{prefix}-{n:02d}" for n in range(25)]
    session.add_all(Thing(name=name) for name in made)
    session.flush()
    return made


def test_paginate_counts_all_rows_and_returns_one_page(session, names):
    statement = select(Thing).where(Thing.name.in_(names)).order_by(Thing.name)
    page = paginate(session, statement, PageQuery(page=2, per_page=10), lambda t: t.name)
    assert page["total"] == 25
    assert page["items"] == names[10:20]
    assert (page["page"], page["per_page"]) == (2, 10)


def test_the_last_page_is_partial_and_beyond_it_is_empty(session, names):
    statement = select(Thing).where(Thing.name.in_(names)).order_by(Thing.name)
    last = paginate(session, statement, PageQuery(page=3, per_page=10), lambda t: t.name)
    beyond = paginate(session, statement, PageQuery(page=4, per_page=10), lambda t: t.name)
    assert last["items"] == names[20:]
    assert (beyond["items"], beyond["total"]) == ([], 25)


def test_paginate_can_return_rows_instead_of_scalars(session, names):
    statement = select(Thing.name, Thing.id).where(Thing.name.in_(names)).order_by(Thing.name)
    page = paginate(session, statement, PageQuery(per_page=2), lambda row: row.name, scalars=False)
    assert (page["items"], page["total"]) == (names[:2], 25)


def test_paginate_of_nothing_has_total_zero(session):
    statement = select(Thing).where(Thing.name == "no such thing")
    assert paginate(session, statement, PageQuery(), lambda t: t)["total"] == 0
