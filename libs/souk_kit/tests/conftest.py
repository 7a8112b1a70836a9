"""Fixtures for the kit's own tests: settings, an app builder, a scripted HTTP server standing in
for another service, and the scratch schema `kit_test` (created for the run, dropped after it)."""

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Blueprint, Flask
from sqlalchemy import Engine, create_engine, text

from souk_kit.app import create_service_app
from souk_kit.db import Database, database_of
from souk_kit.settings import ServiceSettings
from souk_kit.testing import SERVICE_TOKEN, KeyPair
from souk_kit.tests.models import SCHEMA, Base

SERVICE = "kit"


def no_revocations(_since: str | None) -> tuple[list[str], str | None]:
    return [], None


@pytest.fixture
def make_settings(jwt_keys: KeyPair, postgres_url: str) -> Callable[..., ServiceSettings]:
    """`make_settings(**fields)`: settings for a kit app; `database_url=` may be overridden."""

    def make(**overrides: Any) -> ServiceSettings:
        values: dict[str, Any] = {
            "DATABASE_URL": overrides.pop("database_url", postgres_url),
            "jwt_public_key_file": jwt_keys.public_file,
            "service_token": SERVICE_TOKEN,
            "background_workers": False,
            "internal_url": "http://127.0.0.1:9",
            "db_pool_size": 2,
            "db_max_overflow": 2,
        }
        values.update(overrides)
        return ServiceSettings(**values)

    return make


@pytest.fixture
def make_app(make_settings: Callable[..., ServiceSettings]) -> Iterator[Callable[..., Flask]]:
    """`make_app(*blueprints, settings=None, **kwargs)`: a `create_service_app("kit", ...)` app."""
    apps: list[Flask] = []

    def make(*blueprints: Blueprint, settings: ServiceSettings | None = None, **kwargs: Any):
        kwargs.setdefault("revocation_source", no_revocations)
        app = create_service_app(SERVICE, settings or make_settings(), blueprints, **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        database_of(app).engine.dispose()


# --- a real HTTP server standing in for another service -------------------------------------


@dataclass
class Hit:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: Any


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=dict)  # JSON-able, or bytes sent as text/plain
    delay: float = 0.0  # seconds the server takes before answering
    cut: bool = False  # the body stops halfway and the connection closes (a killed server)


class FakeService:
    """Answers queued replies in order (then `responder(hit)` if set, else `default`),
    recording every request it gets."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.default = Reply()
        self.responder: Callable[[Hit], Reply] | None = None
        self.before_reply: Callable[[Hit], None] | None = None
        self.release = threading.Event()  # cuts every delay short at teardown
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def _next(self, hit: Hit) -> Reply:
        with self._lock:
            self.hits.append(hit)
            if self._queue:
                return self._queue.pop(0)
            return self.responder(hit) if self.responder else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                hit = Hit(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {name.lower(): value for name, value in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
                reply = fake._next(hit)
                if fake.before_reply is not None:
                    fake.before_reply(hit)
                if reply.delay:
                    fake.release.wait(reply.delay)
                if isinstance(reply.body, bytes):
                    data, content_type = reply.body, "text/plain"
                else:
                    data, content_type = json.dumps(reply.body).encode(), "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2] if reply.cut else data)
                    if reply.cut:
                        self.close_connection = True
                except OSError:
                    pass  # the client gave up waiting (timeout tests)

            do_POST = do_GET

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler

    def start(self) -> "FakeService":
        self._thread.start()
        return self

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def fake_service() -> Iterator[FakeService]:
    fake = FakeService().start()
    yield fake
    fake.close()


# --- the scratch schema ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def kit_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on the test database with the `kit_test` schema created (dropped at the end)."""
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    Base.metadata.create_all(engine)
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    engine.dispose()


@pytest.fixture
def kit_tables(kit_engine: Engine) -> Iterator[Engine]:
    """The scratch tables, empty at the start and the end of the test."""

    def empty() -> None:
        with kit_engine.begin() as connection:
            connection.execute(
                text(f"TRUNCATE {SCHEMA}.outbox, {SCHEMA}.processed_messages, {SCHEMA}.things")
            )

    empty()
    yield kit_engine
    empty()


@pytest.fixture
def make_database(
    make_settings: Callable[..., ServiceSettings],
) -> Iterator[Callable[..., Database]]:
    """`make_database(**settings)`: a kit `Database` of its own (its engine disposed after)."""
    made: list[Database] = []

    def make(**overrides: Any) -> Database:
        database = Database(make_settings(**overrides))
        made.append(database)
        return database

    yield make
    for database in made:
        database.engine.dispose()
