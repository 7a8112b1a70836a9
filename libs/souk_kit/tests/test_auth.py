"""Tokens verified with the public key, role checks, and the revocation set."""

import time
import uuid
from datetime import timedelta
from typing import Any

import jwt
import pytest
from flask import Blueprint

from souk_kit.auth import (
    RevocationSet,
    current_identity,
    maybe_identity,
    optional_auth,
    requires,
)

bp = Blueprint("auth_test", __name__, url_prefix="/api/kit")


@bp.get("/me")
@requires()
def me() -> dict:
    identity = current_identity()
    return {"user_id": identity.user_id, "role": identity.role, "sid": identity.session_id}


@bp.get("/shop")
@requires("seller", "admin")
def shop() -> dict:
    return {"role": current_identity().role}


@bp.get("/maybe")
@optional_auth
def maybe() -> dict:
    identity = maybe_identity()
    return {"user_id": identity.user_id if identity else None}


@bp.get("/who")
def who() -> dict:
    return {"user_id": current_identity().user_id}


class CountingSource:
    """A revocation feed: hands out queued answers and records the cursors it was asked with."""

    def __init__(self) -> None:
        self.cursors: list[str | None] = []
        self.revoked: list[str] = []
        self.failing = False

    def __call__(self, since: str | None) -> tuple[list[str], str | None]:
        self.cursors.append(since)
        if self.failing:
            raise ConnectionError("auth is down")
        ids, self.revoked = self.revoked, []
        return ids, f"cursor-{len(self.cursors)}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(time, "monotonic", clock)  # the module souk_kit.auth reads
    return clock


@pytest.fixture
def source() -> CountingSource:
    return CountingSource()


@pytest.fixture
def client(make_app, source):
    return make_app(bp, revocation_source=source).test_client()


def test_a_protected_route_without_a_token_is_401(client):
    answer = client.get("/api/kit/me")
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"
    assert set(answer.json) == {"error", "code", "details"}


def test_a_garbage_token_is_401(client):
    answer = client.get("/api/kit/me", headers={"Authorization": "Bearer not.a.token"})
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"


def test_a_token_signed_with_another_key_is_401(client, tmp_path):
    from souk_kit.testing import TokenMaker, write_key_pair

    stranger = TokenMaker(write_key_pair(tmp_path))
    assert client.get("/api/kit/me", headers=stranger.headers("admin")).status_code == 401


def test_an_expired_token_is_401(client, tokens):
    token = tokens.token("customer", expires_delta=timedelta(seconds=-30))
    answer = client.get("/api/kit/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"


def test_any_signed_in_user_passes_requires_without_roles(client, tokens):
    user_id = str(uuid.uuid4())
    answer = client.get(
        "/api/kit/me", headers=tokens.headers("courier", user_id=user_id, sid="s-1")
    )
    assert answer.status_code == 200
    assert answer.json == {"user_id": user_id, "role": "courier", "sid": "s-1"}


def test_the_caller_is_a_uuid_and_a_token_naming_no_user_is_401(make_app, client, tokens):
    probe = Blueprint("identity_probe", __name__, url_prefix="/api/kit")

    @probe.get("/whoami")
    @requires()
    def whoami() -> dict:
        return {"is_uuid": isinstance(current_identity().user_id, uuid.UUID)}

    probe_client = make_app(probe).test_client()
    answer = probe_client.get("/api/kit/whoami", headers=tokens.headers(user_id=str(uuid.uuid4())))
    assert (answer.status_code, answer.json) == (200, {"is_uuid": True})
    answer = probe_client.get("/api/kit/whoami", headers=tokens.headers(user_id="robot-7"))
    assert answer.status_code == 401
    assert answer.json["error"] == "The token does not name a user"


def test_a_listed_role_passes(client, tokens):
    assert client.get("/api/kit/shop", headers=tokens.headers("seller")).json == {"role": "seller"}
    assert client.get("/api/kit/shop", headers=tokens.headers("admin")).status_code == 200


def test_a_role_not_listed_is_403(client, tokens):
    answer = client.get("/api/kit/shop", headers=tokens.headers("customer"))
    assert answer.status_code == 403
    assert answer.json["code"] == "forbidden"


def test_a_role_protected_route_without_a_token_is_401_not_403(client):
    assert client.get("/api/kit/shop").status_code == 401


def test_optional_auth_without_a_token_is_anonymous(client):
    answer = client.get("/api/kit/maybe")
    assert answer.status_code == 200
    assert answer.json == {"user_id": None}


def test_optional_auth_with_a_valid_token_knows_the_user(client, tokens):
    user_id = str(uuid.uuid4())
    answer = client.get("/api/kit/maybe", headers=tokens.headers(user_id=user_id))
    assert answer.json == {"user_id": user_id}


def test_optional_auth_with_a_bad_token_is_401(client):
    answer = client.get("/api/kit/maybe", headers={"Authorization": "Bearer garbage"})
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"


def test_current_identity_on_an_unprotected_route_is_401(client):
    assert client.get("/api/kit/who").status_code == 401


def test_a_revoked_session_token_is_401_on_a_route(make_app, make_settings, tokens):
    source = CountingSource()
    # Refreshed on every request, so the revocation is seen at once.
    settings = make_settings(revocation_refresh_seconds=0)
    client = make_app(bp, revocation_source=source, settings=settings).test_client()
    sid = str(uuid.uuid4())
    headers = tokens.headers("customer", sid=sid)
    other = tokens.headers("customer", sid=str(uuid.uuid4()))
    assert client.get("/api/kit/me", headers=headers).status_code == 200

    source.revoked = [sid]
    answer = client.get("/api/kit/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json["code"] == "unauthorized"
    assert client.get("/api/kit/maybe", headers=headers).status_code == 401
    assert client.get("/api/kit/me", headers=other).status_code == 200


def test_a_refresh_type_token_is_not_accepted_as_an_access_token(client, tokens):
    token = tokens.token("customer", type="refresh")
    assert (
        client.get("/api/kit/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_a_token_is_verified_once_and_then_recognised_by_its_text(client, tokens, monkeypatch):
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(raw: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(raw)
        return real_decode(raw, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    headers = tokens.headers("customer")
    assert client.get("/api/kit/me", headers=headers).status_code == 200
    assert client.get("/api/kit/me", headers=headers).status_code == 200
    assert len(decoded) == 1


def test_a_remembered_token_still_expires(client, tokens, monkeypatch):
    headers = tokens.headers("customer")  # valid for 15 minutes
    assert client.get("/api/kit/me", headers=headers).status_code == 200

    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    answer = client.get("/api/kit/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"] == "The token has expired"


def test_a_remembered_token_changed_by_one_character_is_checked_afresh(client, tokens):
    token = tokens.token("customer")
    assert (
        client.get("/api/kit/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )

    last = "A" if token[-2] != "A" else "B"
    tampered = token[:-2] + last + token[-1]
    answer = client.get("/api/kit/me", headers={"Authorization": f"Bearer {tampered}"})
    assert answer.status_code == 401
    assert answer.json["error"] == "The token is not valid"


@pytest.mark.parametrize(
    ("authorization", "status"),
    [("bearer {token}", 200), ("Basic YWRtaW46YWRtaW4=", 401), ("Bearer", 401), ("{token}", 401)],
)
def test_the_authorization_header_must_be_a_bearer_token(client, tokens, authorization, status):
    header = authorization.format(token=tokens.token("customer"))
    answer = client.get("/api/kit/me", headers={"Authorization": header})
    assert answer.status_code == status
    if status == 401:
        assert answer.json == {
            "error": "The token is not valid",
            "code": "unauthorized",
            "details": {},
        }


# --- RevocationSet ---------------------------------------------------------------------------


def test_the_first_check_fetches_the_set(clock, source):
    revocations = RevocationSet(source, max_age=2.0, keep_seconds=960)
    source.revoked = ["gone"]
    assert revocations.is_revoked("gone")
    assert not revocations.is_revoked("fine")
    assert source.cursors == [None]


def test_the_set_is_not_refreshed_before_max_age(clock, source):
    revocations = RevocationSet(source, max_age=2.0, keep_seconds=960)
    revocations.is_revoked("x")
    clock.now += 1.99
    source.revoked = ["late"]
    assert not revocations.is_revoked("late")
    assert len(source.cursors) == 1


def test_the_set_is_refreshed_once_older_than_max_age_passing_the_cursor_back(clock, source):
    revocations = RevocationSet(source, max_age=2.0, keep_seconds=960)
    source.revoked = ["first"]
    revocations.is_revoked("x")
    clock.now += 2.0
    source.revoked = ["second"]
    assert revocations.is_revoked("second")
    assert revocations.is_revoked("first")  # earlier revocations are kept
    assert source.cursors == [None, "cursor-1"]
    clock.now += 2.5
    revocations.is_revoked("x")
    assert source.cursors == [None, "cursor-1", "cursor-2"]


def test_a_failing_source_keeps_the_old_set_and_is_retried_on_the_next_check(clock, source):
    revocations = RevocationSet(source, max_age=2.0, keep_seconds=960)
    source.revoked = ["gone"]
    revocations.is_revoked("x")
    clock.now += 5
    source.failing = True
    assert revocations.is_revoked("gone")
    assert not revocations.is_revoked("fine")
    assert len(source.cursors) == 3  # each check after the failure tried again

    source.failing = False
    source.revoked = ["later"]
    assert revocations.is_revoked("later")
    # The cursor of the last good answer was kept through the failures.
    assert source.cursors[-1] == "cursor-1"
