"""Request ids, one JSON access-log line per request, and Prometheus metrics."""

import json
import logging
import re
import uuid
from typing import NoReturn

import pytest
from flask import Blueprint

from souk_kit.auth import requires
from souk_kit.errors import ConflictError
from souk_kit.observability import JsonFormatter
from souk_kit.testing import SERVICE_TOKEN

ACCESS_LOGGER = "souk.kit.access"
bp = Blueprint("observability_test", __name__, url_prefix="/api/kit")


@bp.get("/items/<item_id>")
def item(item_id: str) -> dict:
    return {"id": item_id}


@bp.get("/mine")
@requires()
def mine() -> dict:
    return {}


@bp.post("/clash")
def clash() -> NoReturn:
    raise ConflictError()


@pytest.fixture
def client(make_app):
    return make_app(bp).test_client()


def access_lines(caplog) -> list[dict]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == ACCESS_LOGGER]


@pytest.fixture
def access_log(caplog):
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    return caplog


def test_a_valid_incoming_request_id_is_echoed(client):
    answer = client.get("/api/kit/items/1", headers={"X-Request-ID": "abc-12345-XYZ"})
    assert answer.headers["X-Request-ID"] == "abc-12345-XYZ"


@pytest.mark.parametrize(
    "sent", ["short", "has spaces in it", "x" * 65, "semi;colon12", "under_score_id", ""]
)
def test_an_invalid_incoming_request_id_is_replaced(client, sent):
    answer = client.get("/api/kit/items/1", headers={"X-Request-ID": sent})
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])


def test_a_request_without_an_id_gets_a_fresh_one_each_time(client):
    first = client.get("/api/kit/items/1").headers["X-Request-ID"]
    second = client.get("/api/kit/items/1").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_error_answers_carry_the_request_id_too(client):
    answer = client.get("/api/kit/nothing-here", headers={"X-Request-ID": "req-404-00000"})
    assert answer.status_code == 404
    assert answer.headers["X-Request-ID"] == "req-404-00000"


def test_each_request_writes_one_json_access_line(client, access_log):
    client.get("/api/kit/items/42", headers={"X-Request-ID": "req-access-0001"})
    [line] = access_lines(access_log)
    assert line["request_id"] == "req-access-0001"
    assert line["route"] == "/api/kit/items/<item_id>"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["service"] == "kit"
    assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["level"] == "info"


def test_the_access_line_names_the_signed_in_user(client, tokens, access_log):
    user_id = str(uuid.uuid4())
    client.get("/api/kit/mine", headers=tokens.headers("customer", user_id=user_id))
    [line] = access_lines(access_log)
    assert (line["user_id"], line["status"]) == (user_id, 200)


def test_failed_and_unmatched_requests_are_logged_with_their_status(client, access_log):
    client.post("/api/kit/clash")
    client.get("/api/kit/mine")
    client.get("/no/such/route")
    lines = access_lines(access_log)
    assert [(line["route"], line["status"]) for line in lines] == [
        ("/api/kit/clash", 409),
        ("/api/kit/mine", 401),
        ("unmatched", 404),
    ]


def test_metrics_count_requests_by_route_and_status(client):
    client.get("/api/kit/items/7")
    client.post("/api/kit/clash")
    assert client.get("/internal/kit/metrics").status_code == 404  # the service token is needed
    answer = client.get("/internal/kit/metrics", headers={"X-Service-Token": SERVICE_TOKEN})
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    body = answer.get_data(as_text=True)
    assert "souk_http_requests_total" in body
    assert re.search(
        r'souk_http_requests_total\{[^}]*route="/api/kit/items/<item_id>"[^}]*status="200"[^}]*\} [1-9]',
        body,
    )
    assert re.search(
        r'souk_http_requests_total\{[^}]*route="/api/kit/clash"[^}]*status="409"', body
    )
    assert "souk_http_request_duration_seconds_bucket" in body
