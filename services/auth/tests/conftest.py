import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.auth.app import create_app


@pytest.fixture
def app(make_service_app) -> Flask:
    # Cheap hashes keep the suite fast; production uses argon2id's recommended cost.
    return make_service_app(
        create_app,
        fake_revocations=False,  # auth reads its own session table
        SOUK_ARGON2_TIME_COST="1",
        SOUK_ARGON2_MEMORY_KIB="1024",
    )


@pytest.fixture
def register(client: FlaskClient):
    def register(email: str = "ada@example.com", password: str = "correct horse", **extra):
        answer = client.post(
            "/api/auth/register", json={"email": email, "password": password, **extra}
        )
        assert answer.status_code == 201, answer.json
        return answer.json

    return register


@pytest.fixture
def login(client: FlaskClient):
    def login(email: str = "ada@example.com", password: str = "correct horse"):
        answer = client.post("/api/auth/login", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.json
        return answer.json

    return login


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
