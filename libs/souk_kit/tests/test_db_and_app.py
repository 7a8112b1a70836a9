"""`transaction()` against real PostgreSQL, and what every kit app has: health, no strict slashes."""

import uuid

import pytest
from flask import Blueprint, request
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text

from souk_kit.app import REFRESH_GRACE_SECONDS, clients_of, settings_of
from souk_kit.db import database_of, driver_rows, get_session, reading, transaction
from souk_kit.errors import ConflictError
from souk_kit.settings import ServiceSettings
from souk_kit.tests.models import Thing

bp = Blueprint("db_test", __name__, url_prefix="/api/kit")


@bp.post("/things")
def add_thing() -> tuple[dict, int]:
    body = request.get_json()
    with transaction() as session:
        thing = Thing(name=body["name"])
        session.add(thing)
        session.flush()
        if body.get("fail") == "api":
            raise ConflictError()
        if body.get("fail") == "bug":
            raise KeyError("oops")
    return {"id": thing.id}, 201


@bp.get("/things/<name>")
def count_things(name: str) -> dict:
    session = get_session()
    return {"count": len(session.scalars(select(Thing).where(Thing.name == name)).all())}


@bp.get("/things/<name>/read")
def read_things(name: str) -> dict:
    with reading() as reader:
        [(count,)] = driver_rows(
            reader, "SELECT count(*) FROM kit_test.things WHERE name = %(name)s", {"name": name}
        )
    return {"count": count}


@bp.get("/same-session")
def same_session() -> dict:
    return {"same": get_session() is get_session()}


@pytest.fixture
def app(make_app, kit_tables):
    return make_app(bp)


@pytest.fixture
def client(app):
    return app.test_client()


def names_committed(kit_tables, name: str) -> int:
    """Rows with `name` as another connection sees them: only committed work."""
    with kit_tables.connect() as connection:
        return connection.scalar(
            text("SELECT count(*) FROM kit_test.things WHERE name = :name"), {"name": name}
        )


def test_transaction_commits_when_the_block_ends(client, kit_tables):
    name = f"thing-{uuid.uuid4()}"
    answer = client.post("/api/kit/things", json={"name": name})
    assert answer.status_code == 201
    uuid.UUID(answer.json["id"])
    assert names_committed(kit_tables, name) == 1
    assert client.get(f"/api/kit/things/{name}").json == {"count": 1}


@pytest.mark.parametrize(("fail", "status"), [("api", 409), ("bug", 500)])
def test_transaction_rolls_back_on_an_exception(client, kit_tables, fail, status):
    name = f"thing-{uuid.uuid4()}"
    answer = client.post("/api/kit/things", json={"name": name, "fail": fail})
    assert answer.status_code == status
    assert names_committed(kit_tables, name) == 0
    # The next request on the same app still works.
    assert client.post("/api/kit/things", json={"name": name}).status_code == 201
    assert names_committed(kit_tables, name) == 1


def test_a_read_sees_committed_work_and_hands_back_a_transactional_connection(
    app, client, kit_tables
):
    name = f"thing-{uuid.uuid4()}"
    assert client.post("/api/kit/things", json={"name": name}).status_code == 201
    assert client.get(f"/api/kit/things/{name}/read").json == {"count": 1}

    # The pool's connections (two here) all went through a read: each is in transactions
    # again, so a failed request still leaves nothing behind.
    for _ in range(3):
        assert client.get(f"/api/kit/things/{name}/read").status_code == 200
        answer = client.post("/api/kit/things", json={"name": name, "fail": "api"})
        assert answer.status_code == 409
    assert names_committed(kit_tables, name) == 1


def test_a_driver_error_in_a_read_is_sqlalchemys(app):
    with app.app_context(), reading() as reader:
        with pytest.raises(sa_exc.ProgrammingError):
            driver_rows(reader, "SELECT * FROM kit_test.no_such_table")
        assert driver_rows(reader, "SELECT 1") == [(1,)]  # autocommit: nothing to roll back


def test_a_request_uses_one_session_throughout(client):
    assert client.get("/api/kit/same-session").json == {"same": True}


def test_health_is_200_ok_when_the_database_answers(client):
    answer = client.get("/api/kit/health")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok"
    assert answer.json["service"] == "kit"


def test_a_trailing_slash_reaches_the_same_route_without_a_redirect(client):
    assert client.get("/api/kit/health/").status_code == 200
    name = f"thing-{uuid.uuid4()}"
    assert client.post("/api/kit/things/", json={"name": name}).status_code == 201


def test_only_anonymous_successful_reads_may_be_served_stale_while_the_gateway_refreshes(
    client, tokens
):
    grace = f"stale-while-revalidate={REFRESH_GRACE_SECONDS}"
    name = f"thing-{uuid.uuid4()}"

    anonymous = client.get(f"/api/kit/things/{name}")
    signed = client.get(f"/api/kit/things/{name}", headers=tokens.headers("customer"))
    missing = client.get("/api/kit/no-such-route")
    written = client.post("/api/kit/things", json={"name": name})

    assert (anonymous.status_code, anonymous.headers.get("Cache-Control")) == (200, grace)
    assert [a.headers.get("Cache-Control") for a in (signed, missing, written)] == [None] * 3


def test_the_app_keeps_its_settings_and_limits(app, make_settings):
    assert settings_of(app, ServiceSettings).service_token
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["SOUK_SERVICE"] == "kit"


def test_settings_and_clients_are_read_back_as_the_class_the_service_expects(
    make_app, make_settings
):
    class KitSettings(ServiceSettings):
        colour: str = "green"

    class KitClients:
        pass

    clients = KitClients()
    app = make_app(settings=KitSettings(**make_settings().model_dump()), clients=clients)
    assert settings_of(app, KitSettings).colour == "green"
    assert clients_of(app, KitClients) is clients

    class OtherSettings(ServiceSettings):
        pass

    with pytest.raises(TypeError, match="KitSettings, not OtherSettings"):
        settings_of(app, OtherSettings)
    with pytest.raises(TypeError, match="not KitSettings"):
        clients_of(app, KitSettings)


def test_json_answers_show_decimals_times_and_uuids_as_strings(make_app):
    from datetime import UTC, datetime, timedelta, timezone
    from decimal import Decimal

    shapes = Blueprint("shapes", __name__, url_prefix="/api/kit")
    thing_id = uuid.uuid4()

    @shapes.get("/shapes")
    def shape() -> dict:
        return {
            "price": Decimal("5.00"),
            "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1))),
            "naive": datetime(2024, 1, 2, 3, 4, 5),
            "day": datetime(2024, 1, 2, tzinfo=UTC).date(),
            "id": thing_id,
        }

    answer = make_app(shapes).test_client().get("/api/kit/shapes")
    assert answer.json == {
        "price": "5.00",
        "at": "2024-01-02T02:04:05Z",
        "naive": "2024-01-02T03:04:05Z",
        "day": "2024-01-02",
        "id": str(thing_id),
    }


def test_a_service_may_ask_for_generic_plans_on_every_connection(make_app, make_settings):
    plain = database_of(make_app())
    generic = database_of(make_app(settings=make_settings(db_generic_plans=True)))
    with plain.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "auto"
    with generic.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_generic_plan"
        assert connection.exec_driver_sql("SHOW timezone").scalar() == "UTC"
