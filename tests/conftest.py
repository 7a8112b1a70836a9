"""The end-to-end harness: a whole Souk stack started the way `make up DETACH=1` starts it,
on its own ports and in its own var folder, driven over HTTP through the real nginx."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from launcher import postgres, supervisor, web
from launcher.settings import REPO_ROOT, SERVICES, Settings

HERE = Path(__file__).resolve().parent
GATEWAY_PORT = 18080
INTERNAL_PORT = 18081
SERVICE_BASE_PORT = 19100
REPLICAS = 2
# Derived by the launcher from the settings below; a developer's own values must not leak in.
_LAUNCHER_DERIVED = (
    "DATABASE_URL",
    "SOUK_LOG_DIR",
    "SOUK_MEDIA_DIR",
    "SOUK_INTERNAL_URL",
    "SOUK_SERVICE_TOKEN",
    "SOUK_JWT_PUBLIC_KEY_FILE",
    "SOUK_JWT_PRIVATE_KEY_FILE",
    "SOUK_SMTP_HOST",
    "SOUK_PUBLIC_URL",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, every: float = 0.01
) -> None:
    """Poll `condition` every `every` seconds until it holds; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def port_is_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Stack:
    url: str
    internal_url: str
    admin_email: str
    admin_password: str
    var_dir: Path
    service_token: str
    env: Mapping[str, str]

    @classmethod
    def of(cls, env: Mapping[str, str]) -> Stack:
        """The stack a launcher started with `env` (its admin from SOUK_ADMIN_*)."""
        settings = Settings.from_env(env)
        return cls(
            url=settings.gateway_url,
            internal_url=settings.internal_url,
            admin_email=env["SOUK_ADMIN_EMAIL"],
            admin_password=env["SOUK_ADMIN_PASSWORD"],
            var_dir=settings.var_dir,
            service_token=(settings.secrets_dir / "service_token").read_text().strip(),
            env=env,
        )

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    @property
    def log_dir(self) -> Path:
        return self.settings.log_dir

    @property
    def media_dir(self) -> Path:
        return self.settings.media_dir

    def replica_port(self, service: str, replica: int) -> int:
        return self.settings.replica_port(service, replica)

    def service_of_port(self, port: int) -> str | None:
        for service in SERVICES:
            if any(self.replica_port(service, r) == port for r in range(self.settings.replicas)):
                return service
        return None

    @contextmanager
    def supervisor(self) -> Iterator[Any]:
        """supervisord's XML-RPC interface: getProcessInfo("auth:auth-0"), stopProcessGroup..."""
        with supervisor.control(supervisor.Paths.from_settings(self.settings)) as supervisord:
            yield supervisord

    def launcher(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return run_launcher(self.env, *args, timeout=timeout)

    def access_log_entry(self, request_id: str, timeout: float = 3) -> dict[str, Any]:
        """The gateway's JSON access-log line for `request_id` (nginx writes it just after
        answering, so it is polled for)."""
        found: list[dict[str, Any]] = []

        def logged() -> bool:
            path = self.log_dir / "gateway_access.log"
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line nginx is still writing
                if entry["request_id"] == request_id:
                    found.append(entry)
                    return True
            return False

        wait_until(logged, timeout, f"the gateway to log request {request_id}")
        return found[0]

    def upstream_services(self, request_id: str) -> list[str | None]:
        """Which services the gateway tried for a request, in order."""
        addresses = self.access_log_entry(request_id)["upstream_addr"]
        return [
            self.service_of_port(int(address.rsplit(":", 1)[1]))
            for address in addresses.replace(",", " ").split()
            if ":" in address
        ]


def run_launcher(
    env: Mapping[str, str], *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        env=dict(env),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _worker_offset() -> tuple[str, int]:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return "", 0
    return f"-{worker}", 100 * (int(worker.removeprefix("gw")) + 1)


def stack_env(
    var_dir: Path, gateway_port: int, internal_port: int, service_base_port: int, **settings: str
) -> dict[str, str]:
    """The environment of a test stack: this process's own, without what the launcher derives,
    with the stack's folder and ports (moved apart per xdist worker), sign-in limits loose
    enough for tests, and `settings` (SOUK_REPLICAS="1", …) on top."""
    suffix, offset = _worker_offset()
    env = {key: value for key, value in os.environ.items() if key not in _LAUNCHER_DERIVED}
    env.update(
        {
            "SOUK_VAR_DIR": f"{var_dir}{suffix}",
            "SOUK_GATEWAY_PORT": str(gateway_port + offset),
            "SOUK_INTERNAL_PORT": str(internal_port + offset),
            "SOUK_SERVICE_BASE_PORT": str(service_base_port + offset),
            # The stack's local mail sink, beside its gateway (main stack: 18025).
            "SOUK_SMTP_PORT": str(gateway_port - 55 + offset),
            "SOUK_GATEWAY_AUTH_RATE": "1000r/s",
            "SOUK_GATEWAY_AUTH_BURST": "1000",
            "SOUK_START_TIMEOUT": "120",
            **settings,
        }
    )
    return env


def clear_stack(env: Mapping[str, str]) -> None:
    """Stop and remove what an interrupted run of this stack left behind (it would hold the
    ports and the data folder), its own embedded PostgreSQL included."""
    settings = Settings.from_env(env)
    if supervisor.is_running(supervisor.Paths.from_settings(settings)):
        run_launcher(env, "down")
    if "DATABASE_URL" not in env:
        postgres.stop(settings.pg_data_dir)
    shutil.rmtree(settings.var_dir, ignore_errors=True)


def clear_stack_and_database(
    env: dict[str, str], postgres_database: Callable[[str], str], database: str
) -> None:
    """`clear_stack`, then point `env` at an empty `database` on the test server (dropped only
    once the old stack, which may still hold connections to it, is down)."""
    env["DATABASE_URL"] = postgres_database(database)
    clear_stack(env)
    postgres.drop_database(env["DATABASE_URL"], database)
    env["DATABASE_URL"] = postgres_database(database)


@contextmanager
def launched(env: Mapping[str, str], what: str) -> Iterator[subprocess.CompletedProcess[str]]:
    """`python -m launcher up --detach` (what it printed), and `down` afterwards."""
    try:
        started = run_launcher(env, "up", "--detach")
        if started.returncode != 0:
            pytest.fail(f"{what} did not start:\n{started.stdout}\n{started.stderr}", pytrace=False)
        yield started
    finally:
        run_launcher(env, "down")


@pytest.fixture(scope="session")
def web_dist() -> Path:
    """The web front end's build (web/dist), built first if its sources changed."""
    return web.ensure_built(lambda message: print(f"souk: {message}", flush=True))


@pytest.fixture(scope="session")
def stack(postgres_database: Callable[[str], str]) -> Iterator[Stack]:
    suffix, _ = _worker_offset()
    database = f"souk_e2e{suffix.replace('-', '_')}"
    admin_email = "admin-e2e@example.com"
    admin_password = secrets.token_urlsafe(16)
    env = stack_env(
        REPO_ROOT / "var" / "test-stack",
        GATEWAY_PORT,
        INTERNAL_PORT,
        SERVICE_BASE_PORT,
        SOUK_REPLICAS=str(REPLICAS),
        SOUK_DEMO="0",
        SOUK_ADMIN_EMAIL=admin_email,
        SOUK_ADMIN_PASSWORD=admin_password,
        # Idle live streams show their heartbeat within the tests' patience.
        SOUK_STREAM_HEARTBEAT_SECONDS="1",
        # The tests' webhook receivers listen on 127.0.0.1 and answer within a second; a failed
        # delivery is retried within the tests' patience.
        SOUK_WEBHOOKS_ALLOW_LOOPBACK="1",
        SOUK_WEBHOOK_POLL_SECONDS="0.5",
        SOUK_WEBHOOK_RETRY_SECONDS="0.5",
    )
    clear_stack_and_database(env, postgres_database, database)

    with launched(env, "the stack"):
        yield Stack.of(env)


class GatewaySession(requests.Session):
    """A `requests.Session` whose relative URLs (`/api/...`) go to the gateway."""

    def __init__(self, base_url: str, timeout: float = 15) -> None:
        super().__init__()
        self.base_url = base_url
        self.timeout = timeout
        self.trust_env = False  # no HTTP proxy from the environment between us and localhost

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        if isinstance(url, str) and url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


PASSWORD = "e2e-password-long-enough"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(gateway: GatewaySession, email: str, password: str = PASSWORD) -> dict[str, str]:
    """The bearer headers of a fresh session for `email`."""
    answer = gateway.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return bearer(answer.json()["access_token"])


def new_customer(gateway: GatewaySession, name: str = "Buyer") -> dict[str, str]:
    """A newly registered customer, signed in."""
    email = f"buyer-{uuid.uuid4().hex[:10]}@example.com"
    registered = gateway.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": name}
    )
    assert registered.status_code == 201, registered.text
    return sign_in(gateway, email)


def new_staff(
    gateway: GatewaySession, admin: dict[str, str], role: str, name: str, **extra: str
) -> tuple[dict[str, str], str]:
    """A new seller or courier created by the admin (`shop_name=`, `zone=` as the role needs),
    signed in; returns (headers, user id)."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
    created = gateway.post(
        "/api/auth/users",
        json={"email": email, "password": PASSWORD, "name": name, "role": role, **extra},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    return sign_in(gateway, email), created.json()["user_id"]


def new_product(
    gateway: GatewaySession, seller: dict[str, str], *, price: str = "19.99", stock: int = 20
) -> str:
    """A new product of `seller`, with its stock: sellable from the next request on."""
    answer = gateway.post(
        "/api/products",
        json={"name": f"Brass lamp {uuid.uuid4().hex[:6]}", "price": price, "stock": stock},
        headers=seller,
    )
    assert answer.status_code == 201, answer.text
    product_id: str = answer.json()["id"]
    return product_id


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[GatewaySession]:
    with GatewaySession(stack.url) as gateway:
        yield gateway


@pytest.fixture(scope="session")
def admin(stack: Stack) -> dict[str, str]:
    """The stack's admin, signed in once (tokens live 15 minutes, longer than the e2e run)."""
    with GatewaySession(stack.url) as gateway:
        return sign_in(gateway, stack.admin_email, stack.admin_password)


@pytest.fixture
def session(stack: Stack) -> Iterator[GatewaySession]:
    with GatewaySession(stack.url) as gateway:
        yield gateway
