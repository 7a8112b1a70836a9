"""Every error — raised by a service, by werkzeug, by the database, or unexpected — answers in
API.md's shape `{"error", "code", "details"}` with the right status."""

from typing import NoReturn

import pytest
from flask import Blueprint
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from souk_kit import errors
from souk_kit.db import driver_rows, get_session, reading, transaction
from souk_kit.validation import validate

EXPECTED = {
    errors.ValidationError: (400, "validation_error"),
    errors.UnauthorizedError: (401, "unauthorized"),
    errors.PaymentDeclinedError: (402, "payment_declined"),
    errors.ForbiddenError: (403, "forbidden"),
    errors.NotFoundError: (404, "not_found"),
    errors.ConflictError: (409, "conflict"),
    errors.PayloadTooLargeError: (413, "payload_too_large"),
    errors.UnsupportedMediaTypeError: (415, "unsupported_media_type"),
    errors.RateLimitedError: (429, "rate_limited"),
    errors.DependencyError: (503, "dependency_unavailable"),
}
BY_NAME = {cls.__name__: cls for cls in EXPECTED}


class OutOfStockError(errors.ConflictError):
    code = "out_of_stock"
    message = "Not enough stock"


class FakePgError(Exception):
    def __init__(self, pgcode: str | None) -> None:
        super().__init__(f"pg error {pgcode}")
        self.pgcode = pgcode


class Note(BaseModel):
    text: str


bp = Blueprint("errors_test", __name__, url_prefix="/api/kit")


@bp.get("/raise/<name>")
def raise_named(name: str) -> NoReturn:
    raise BY_NAME[name](details={"why": name})


@bp.get("/out-of-stock")
def out_of_stock() -> NoReturn:
    raise OutOfStockError(details={"lines": [1]})


@bp.get("/slow-down")
def slow_down() -> NoReturn:
    raise errors.RateLimitedError("Wait a bit", headers={"Retry-After": "7"})


@bp.get("/boom")
def boom() -> NoReturn:
    raise RuntimeError("password=hunter2 at db.internal:5432")


@bp.get("/db/<pgcode>")
def database_trouble(pgcode: str) -> NoReturn:
    raise sa_exc.OperationalError("SELECT 1", {}, FakePgError(None if pgcode == "none" else pgcode))


@bp.get("/pool-timeout")
def pool_timeout() -> NoReturn:
    raise sa_exc.TimeoutError("QueuePool limit reached")


@bp.get("/only-get")
def only_get() -> dict:
    return {"ok": True}


@bp.post("/notes")
@validate(body=Note)
def add_note(body: Note) -> dict:
    return {"text": body.text}


@bp.get("/in-transaction")
def in_transaction() -> dict:
    with transaction() as session:
        return {"count": session.scalar(text("SELECT 1"))}


@bp.get("/read")
def read() -> dict:
    return {"one": get_session().scalar(text("SELECT 1"))}


@bp.get("/driver-read")
def driver_read() -> dict:
    with reading() as reader:
        return {"one": driver_rows(reader, "SELECT 1")[0][0]}


def assert_error_shape(answer, status: int, code: str) -> None:
    assert answer.status_code == status
    assert answer.mimetype == "application/json"
    assert set(answer.json) == {"error", "code", "details"}
    assert answer.json["code"] == code
    assert isinstance(answer.json["error"], str) and answer.json["error"]
    assert isinstance(answer.json["details"], dict)


@pytest.fixture
def client(make_app):
    return make_app(bp, max_body_bytes=200).test_client()


def test_the_expected_table_names_every_api_error_subclass_of_the_kit():
    assert set(errors.ApiError.__subclasses__()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_each_api_error_renders_its_status_code_and_details(client, name):
    status, code = EXPECTED[BY_NAME[name]]
    answer = client.get(f"/api/kit/raise/{name}")
    assert_error_shape(answer, status, code)
    assert answer.json["details"] == {"why": name}
    assert answer.json["error"] == BY_NAME[name].message


def test_a_subclass_with_its_own_code_keeps_the_parent_status(client):
    answer = client.get("/api/kit/out-of-stock")
    assert_error_shape(answer, 409, "out_of_stock")
    assert answer.json == {
        "error": "Not enough stock",
        "code": "out_of_stock",
        "details": {"lines": [1]},
    }


def test_an_api_error_carries_its_headers_and_message(client):
    answer = client.get("/api/kit/slow-down")
    assert_error_shape(answer, 429, "rate_limited")
    assert answer.headers["Retry-After"] == "7"
    assert answer.json["error"] == "Wait a bit"


def test_an_unknown_path_is_a_json_404(client):
    assert_error_shape(client.get("/api/kit/no-such-thing"), 404, "not_found")


def test_a_wrong_method_is_a_json_405_that_says_which_methods_are_allowed(client):
    answer = client.post("/api/kit/only-get")
    assert_error_shape(answer, 405, "method_not_allowed")
    allowed = {method.strip() for method in answer.headers["Allow"].split(",")}
    assert "GET" in allowed
    assert "POST" not in allowed


def test_a_body_over_the_size_limit_is_a_json_413(client):
    answer = client.post("/api/kit/notes", json={"text": "x" * 500})
    assert_error_shape(answer, 413, "payload_too_large")


def test_a_body_within_the_size_limit_passes(client):
    assert client.post("/api/kit/notes", json={"text": "short"}).json == {"text": "short"}


def test_an_unexpected_exception_is_a_generic_500_without_its_text(client):
    answer = client.get("/api/kit/boom")
    assert_error_shape(answer, 500, "internal_error")
    assert answer.json["details"] == {}
    assert "hunter2" not in answer.get_data(as_text=True)
    assert "RuntimeError" not in answer.get_data(as_text=True)


def test_an_operational_database_error_is_a_503_database_unavailable(client):
    answer = client.get("/api/kit/db/none")
    assert_error_shape(answer, 503, "database_unavailable")
    assert "SELECT" not in answer.get_data(as_text=True)


def test_an_exhausted_connection_pool_is_a_503_database_unavailable(client):
    assert_error_shape(client.get("/api/kit/pool-timeout"), 503, "database_unavailable")


@pytest.mark.parametrize("pgcode", ["40001", "40P01"], ids=["serialization", "deadlock"])
def test_a_transaction_collision_is_a_409_try_again(client, pgcode):
    answer = client.get(f"/api/kit/db/{pgcode}")
    assert_error_shape(answer, 409, "try_again")


def test_another_pg_error_code_is_still_a_503(client):
    # 57P01: the server was shut down under the connection.
    assert_error_shape(client.get("/api/kit/db/57P01"), 503, "database_unavailable")


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql+psycopg2://postgres@127.0.0.1:1/nowhere",
        "postgresql+psycopg2://postgres@/nowhere?host=/tmp/souk-kit-no-such-socket-dir",
    ],
    ids=["closed-port", "missing-socket"],
)
def test_an_unreachable_database_makes_health_and_database_routes_answer_503(
    make_app, make_settings, database_url
):
    client = make_app(bp, settings=make_settings(database_url=database_url)).test_client()

    health = client.get("/api/kit/health")
    assert health.status_code == 503
    assert health.json["status"] == "unavailable"

    assert_error_shape(client.get("/api/kit/in-transaction"), 503, "database_unavailable")
    assert_error_shape(client.get("/api/kit/read"), 503, "database_unavailable")
    assert_error_shape(client.get("/api/kit/driver-read"), 503, "database_unavailable")
    # Routes without the database still answer.
    assert client.get("/api/kit/only-get").status_code == 200
