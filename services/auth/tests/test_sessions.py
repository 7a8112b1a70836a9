import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.auth.tests.conftest import bearer


def test_login_returns_an_access_and_a_refresh_token(client, register, login):
    register()
    tokens = login()
    assert tokens["token"] == tokens["access_token"]
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    assert client.get("/api/auth/me", headers=bearer(tokens["token"])).status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_answer(client, register):
    register()
    wrong = client.post("/api/auth/login", json={"email": "ada@example.com", "password": "nope"})
    unknown = client.post("/api/auth/login", json={"email": "who@example.com", "password": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_repeated_failures_lock_the_account_for_a_while(client, register):
    register()
    for _ in range(5):
        answer = client.post("/api/auth/login", json={"email": "ada@example.com", "password": "no"})
        assert answer.status_code == 401
    locked = client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert locked.json["code"] == "rate_limited"


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(client, register, login):
    register()
    first = login()
    rotated = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    assert rotated.json["refresh_token"] != first["refresh_token"]

    reused = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    # The stolen-token alarm ended the whole session, including the newest pair.
    newest = client.post("/api/auth/refresh", json={"refresh_token": rotated.json["refresh_token"]})
    assert newest.status_code == 401
    assert client.get("/api/auth/me", headers=bearer(rotated.json["token"])).status_code == 401


def test_garbage_refresh_tokens_are_refused(client):
    for token in ["nope", "not-a-uuid.secret", "00000000-0000-0000-0000-000000000000.x"]:
        answer = client.post("/api/auth/refresh", json={"refresh_token": token})
        assert answer.status_code == 401


def test_logout_ends_the_session_but_not_the_others(client, register, login):
    register()
    phone, laptop = login(), login()
    assert client.post("/api/auth/logout", headers=bearer(phone["token"])).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(phone["token"])).status_code == 401
    refused = client.post("/api/auth/refresh", json={"refresh_token": phone["refresh_token"]})
    assert refused.status_code == 401
    assert client.get("/api/auth/me", headers=bearer(laptop["token"])).status_code == 200


def test_password_change_ends_every_other_session(client, register, login):
    register()
    here, elsewhere = login(), login()
    answer = client.post(
        "/api/auth/password",
        json={"current_password": "correct horse", "new_password": "battery staple"},
        headers=bearer(here["token"]),
    )
    assert answer.status_code == 200
    assert client.get("/api/auth/me", headers=bearer(here["token"])).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(elsewhere["token"])).status_code == 401
    assert login(password="battery staple")["token"]


def test_password_change_needs_the_current_password(client, register, login):
    register()
    token = login()["token"]
    answer = client.post(
        "/api/auth/password",
        json={"current_password": "wrong one", "new_password": "battery staple"},
        headers=bearer(token),
    )
    assert answer.status_code == 400
    assert answer.json["code"] == "wrong_password"


def test_revocations_feed_lists_ended_sessions_for_services_only(
    client, register, login, internal_headers
):
    register()
    tokens = login()
    client.post("/api/auth/logout", headers=bearer(tokens["token"]))
    session_id = tokens["refresh_token"].split(".")[0]
    assert client.get("/internal/auth/revocations").status_code == 404
    feed = client.get("/internal/auth/revocations", headers=internal_headers).json
    assert session_id in feed["session_ids"]
    later = client.get(
        "/internal/auth/revocations",
        query_string={"since": feed["cursor"]},
        headers=internal_headers,
    ).json
    assert session_id in later["session_ids"]  # within the overlap window


def _forged(algorithm: str, claims: dict) -> str:
    if algorithm == "none":
        return pyjwt.encode(claims, "", algorithm="none")
    other_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pyjwt.encode(claims, other_key, algorithm="EdDSA")


@pytest.mark.parametrize("algorithm", ["none", "EdDSA"])
def test_forged_and_unsigned_tokens_are_refused(client, algorithm):
    claims = {"sub": "x", "role": "admin", "sid": "s", "type": "access", "jti": "j"}
    answer = client.get("/api/auth/users", headers=bearer(_forged(algorithm, claims)))
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"


def test_an_expired_token_is_refused(client, tokens):
    from datetime import timedelta

    expired = tokens.token("admin", expires_delta=timedelta(seconds=-5))
    assert client.get("/api/auth/users", headers=bearer(expired)).status_code == 401


def test_no_token_is_401(client):
    answer = client.get("/api/auth/me")
    assert answer.status_code == 401
    assert answer.json == {"error": "Sign in to do this", "code": "unauthorized", "details": {}}
