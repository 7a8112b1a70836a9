"""`ServiceClient` against a real local HTTP server, and the internal blueprint's token guard."""

import time
import uuid

import pydantic
import pytest
from flask import Blueprint

from souk_kit.errors import DependencyError
from souk_kit.http import ServiceClient, internal_blueprint
from souk_kit.settings import ServiceSettings
from souk_kit.testing import SERVICE_TOKEN
from souk_kit.tests.conftest import Reply

READ_TIMEOUT = 0.25


@pytest.fixture
def settings(make_settings, fake_service):
    return make_settings(internal_url=fake_service.url, http_read_timeout=READ_TIMEOUT)


@pytest.fixture
def inventory(settings) -> ServiceClient:
    return ServiceClient(settings, "inventory")


def test_a_get_reaches_the_internal_path_with_params_and_returns_the_json(inventory, fake_service):
    fake_service.script(Reply(200, {"levels": [1, 2]}))
    answer = inventory.get("/levels", params={"ids": "a,b"})
    assert answer.status == 200 and answer.ok
    assert answer.data == {"levels": [1, 2]}
    [hit] = fake_service.hits
    assert (hit.method, hit.path, hit.query) == (
        "GET",
        "/internal/inventory/levels",
        {"ids": ["a,b"]},
    )


def test_the_service_token_is_sent(inventory, fake_service):
    inventory.get("/levels")
    assert fake_service.hits[0].headers["x-service-token"] == SERVICE_TOKEN


def test_a_get_is_retried_on_503_then_succeeds(inventory, fake_service):
    fake_service.script(Reply(503, {}), Reply(200, {"ok": True}))
    answer = inventory.get("/levels")
    assert answer.data == {"ok": True}
    assert len(fake_service.hits) == 2


def test_a_get_that_keeps_failing_raises_dependency_error_after_a_few_tries(
    inventory, fake_service
):
    fake_service.default = Reply(503, {})
    with pytest.raises(DependencyError) as raised:
        inventory.get("/levels")
    assert raised.value.status == 503
    assert raised.value.details == {"service": "inventory"}
    assert len(fake_service.hits) == 3


def test_a_post_without_an_idempotency_key_is_not_retried_on_503(inventory, fake_service):
    fake_service.script(Reply(503, {}), Reply(201, {"ok": True}))
    with pytest.raises(DependencyError):
        inventory.post("/reservations", {"order_id": "o1"})
    assert len(fake_service.hits) == 1


def test_a_post_with_an_idempotency_key_is_retried_with_the_same_key(inventory, fake_service):
    fake_service.script(Reply(503, {}), Reply(201, {"reserved": True}))
    key = str(uuid.uuid4())
    answer = inventory.post("/reservations", {"order_id": "o1"}, idempotency_key=key)
    assert (answer.status, answer.data) == (201, {"reserved": True})
    assert [hit.headers["idempotency-key"] for hit in fake_service.hits] == [key, key]
    assert [hit.body for hit in fake_service.hits] == [{"order_id": "o1"}] * 2


def test_a_500_is_not_retried_and_raises_dependency_error(inventory, fake_service):
    fake_service.default = Reply(500, {"error": "boom"})
    with pytest.raises(DependencyError):
        inventory.get("/levels")
    assert len(fake_service.hits) == 1


def test_a_4xx_answer_is_returned_to_the_caller(inventory, fake_service):
    fake_service.script(Reply(409, {"code": "out_of_stock"}))
    answer = inventory.post("/reservations", {})
    assert (answer.status, answer.ok, answer.data) == (409, False, {"code": "out_of_stock"})


def test_an_empty_answer_has_no_data(inventory, fake_service):
    fake_service.script(Reply(204, b""))
    answer = inventory.post("/ping")
    assert (answer.status, answer.data) == (204, None)


def test_a_non_json_200_raises_dependency_error(inventory, fake_service):
    fake_service.script(Reply(200, b"<html>gateway says hi</html>"))
    with pytest.raises(DependencyError):
        inventory.get("/levels")


def test_a_read_timeout_raises_dependency_error_within_about_the_timeout(inventory, fake_service):
    fake_service.default = Reply(200, {"late": True}, delay=5)
    started = time.perf_counter()
    with pytest.raises(DependencyError):
        inventory.get("/levels")
    elapsed = time.perf_counter() - started
    assert elapsed < 2 * READ_TIMEOUT, f"took {elapsed:.2f}s for a {READ_TIMEOUT}s read timeout"


def test_a_post_read_timeout_raises_dependency_error_after_one_try(inventory, fake_service):
    fake_service.default = Reply(200, {"late": True}, delay=5)
    started = time.perf_counter()
    with pytest.raises(DependencyError):
        inventory.post("/reservations", {})
    assert time.perf_counter() - started < 2 * READ_TIMEOUT
    assert len(fake_service.hits) == 1


def test_a_refused_connection_raises_dependency_error(make_settings):
    client = ServiceClient(make_settings(internal_url="http://127.0.0.1:1"), "cart")
    with pytest.raises(DependencyError) as raised:
        client.post("/carts/x/clear", {})
    assert raised.value.details == {"service": "cart"}


# --- inside a request: X-Request-ID is passed on ---------------------------------------------

calls = Blueprint("http_test", __name__, url_prefix="/api/kit")


@calls.get("/levels")
def levels() -> dict:
    from flask import current_app

    client = ServiceClient(current_app.config["SOUK_SETTINGS"], "inventory")
    return {"levels": client.get("/levels").data}


def test_a_call_made_while_answering_a_request_passes_its_request_id_on(
    make_app, settings, fake_service
):
    client = make_app(calls, settings=settings).test_client()
    answer = client.get("/api/kit/levels", headers={"X-Request-ID": "req-0123456789abcdef"})
    assert answer.status_code == 200
    assert fake_service.hits[0].headers["x-request-id"] == "req-0123456789abcdef"
    assert fake_service.hits[0].headers["x-service-token"] == SERVICE_TOKEN


def test_a_dependency_failure_inside_a_request_is_a_503_for_our_client(
    make_app, settings, fake_service
):
    fake_service.default = Reply(502, {})
    answer = make_app(calls, settings=settings).test_client().get("/api/kit/levels")
    assert answer.status_code == 503
    assert answer.json["code"] == "dependency_unavailable"
    assert answer.json["details"] == {"service": "inventory"}


# --- internal_blueprint ----------------------------------------------------------------------


def internal_app(make_app):
    internal = internal_blueprint("kit")

    @internal.get("/ping")
    def ping() -> dict:
        return {"pong": True}

    return make_app(internal).test_client()


def test_an_internal_route_without_the_token_is_404(make_app, make_settings):
    answer = internal_app(make_app).get("/internal/kit/ping")
    assert answer.status_code == 404
    assert answer.json["code"] == "not_found"


def test_an_internal_route_with_a_wrong_token_is_404(make_app, make_settings):
    client = internal_app(make_app)
    for token in ["nope", SERVICE_TOKEN + "x", SERVICE_TOKEN[:-1], ""]:
        assert (
            client.get("/internal/kit/ping", headers={"X-Service-Token": token}).status_code == 404
        )


def test_an_internal_route_with_the_token_is_200(make_app, make_settings):
    client = internal_app(make_app)
    answer = client.get("/internal/kit/ping", headers={"X-Service-Token": SERVICE_TOKEN})
    assert (answer.status_code, answer.json) == (200, {"pong": True})


def test_one_internal_blueprint_checks_the_token_of_each_app_it_serves(make_app, make_settings):
    internal = internal_blueprint("kit")

    @internal.get("/ping")
    def ping() -> dict:
        return {"pong": True}

    other_token = "another-service-token-0123456789"
    first = make_app(internal).test_client()
    second = make_app(internal, settings=make_settings(service_token=other_token)).test_client()
    assert (
        first.get("/internal/kit/ping", headers={"X-Service-Token": SERVICE_TOKEN}).status_code
        == 200
    )
    assert (
        first.get("/internal/kit/ping", headers={"X-Service-Token": other_token}).status_code == 404
    )
    assert (
        second.get("/internal/kit/ping", headers={"X-Service-Token": other_token}).status_code
        == 200
    )
    assert (
        second.get("/internal/kit/ping", headers={"X-Service-Token": SERVICE_TOKEN}).status_code
        == 404
    )


def test_a_service_without_a_real_token_refuses_to_start(make_settings, monkeypatch):
    for token in ("", "short"):
        with pytest.raises(pydantic.ValidationError, match="service_token"):
            make_settings(service_token=token)
    monkeypatch.delenv("SOUK_SERVICE_TOKEN", raising=False)
    with pytest.raises(pydantic.ValidationError, match="service_token"):
        ServiceSettings(_env_file=None)


def test_get_items_asks_once_for_many_ids_and_parses_each_item(inventory, fake_service):
    fake_service.script(Reply(200, {"items": [{"n": "1"}, {"n": "2"}]}))
    assert inventory.get_items("/levels", ["b", "a", "b"], lambda item: int(item["n"])) == [1, 2]
    [hit] = fake_service.hits
    assert hit.query == {"ids": ["a,b"]}


def test_get_items_with_no_ids_calls_nobody(inventory, fake_service):
    assert inventory.get_items("/levels", [], lambda item: item) == []
    assert fake_service.hits == []


@pytest.mark.parametrize(
    "reply",
    [Reply(200, {"items": [{"wrong": 1}]}), Reply(200, {"nothing": []}), Reply(404, {})],
    ids=["unreadable-item", "no-items", "not-ok"],
)
def test_get_items_counts_an_unusable_answer_as_the_dependency_failing(
    inventory, fake_service, reply
):
    fake_service.script(reply)
    with pytest.raises(DependencyError):
        inventory.get_items("/levels", ["a"], lambda item: int(item["n"]))


def test_a_read_whose_answer_is_cut_midway_is_asked_once_more(inventory, fake_service):
    fake_service.script(Reply(200, {"items": ["whole"] * 50}, cut=True), Reply(200, {"n": 1}))
    assert inventory.get("/levels").data == {"n": 1}
    assert len(fake_service.hits) == 2


def test_a_write_whose_answer_is_cut_is_not_sent_again(inventory, fake_service):
    fake_service.script(Reply(200, {"items": ["whole"] * 50}, cut=True), Reply(200, {"n": 1}))
    with pytest.raises(DependencyError):
        inventory.post("/reserve", {"order": 1})
    assert len(fake_service.hits) == 1
