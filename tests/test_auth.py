"""Auth through the gateway for every role: registering, signing in, rotating refresh tokens,
ending sessions (seen by the other services within the revocation window), profiles, staff
managing users, refused tokens, bad bodies, and one request id across every service's log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import GatewaySession, Stack, wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "auth-e2e-password"
Headers = dict[str, str]
# One signed-in GET per service (inventory and products/mine also need a seller).
SIGNED_IN_ROUTES = [
    "/api/auth/me",
    "/api/products/mine",
    "/api/reviews/mine",
    "/api/cart",
    "/api/orders",
    "/api/inventory",
    "/api/shipping/shipments",
    "/api/activity/me/recent",
]
ADMIN_ROUTES = [
    ("GET", "/api/auth/users"),
    ("POST", "/api/auth/users"),
    ("GET", "/api/auth/users/{id}"),
    ("PATCH", "/api/auth/users/{id}"),
    ("DELETE", "/api/auth/users/{id}"),
    ("GET", "/api/orders/all"),
    ("GET", "/api/activity/events"),
    ("GET", "/api/shipping/couriers"),
]


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def new_email(tag: str) -> str:
    return f"auth-{tag}-{uuid.uuid4().hex[:10]}@example.com"


def assert_error(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and isinstance(body["error"], str) and body["error"]
    return body


@pytest.fixture(scope="module")
def gateway(stack: Stack) -> Iterator[GatewaySession]:
    with GatewaySession(stack.url) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def revocation_deadline(stack: Stack) -> float:
    """The revocation window (README: services refresh their set this often) plus 2 s."""
    return float(stack.env.get("SOUK_REVOCATION_REFRESH_SECONDS") or 2) + 2


def log_in(gateway: GatewaySession, email: str, password: str = PASSWORD) -> dict[str, Any]:
    answer = gateway.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


def sign_in(gateway: GatewaySession, email: str, password: str = PASSWORD) -> Headers:
    return bearer(log_in(gateway, email, password)["access_token"])


@pytest.fixture(scope="module")
def admin(stack: Stack, gateway: GatewaySession) -> Headers:
    return sign_in(gateway, stack.admin_email, stack.admin_password)


def register(gateway: GatewaySession, email: str, **fields: Any) -> requests.Response:
    return gateway.post("/api/auth/register", json={"email": email, "password": PASSWORD, **fields})


def new_customer(gateway: GatewaySession, tag: str = "customer") -> tuple[str, str]:
    email = new_email(tag)
    answer = register(gateway, email)
    assert answer.status_code == 201, answer.text
    return email, answer.json()["user_id"]


def create_user(gateway: GatewaySession, admin: Headers, **fields: Any) -> requests.Response:
    body = {
        "email": new_email(fields["role"]),
        "password": PASSWORD,
        "name": "Staff made",
        **fields,
    }
    return gateway.post("/api/auth/users", json=body, headers=admin)


def new_staff_user(gateway: GatewaySession, admin: Headers, **fields: Any) -> dict[str, Any]:
    answer = create_user(gateway, admin, **fields)
    assert answer.status_code == 201, answer.text
    user: dict[str, Any] = answer.json()
    return user


def refused_soon(
    gateway: GatewaySession, headers: Headers, deadline: float, path: str = "/api/cart"
) -> None:
    """Wait until `path` refuses `headers` with 401 four times in a row (so on every replica)."""
    refusals = [0]

    def refused() -> bool:
        answer = gateway.get(path, headers=headers)
        assert answer.status_code in (200, 401), answer.text
        refusals[0] = refusals[0] + 1 if answer.status_code == 401 else 0
        return refusals[0] >= 4

    wait_until(refused, deadline, f"{path} to refuse an ended session")


# --- register and sign in -------------------------------------------------------------------


def test_registering_makes_a_customer_whatever_role_the_body_asks_for(
    gateway: GatewaySession,
) -> None:
    email = new_email("register")

    answer = register(gateway, email, name="Rania", role="admin")

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["email"] == email and body["role"] == "customer"
    assert body["message"] == "User registered" and body["user_id"]
    me = gateway.get("/api/auth/me", headers=sign_in(gateway, email)).json()
    assert (me["role"], me["name"], me["user_id"]) == ("customer", "Rania", body["user_id"])
    assert gateway.get("/api/auth/users", headers=sign_in(gateway, email)).status_code == 403


def test_an_email_registers_only_once_whatever_its_case(gateway: GatewaySession) -> None:
    email, _ = new_customer(gateway)

    again = register(gateway, email.upper())

    assert_error(again, 409, "email_taken")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "short@example.com", "password": "seven77"}, "password"),
        ({"password": PASSWORD}, "email"),
    ],
)
def test_a_bad_email_or_short_password_is_refused_naming_the_field(
    gateway: GatewaySession, body: dict[str, str], field: str
) -> None:
    answer = gateway.post("/api/auth/register", json=body)

    error = assert_error(answer, 400, "validation_error")
    assert field in error["details"]["fields"]


def test_signing_in_gives_a_bearer_access_token_and_a_refresh_token(
    gateway: GatewaySession,
) -> None:
    email, user_id = new_customer(gateway)

    tokens = log_in(gateway, email.upper())

    assert tokens["token"] == tokens["access_token"]
    assert tokens["token_type"] == "Bearer"
    assert isinstance(tokens["expires_in"], int) and tokens["expires_in"] > 0
    assert tokens["refresh_token"] and tokens["refresh_token"] != tokens["access_token"]
    me = gateway.get("/api/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["user_id"] == user_id


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    gateway: GatewaySession,
) -> None:
    email, _ = new_customer(gateway)

    wrong_password = gateway.post(
        "/api/auth/login", json={"email": email, "password": "not-the-password"}
    )
    unknown_email = gateway.post(
        "/api/auth/login", json={"email": new_email("nobody"), "password": PASSWORD}
    )

    assert_error(wrong_password, 401, "invalid_credentials")
    assert (unknown_email.status_code, unknown_email.json()) == (401, wrong_password.json())


# --- sessions end everywhere ----------------------------------------------------------------


def test_a_refresh_token_works_once_and_its_reuse_ends_the_session(
    gateway: GatewaySession, revocation_deadline: float
) -> None:
    email, _ = new_customer(gateway)
    first = log_in(gateway, email)

    rotated = gateway.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["token"] == second["access_token"] and second["token_type"] == "Bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert gateway.get("/api/cart", headers=bearer(second["access_token"])).status_code == 200

    reused = gateway.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(reused, 401, "invalid_refresh_token")
    after_reuse = gateway.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert_error(after_reuse, 401, "invalid_refresh_token")
    refused_soon(gateway, bearer(second["access_token"]), revocation_deadline)


def test_logging_out_ends_the_session_at_every_service(
    gateway: GatewaySession, revocation_deadline: float
) -> None:
    email, _ = new_customer(gateway)
    tokens = log_in(gateway, email)
    other = sign_in(gateway, email)
    session = bearer(tokens["access_token"])
    assert gateway.get("/api/cart", headers=session).status_code == 200

    logged_out = gateway.post("/api/auth/logout", headers=session)

    assert logged_out.status_code in (200, 204), logged_out.text
    refresh = gateway.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_error(refresh, 401, "invalid_refresh_token")
    for _ in range(4):  # the auth service reads its own tables: at once, on every replica
        assert_error(gateway.get("/api/auth/me", headers=session), 401, "unauthorized")
    refused_soon(gateway, session, revocation_deadline, "/api/cart")
    refused_soon(gateway, session, revocation_deadline, "/api/orders")
    assert gateway.get("/api/cart", headers=other).status_code == 200  # only that session


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(
    gateway: GatewaySession, revocation_deadline: float
) -> None:
    email, _ = new_customer(gateway)
    this = log_in(gateway, email)
    other = log_in(gateway, email)
    new_password = "a-brand-new-password"

    wrong = gateway.post(
        "/api/auth/password",
        json={"current_password": "not-the-password", "new_password": new_password},
        headers=bearer(this["access_token"]),
    )
    assert_error(wrong, 400, "wrong_password")
    changed = gateway.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=bearer(this["access_token"]),
    )

    assert changed.status_code in (200, 204), changed.text
    refused_soon(gateway, bearer(other["access_token"]), revocation_deadline, "/api/cart")
    for _ in range(4):
        assert gateway.get("/api/cart", headers=bearer(this["access_token"])).status_code == 200
    refresh = gateway.post("/api/auth/refresh", json={"refresh_token": other["refresh_token"]})
    assert_error(refresh, 401, "invalid_refresh_token")
    kept = gateway.post("/api/auth/refresh", json={"refresh_token": this["refresh_token"]})
    assert kept.status_code == 200, kept.text
    old = gateway.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert_error(old, 401, "invalid_credentials")
    assert log_in(gateway, email, new_password)["access_token"]


# --- profile --------------------------------------------------------------------------------


def test_a_user_reads_and_updates_their_profile_with_addresses(gateway: GatewaySession) -> None:
    email, user_id = new_customer(gateway)
    me = sign_in(gateway, email)
    address = {
        "label": "home",
        "line1": "3 Harbour Road",
        "city": "Essaouira",
        "postal_code": "44000",
        "country": "Morocco",
    }

    shown = gateway.get("/api/auth/me", headers=me)
    updated = gateway.patch(
        "/api/auth/me",
        json={"name": "Amal", "phone": "+212 600 000 000", "addresses": [address]},
        headers=me,
    )

    assert shown.status_code == 200
    assert {"user_id", "email", "name", "role", "phone", "addresses", "created_at"} <= set(
        shown.json()
    )
    assert (shown.json()["email"], shown.json()["addresses"]) == (email, [])
    assert updated.status_code == 200, updated.text
    again = gateway.get("/api/auth/me", headers=me).json()
    assert (again["user_id"], again["name"], again["phone"]) == (
        user_id,
        "Amal",
        "+212 600 000 000",
    )
    assert again["addresses"][0]["line1"] == "3 Harbour Road"
    assert again["addresses"][0]["city"] == "Essaouira"
    renamed = gateway.patch("/api/auth/me", json={"name": "Amal B."}, headers=me).json()
    assert (renamed["name"], len(renamed["addresses"])) == ("Amal B.", 1)

    bad = gateway.patch("/api/auth/me", json={"addresses": [{"line1": "x"}]}, headers=me)
    error = assert_error(bad, 400, "validation_error")
    assert any(name.startswith("addresses.0.") for name in error["details"]["fields"])


# --- staff manage users ---------------------------------------------------------------------


def test_an_admin_registers_a_shop_and_a_courier_who_sign_in_with_their_roles(
    gateway: GatewaySession, admin: Headers
) -> None:
    seller = new_staff_user(gateway, admin, role="seller", shop_name="Dune Ceramics")
    courier = new_staff_user(gateway, admin, role="courier", zone="central")

    assert (seller["role"], seller["shop_name"]) == ("seller", "Dune Ceramics")
    assert (courier["role"], courier["zone"]) == ("courier", "central")
    for user in (seller, courier):
        tokens = log_in(gateway, user["email"])
        assert tokens["role"] == user["role"]
        me = gateway.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()
        assert me["role"] == user["role"]
    mine = gateway.get("/api/products/mine", headers=sign_in(gateway, seller["email"]))
    assert mine.status_code == 200
    no_shop = create_user(gateway, admin, role="seller")
    assert_error(no_shop, 400, "validation_error")
    no_zone = create_user(gateway, admin, role="courier")
    assert_error(no_zone, 400, "validation_error")


def test_an_admin_lists_users_by_role_and_text_a_page_at_a_time(
    gateway: GatewaySession, admin: Headers
) -> None:
    marker = f"zq{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        assert register(gateway, new_email("list"), name=f"Listed {marker}").status_code == 201
    seller = new_staff_user(gateway, admin, role="seller", shop_name="Listed", name=marker)

    def users(**params: Any) -> dict[str, Any]:
        answer = gateway.get("/api/auth/users", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        return page

    everyone = users(q=marker, per_page=100)
    first = users(q=marker, per_page=3, page=1)
    second = users(q=marker, per_page=3, page=2)

    assert everyone["total"] == 4 and len(everyone["items"]) == 4
    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 3, 4, 3)
    assert len(second["items"]) == 1
    assert {u["user_id"] for u in first["items"] + second["items"]} == {
        u["user_id"] for u in everyone["items"]
    }
    assert users(q=marker, role="customer")["total"] == 3
    assert [u["user_id"] for u in users(q=marker, role="seller")["items"]] == [seller["user_id"]]
    assert users(q=seller["email"].upper())["total"] == 1  # q also searches emails
    assert users(role="admin")["total"] >= 1
    for bad in ({"per_page": 101}, {"per_page": 0}, {"page": 0}, {"role": "wizard"}):
        answer = gateway.get("/api/auth/users", params=bad, headers=admin)
        error = assert_error(answer, 400, "validation_error")
        assert set(bad) <= set(error["details"]["fields"])


def test_a_disabled_user_is_signed_out_everywhere_and_cannot_sign_in(
    gateway: GatewaySession, admin: Headers, revocation_deadline: float
) -> None:
    email, user_id = new_customer(gateway)
    tokens = log_in(gateway, email)
    assert gateway.get("/api/cart", headers=bearer(tokens["access_token"])).status_code == 200

    disabled = gateway.patch(f"/api/auth/users/{user_id}", json={"active": False}, headers=admin)

    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    refused_soon(gateway, bearer(tokens["access_token"]), revocation_deadline, "/api/cart")
    refused_soon(gateway, bearer(tokens["access_token"]), revocation_deadline, "/api/orders")
    refresh = gateway.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert_error(refresh, 401, "invalid_refresh_token")
    refused = gateway.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert_error(refused, 401, "invalid_credentials")

    enabled = gateway.patch(f"/api/auth/users/{user_id}", json={"active": True}, headers=admin)
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    assert gateway.get("/api/cart", headers=sign_in(gateway, email)).status_code == 200


def test_a_deleted_user_is_gone_signed_out_everywhere_and_cannot_sign_in(
    gateway: GatewaySession, admin: Headers, revocation_deadline: float
) -> None:
    email, user_id = new_customer(gateway)
    session = sign_in(gateway, email)

    deleted = gateway.delete(f"/api/auth/users/{user_id}", headers=admin)

    assert deleted.status_code in (200, 204), deleted.text
    refused_soon(gateway, session, revocation_deadline, "/api/activity/me/recent")
    assert_error(gateway.get(f"/api/auth/users/{user_id}", headers=admin), 404, "not_found")
    assert gateway.get("/api/auth/users", params={"q": email}, headers=admin).json()["total"] == 0
    refused = gateway.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert_error(refused, 401, "invalid_credentials")
    assert_error(gateway.delete(f"/api/auth/users/{user_id}", headers=admin), 404, "not_found")
    assert_error(gateway.get("/api/auth/users/not-a-uuid", headers=admin), 404, "not_found")


@pytest.mark.parametrize("role", ["customer", "seller", "courier"])
def test_only_admins_reach_the_admin_routes(
    gateway: GatewaySession, admin: Headers, role: str
) -> None:
    if role == "customer":
        email, _ = new_customer(gateway)
    else:
        fields = {"shop_name": "Not staff"} if role == "seller" else {"zone": "central"}
        email = new_staff_user(gateway, admin, role=role, **fields)["email"]
    caller = sign_in(gateway, email)
    _, victim = new_customer(gateway, "victim")

    for method, path in ADMIN_ROUTES:
        answer = gateway.request(
            method,
            path.format(id=victim),
            json={"active": False} if method == "PATCH" else None,
            headers=caller,
        )
        assert_error(answer, 403, "forbidden")
        assert_error(gateway.request(method, path.format(id=victim)), 401, "unauthorized")
    victim_user = gateway.get(f"/api/auth/users/{victim}", headers=admin).json()
    assert victim_user["active"] is True  # nothing the refused calls asked for happened


# --- refused tokens and bodies --------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


@pytest.fixture(scope="module")
def seller_token(gateway: GatewaySession, admin: Headers) -> str:
    email = new_staff_user(gateway, admin, role="seller", shop_name="Token Tests")["email"]
    token: str = log_in(gateway, email)["access_token"]
    return token


@pytest.fixture(scope="module")
def bad_tokens(stack: Stack, seller_token: str) -> dict[str, str]:
    """Tokens every service must refuse, each built from a real seller's claims made admin."""
    claims = {**_claims(seller_token), "role": "admin"}
    header, _, signature = seller_token.split(".")
    public_pem = (stack.var_dir / "secrets" / "jwt_public.pem").read_bytes()
    hs_body = _unsigned({"alg": "HS256", "typ": "JWT"}, claims)
    hs_signature = hmac.new(public_pem, hs_body.encode(), hashlib.sha256).digest()
    return {
        "another key": jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA"),
        "alg none": _unsigned({"alg": "none", "typ": "JWT"}, claims) + ".",
        "changed claims": f"{header}.{_unsigned({}, claims).split('.')[1]}.{signature}",
        "public key as HMAC secret": f"{hs_body}.{_b64(hs_signature)}",
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize("path", SIGNED_IN_ROUTES)
def test_every_service_refuses_a_missing_forged_or_unsigned_token(
    gateway: GatewaySession, seller_token: str, bad_tokens: dict[str, str], path: str
) -> None:
    assert gateway.get(path, headers=bearer(seller_token)).status_code == 200

    assert_error(gateway.get(path), 401, "unauthorized")
    for kind, token in bad_tokens.items():
        answer = gateway.get(path, headers=bearer(token))
        assert answer.status_code == 401, (kind, answer.text)
        assert_error(answer, 401, "unauthorized")


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/auth/register", "/api/cart"])
def test_a_body_that_is_not_json_or_is_broken_json_is_refused(
    gateway: GatewaySession, seller_token: str, path: str
) -> None:
    text = json.dumps({"email": new_email("body"), "password": PASSWORD})
    headers = bearer(seller_token)

    wrong_type = gateway.post(path, data=text, headers={**headers, "Content-Type": "text/plain"})
    broken = gateway.post(
        path,
        data='{"email": "a@example.com", ',
        headers={**headers, "Content-Type": "application/json"},
    )

    assert_error(wrong_type, 415, "unsupported_media_type")
    assert_error(broken, 400, "malformed_json")


# --- one request id in every log -------------------------------------------------------------


def test_one_request_id_appears_in_the_log_of_every_service_that_handled_it(
    stack: Stack, gateway: GatewaySession, seller_token: str
) -> None:
    seller = bearer(seller_token)
    product = gateway.post(
        "/api/products",
        json={"name": "Request id teapot", "price": "9.00", "stock": 3},
        headers=seller,
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]
    # Inventory learns of a new product from the products outbox a moment later.
    wait_until(
        lambda: gateway.get(f"/api/inventory/{product_id}", headers=seller).status_code == 200,
        10,
        "inventory to know the new product",
    )
    email, _ = new_customer(gateway, "request-id")
    request_id = f"e2e-auth-{uuid.uuid4().hex}"

    added = gateway.post(
        "/api/cart",
        json={"product_id": product_id, "quantity": 1},
        headers={**sign_in(gateway, email), "X-Request-ID": request_id},
    )

    assert added.status_code == 201, added.text
    assert added.headers["X-Request-ID"] == request_id
    assert stack.access_log_entry(request_id)["request_id"] == request_id

    def logged_by(service: str) -> bool:
        for log in stack.log_dir.glob(f"{service}-*.log"):
            for line in log.read_text().splitlines():
                if request_id in line and line.startswith("{"):
                    try:
                        return json.loads(line).get("request_id") == request_id
                    except json.JSONDecodeError:
                        continue  # a line still being written
        return False

    for service in ("cart", "products", "inventory"):
        wait_until(
            lambda service=service: logged_by(service), 5, f"{service} to log request {request_id}"
        )
