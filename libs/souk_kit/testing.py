"""Pytest fixtures for service tests: a migrated PostgreSQL, an app whose every test runs in a
transaction that is rolled back, signed tokens, and a controllable revocation set.

Enabled from the root conftest (`pytest_plugins = ["souk_kit.testing"]`); it needs the
session fixture `postgres_url` (the root conftest starts the embedded PostgreSQL).
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import JWTManager, create_access_token
from sqlalchemy import MetaData, create_engine

from souk_kit.auth import RevocationSet
from souk_kit.db import database_of
from souk_kit.migrations import upgrade_all

SERVICE_TOKEN = "test-service-token"


@dataclass(frozen=True)
class KeyPair:
    private_file: Path
    public_file: Path


def write_key_pair(folder: Path) -> KeyPair:
    key = Ed25519PrivateKey.generate()
    private_file, public_file = folder / "jwt_private.pem", folder / "jwt_public.pem"
    private_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_file.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return KeyPair(private_file, public_file)


@pytest.fixture(scope="session")
def jwt_keys(tmp_path_factory: pytest.TempPathFactory) -> KeyPair:
    return write_key_pair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def migrated_url(postgres_url: str) -> str:
    upgrade_all(postgres_url)
    return postgres_url


@dataclass
class FakeRevocations:
    """Stands in for the auth service's revocation feed in service tests."""

    revoked: list[str] = field(default_factory=list)

    def revoke(self, session_id: str) -> None:
        self.revoked.append(session_id)

    def __call__(self, _since: str | None) -> tuple[list[str], str | None]:
        return list(self.revoked), None


@pytest.fixture
def revoked_sessions() -> FakeRevocations:
    return FakeRevocations()


@pytest.fixture
def service_env(
    monkeypatch: pytest.MonkeyPatch, migrated_url: str, jwt_keys: KeyPair, tmp_path: Path
) -> dict[str, str]:
    env = {
        "DATABASE_URL": migrated_url,
        "SOUK_JWT_PUBLIC_KEY_FILE": str(jwt_keys.public_file),
        "SOUK_JWT_PRIVATE_KEY_FILE": str(jwt_keys.private_file),
        "SOUK_SERVICE_TOKEN": SERVICE_TOKEN,
        "SOUK_BACKGROUND_WORKERS": "false",
        "SOUK_INTERNAL_URL": "http://127.0.0.1:9",
        "SOUK_MEDIA_DIR": str(tmp_path / "media"),
        "SOUK_VAR_DIR": str(tmp_path),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the `app` fixture, which each service's conftest defines."""
    return app.test_client()


@pytest.fixture
def make_service_app(
    service_env: dict[str, str], revoked_sessions: FakeRevocations
) -> Iterator[Callable[..., Flask]]:
    """`make_service_app(create_app)`: the app, inside a transaction rolled back after the test."""
    cleanups: list[Callable[[], None]] = []

    def make(create_app: Callable[..., Flask], fake_revocations: bool = True, **env: str) -> Flask:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            app = create_app()
        app.config["TESTING"] = True
        if fake_revocations:
            app.extensions["souk_revocations"] = RevocationSet(revoked_sessions, 0.0, 3600.0)
        database = database_of(app)
        connection = database.engine.connect()
        outer = connection.begin()
        # Every test's writes stay uncommitted until its end, so a test that waits on another
        # open test transaction would wait for ever: fail it instead.
        connection.exec_driver_sql("SET LOCAL lock_timeout = '30s'")
        database.bind_to(connection)

        def cleanup() -> None:
            outer.rollback()
            connection.close()
            database.engine.dispose()

        cleanups.append(cleanup)
        return app

    yield make
    for cleanup in reversed(cleanups):
        cleanup()


class TokenMaker:
    """Signs access tokens the way the auth service does, for any user and role."""

    def __init__(self, keys: KeyPair) -> None:
        self._app = Flask("token-maker")
        self._app.config.update(
            JWT_ALGORITHM="EdDSA",
            JWT_PRIVATE_KEY=keys.private_file.read_text(),
            JWT_PUBLIC_KEY=keys.public_file.read_text(),
        )
        JWTManager(self._app)

    def token(
        self,
        role: str = "customer",
        user_id: str | None = None,
        expires_delta: timedelta | None = None,
        **claims: Any,
    ) -> str:
        claims = {"role": role, "sid": str(uuid.uuid4()), **claims}
        with self._app.app_context():
            token: str = create_access_token(
                identity=user_id or str(uuid.uuid4()),
                additional_claims=claims,
                expires_delta=expires_delta or timedelta(minutes=15),
            )
        return token

    def headers(
        self, role: str = "customer", user_id: str | None = None, **claims: Any
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, user_id, **claims)}"}


@pytest.fixture(scope="session")
def tokens(jwt_keys: KeyPair) -> TokenMaker:
    return TokenMaker(jwt_keys)


@pytest.fixture
def internal_headers() -> dict[str, str]:
    return {"X-Service-Token": SERVICE_TOKEN}


def schema_drift(metadata: MetaData, database_url: str) -> list[Any]:
    """Differences between a service's models and its migrated schema (empty when they agree)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "include_schemas": True,
                    "include_name": lambda name, type_, _parent: (
                        type_ != "schema" or name == metadata.schema
                    ),
                    "compare_type": True,
                    "version_table_schema": metadata.schema,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
