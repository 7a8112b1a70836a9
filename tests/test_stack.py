"""The stack itself: launcher, gateway routing, gateway errors and headers, fail-over."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from launcher import gateway
from launcher.programs import find_program
from launcher.settings import SERVICES
from tests.conftest import GatewaySession, Stack, port_is_open, wait_until

NGINX_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
ALLOWED_ORIGIN = "http://localhost:3000"


def new_request_id() -> str:
    return f"e2e-{uuid.uuid4().hex}"


def assert_error_shape(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["error"], str) and body["error"]
    assert body["details"] == {}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_healthy_through_the_gateway(
    session: GatewaySession, service: str
) -> None:
    response = session.get(f"/api/{service}/health")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_launcher_status_reports_every_service_healthy(stack: Stack) -> None:
    result = stack.launcher("status")

    assert result.returncode == 0, result.stdout + result.stderr
    for service in SERVICES:
        assert re.search(rf"^{service}\s+ok\b", result.stdout, re.MULTILINE)


def test_starting_twice_leaves_no_duplicates(stack: Stack) -> None:
    with stack.supervisor() as supervisord:
        before = {info["name"]: info["pid"] for info in supervisord.getAllProcessInfo()}

    result = stack.launcher("up", "--detach")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "already running" in result.stdout
    with stack.supervisor() as supervisord:
        after = {info["name"]: info["pid"] for info in supervisord.getAllProcessInfo()}
    assert after == before
    assert len(after) == len(SERVICES) * 2 + 2  # and nginx, and the mail sink
    assert {"nginx", "mail"} <= after.keys()


def test_secrets_are_readable_only_by_their_owner(stack: Stack) -> None:
    secrets_dir = stack.var_dir / "secrets"
    for name in ("jwt_private.pem", "jwt_public.pem", "service_token"):
        assert (secrets_dir / name).stat().st_mode & 0o777 == 0o600
    assert secrets_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/auth/me", "auth"),
        ("/api/products", "products"),
        ("/api/products/", "products"),
        ("/api/products/p1", "products"),
        ("/api/products/p1/reviews", "reviews"),
        ("/api/products/p1/reviews/", "reviews"),
        ("/api/products/p1/reviews/r1", "reviews"),
        ("/api/products/p1/reviewsx", "products"),
        ("/api/reviews", "reviews"),
        ("/api/cart", "cart"),
        ("/api/cart/", "cart"),
        ("/api/orders", "orders"),
        ("/api/inventory", "inventory"),
        ("/api/shipping/methods", "shipping"),
        ("/api/activity/events", "activity"),
    ],
)
def test_the_gateway_routes_each_path_to_its_service(
    stack: Stack, session: GatewaySession, path: str, service: str
) -> None:
    request_id = new_request_id()

    # A signed request is never answered from the gateway's catalogue cache: it reaches a service.
    session.get(path, headers={"X-Request-ID": request_id, "Authorization": "Bearer routing"})

    assert stack.upstream_services(request_id) == [service]


def test_the_cart_answers_with_and_without_a_trailing_slash(
    stack: Stack, session: GatewaySession
) -> None:
    answers = {}
    for path in ("/api/cart", "/api/cart/"):
        request_id = new_request_id()
        answers[path] = session.get(path, headers={"X-Request-ID": request_id})
        assert stack.upstream_services(request_id) == ["cart"]

    assert answers["/api/cart"].status_code == answers["/api/cart/"].status_code == 401


def test_every_response_carries_a_request_id(session: GatewaySession) -> None:
    proxied = session.get("/api/auth/health")
    from_nginx = session.get("/no/such/path")

    assert NGINX_REQUEST_ID.match(proxied.headers["X-Request-ID"])
    assert NGINX_REQUEST_ID.match(from_nginx.headers["X-Request-ID"])
    assert proxied.headers["X-Request-ID"] != from_nginx.headers["X-Request-ID"]


def test_a_client_request_id_is_passed_back_and_reaches_the_service_log(
    stack: Stack, session: GatewaySession
) -> None:
    request_id = new_request_id()

    response = session.get("/api/auth/health", headers={"X-Request-ID": request_id})

    assert response.headers["X-Request-ID"] == request_id
    assert stack.access_log_entry(request_id)["status"] == 200

    def in_an_auth_log() -> bool:
        return any(request_id in path.read_text() for path in stack.log_dir.glob("auth-*.log"))

    wait_until(in_an_auth_log, 5, "the auth service to log the request id")


def test_an_unsafe_client_request_id_is_replaced(session: GatewaySession) -> None:
    response = session.get("/api/auth/health", headers={"X-Request-ID": "no good id!"})

    assert NGINX_REQUEST_ID.match(response.headers["X-Request-ID"])


def test_an_unknown_path_is_a_json_404(session: GatewaySession) -> None:
    assert_error_shape(session.get("/no/such/page.html"), 404, "not_found")
    assert_error_shape(session.post("/api"), 404, "not_found")


def test_internal_routes_are_not_reachable_on_the_public_port(
    stack: Stack, session: GatewaySession
) -> None:
    response = session.get(
        "/internal/auth/metrics", headers={"X-Service-Token": stack.service_token}
    )

    assert_error_shape(response, 404, "not_found")


def test_the_internal_listener_serves_internal_routes_only(stack: Stack) -> None:
    with GatewaySession(stack.internal_url) as internal:
        metrics = internal.get(
            "/internal/auth/metrics", headers={"X-Service-Token": stack.service_token}
        )
        public_route = internal.get("/api/auth/health")

    assert metrics.status_code == 200
    assert "souk_http_requests_total" in metrics.text
    assert_error_shape(public_route, 404, "not_found")


def test_a_body_over_the_gateway_limit_is_a_json_413(session: GatewaySession) -> None:
    response = session.post(
        "/api/products/p1/images",
        data=b"\0" * (9 * 1024 * 1024),
        headers={"Content-Type": "application/octet-stream"},
    )

    assert_error_shape(response, 413, "payload_too_large")


def test_a_six_megabyte_upload_gets_through_to_the_products_service(
    stack: Stack, session: GatewaySession
) -> None:
    request_id = new_request_id()

    session.post(
        "/api/products/p1/images",
        files={"image": ("big.png", b"\0" * (6 * 1024 * 1024), "image/png")},
        headers={"X-Request-ID": request_id},
    )

    assert stack.upstream_services(request_id) == ["products"]


def test_a_cors_preflight_from_an_allowed_origin_is_answered_by_the_gateway(
    stack: Stack, session: GatewaySession
) -> None:
    request_id = new_request_id()

    response = session.options(
        "/api/cart",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
            "X-Request-ID": request_id,
        },
    )

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Origin" in response.headers["Vary"]
    assert stack.upstream_services(request_id) == []


def test_a_cors_preflight_from_another_origin_gets_no_cors_headers(
    session: GatewaySession,
) -> None:
    response = session.options(
        "/api/cart",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_an_allowed_origin_may_read_answers_and_the_request_id(session: GatewaySession) -> None:
    response = session.get("/api/auth/health", headers={"Origin": ALLOWED_ORIGIN})

    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Methods" not in response.headers


def test_product_images_are_served_from_the_media_folder(
    stack: Stack, session: GatewaySession
) -> None:
    image = stack.media_dir / f"e2e-{uuid.uuid4().hex}.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)

    response = session.get(f"/media/{image.name}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content == image.read_bytes()
    assert "max-age=" in response.headers["Cache-Control"]
    assert_error_shape(session.get("/media/missing.png"), 404, "not_found")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def strict_gateway(stack: Stack, tmp_path: Path) -> Iterator[str]:
    """A second nginx from the same template, in front of the same replicas, whose sign-in,
    checkout and event limits are one request a minute (the stack's own are opened up or
    generous)."""
    nginx = find_program("nginx")
    assert nginx is not None
    settings = stack.settings
    config = gateway.GatewayConfig(
        public_listen=f"127.0.0.1:{_free_port()}",
        internal_listen=f"127.0.0.1:{_free_port()}",
        upstreams={name: settings.replica_addresses(name) for name in SERVICES},
        media_dir=settings.media_dir,
        log_dir=tmp_path,
        run_dir=tmp_path,
        temp_dir=tmp_path / "tmp",
        extra_dir=tmp_path / "public.d",
        rate="2000r/s",
        burst=2000,
        auth_rate="1r/m",
        auth_burst=1,
        cors_origins=[ALLOWED_ORIGIN],
        checkout_rate="1r/m",
        checkout_burst=1,
        events_rate="1r/m",
        events_burst=1,
    )
    config.create_folders()
    conf = tmp_path / "nginx.conf"
    conf.write_text(gateway.render_nginx_conf(gateway.TEMPLATE.read_text(), config))
    errors = tmp_path / "nginx.stderr"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [str(nginx), "-p", f"{tmp_path}/", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    port = int(config.public_listen.rsplit(":", 1)[1])
    try:
        wait_until(lambda: process.poll() is not None or port_is_open(port), 10, "nginx")
        assert process.poll() is None, errors.read_text()
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_too_many_sign_ins_from_one_address_are_a_json_429(strict_gateway: str) -> None:
    with GatewaySession(strict_gateway) as strict:
        answers = [
            strict.post("/api/auth/login", json={"email": "x@example.com", "password": "nope"})
            for _ in range(3)
        ]

    assert [a.status_code for a in answers[:2]] == [answers[0].status_code] * 2
    assert answers[0].status_code != 429
    assert_error_shape(answers[2], 429, "rate_limited")
    assert answers[2].headers["Retry-After"] == "1"
    assert NGINX_REQUEST_ID.match(answers[2].headers["X-Request-ID"])


def test_too_many_checkouts_from_one_session_are_a_json_429(strict_gateway: str) -> None:
    # Any 32 token characters at the end make a session key; the orders service then says 401.
    session_a = {"Authorization": "Bearer " + "a" * 40}
    session_b = {"Authorization": "Bearer " + "b" * 40}
    with GatewaySession(strict_gateway) as strict:
        answers = [strict.post("/api/orders", json={}, headers=session_a) for _ in range(3)]
        other_session = strict.post("/api/orders", json={}, headers=session_b)
        reads = [strict.get("/api/orders", headers=session_a) for _ in range(3)]

    assert [a.status_code for a in answers[:2]] == [401, 401]
    assert_error_shape(answers[2], 429, "rate_limited")
    assert answers[2].headers["Retry-After"] == "1"
    assert other_session.status_code == 401
    assert [r.status_code for r in reads] == [401, 401, 401]  # reads are not checkouts


def test_too_many_client_events_from_one_address_are_a_json_429(strict_gateway: str) -> None:
    event = {"type": "search", "metadata": {"q": "lamp"}}
    with GatewaySession(strict_gateway) as strict:
        answers = [strict.post("/api/activity/events", json=event) for _ in range(3)]
        health = strict.get("/api/activity/health")

    assert [a.status_code for a in answers[:2]] == [202, 202]
    assert_error_shape(answers[2], 429, "rate_limited")
    assert answers[2].headers["Retry-After"] == "1"
    assert health.status_code == 200


def test_a_hung_replica_is_skipped_for_reads(stack: Stack, session: GatewaySession) -> None:
    """A replica that accepts connections but never answers (stopped, not dead): a read waits
    for the gateway's 8 s read timeout once, then another replica answers."""
    with stack.supervisor() as supervisord:
        victim = supervisord.getProcessInfo("shipping:shipping-0")
    hung = f"127.0.0.1:{stack.replica_port('shipping', 0)}"
    answers, skipped = [], []

    os.killpg(victim["pid"], signal.SIGSTOP)
    try:
        # Round robin sends one of the first two or three reads to the hung replica.
        for _ in range(4):
            request_id = new_request_id()
            answers.append(
                session.get("/api/shipping/methods", headers={"X-Request-ID": request_id})
            )
            entry = stack.access_log_entry(request_id)
            if entry["upstream_addr"].startswith(f"{hung},"):
                skipped.append(entry)
                break
    finally:
        os.killpg(victim["pid"], signal.SIGCONT)

    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert len(skipped) == 1, "no read went to the hung replica"
    assert skipped[0]["upstream_status"] == "504, 200"
    assert 7.5 <= skipped[0]["request_time"] < 12


def test_a_killed_replica_is_stepped_over(stack: Stack, session: GatewaySession) -> None:
    port = stack.replica_port("auth", 0)
    request_ids = [new_request_id() for _ in range(20)]
    with stack.supervisor() as supervisord:
        victim = supervisord.getProcessInfo("auth:auth-0")

    os.killpg(victim["pid"], signal.SIGKILL)
    try:
        wait_until(lambda: not port_is_open(port), 5, "the killed replica's port to close")
        statuses = [
            session.get("/api/auth/health", headers={"X-Request-ID": rid}).status_code
            for rid in request_ids
        ]

        assert statuses == [200] * 20
        tried = [stack.access_log_entry(rid)["upstream_addr"] for rid in request_ids]
        assert any(f"127.0.0.1:{port}," in addresses for addresses in tried), tried
    finally:
        # supervisord restarts it; leave the stack whole for whatever runs next.
        wait_until(lambda: _replica_is_back(stack, port), 30, "the killed replica to restart")


def _replica_is_back(stack: Stack, port: int) -> bool:
    with stack.supervisor() as supervisord:
        running = supervisord.getProcessInfo("auth:auth-0")["statename"] == "RUNNING"
    return running and port_is_open(port)
