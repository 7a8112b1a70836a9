"""Fuzzing every service's published OpenAPI document through the gateway with schemathesis.

Each service's `/api/<service>/openapi.json` is loaded from the running stack, and every
operation in it gets a bounded number of generated requests (valid and invalid ones) from a
fixed seed, so a run is repeatable. Only the `examples` and `fuzzing` phases run (no
`coverage`, no stateful sequences; the documents carry no examples, so in practice this is the
fuzzing phase). Every answer must not be a server error (5xx) and must match the response
schema the document declares for its status (the kit documents an error shape as `default`
for every status an operation does not name).

Each service is fuzzed in these variants:

- `admin` and `customer`: path ids are generated, so most of them name nothing (404s, and
  malformed ids that must never be a 500);
- `admin-real`, `customer-real` and (shipping) `courier-real`: path ids are pinned to real
  objects made for the run (a product with an offer, orders, shipments, cart items, a review,
  a user), so generated bodies reach the code behind the 404. These skip DELETE operations,
  which would remove the objects the other operations need.

Every variant signs in as users made for this run, never as the stack's admin. Excluded
everywhere: `POST /api/auth/logout` (it would end the session the run signs in with; the
security tests cover logging out).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import GatewaySession, Stack, wait_until

pytestmark = pytest.mark.e2e

SERVICES = ("auth", "products", "cart", "orders", "inventory", "reviews", "shipping", "activity")
SEED = 20261122
MAX_EXAMPLES = 25
PASSWORD = "fuzz-e2e-password"
CHECKS = [not_a_server_error, response_schema_conformance]
ZONE = "north"
ADDRESS = {"name": "Fuzz Buyer", "line1": "1 Fuzz Road", "city": "Cairo", "country": "EG"}


@dataclass(frozen=True)
class Variant:
    service: str
    principal: str
    real_ids: bool

    @property
    def id(self) -> str:
        return f"{self.service}-{self.principal}{'-real' if self.real_ids else ''}"


VARIANTS = [
    *(Variant(s, p, False) for s in SERVICES for p in ("admin", "customer")),
    *(Variant(s, "admin", True) for s in SERVICES if s != "activity"),
    *(Variant(s, "buyer", True) for s in ("products", "cart", "orders", "reviews", "shipping")),
    Variant("shipping", "courier", True),
]


@dataclass(frozen=True)
class FuzzWorld:
    tokens: dict[str, str]
    # Path parameters pinned per principal in the real-id variants.
    ids: dict[str, dict[str, str]]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _user(gateway: GatewaySession, staff: dict[str, str] | None, role: str) -> tuple[str, str]:
    """A new user of `role` (customers register themselves): (access token, user id)."""
    email = f"fuzz-{role}-{uuid.uuid4().hex[:8]}@example.com"
    body: dict[str, Any] = {"email": email, "password": PASSWORD, "name": f"Fuzz {role}"}
    if role == "customer":
        created = gateway.post("/api/auth/register", json=body)
    else:
        extra = {"seller": {"shop_name": "Fuzz shop"}, "courier": {"zone": ZONE}}.get(role, {})
        created = gateway.post(
            "/api/auth/users", json={**body, "role": role, **extra}, headers=staff
        )
    assert created.status_code == 201, created.text
    login = gateway.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return login.json()["access_token"], login.json()["user_id"]


def _post(gateway: GatewaySession, path: str, token: str, body: Any) -> dict[str, Any]:
    answer = gateway.post(path, json=body, headers=_bearer(token))
    assert answer.status_code == 201, (path, answer.text)
    return answer.json()


def _checkout(gateway: GatewaySession, buyer: str, product: str) -> tuple[str, str, str]:
    """Buy one unit: (order id, shipment id, tracking number)."""
    _post(gateway, "/api/cart", buyer, {"product_id": product, "quantity": 1})
    order = _post(
        gateway,
        "/api/orders",
        buyer,
        {"shipping_address": {**ADDRESS, "zone": ZONE}, "shipping_method": "standard"},
    )
    found = gateway.get(
        "/api/shipping/shipments", params={"order_id": order["order_id"]}, headers=_bearer(buyer)
    )
    [shipment] = found.json()["items"]
    return order["order_id"], shipment["id"], shipment["tracking_number"]


@pytest.fixture(scope="module")
def fuzz_world(stack: Stack) -> FuzzWorld:
    with GatewaySession(stack.url, timeout=60) as gateway:
        signed_in = gateway.post(
            "/api/auth/login", json={"email": stack.admin_email, "password": stack.admin_password}
        )
        assert signed_in.status_code == 200, signed_in.text
        staff = _bearer(signed_in.json()["access_token"])
        admin, _ = _user(gateway, staff, "admin")
        customer, _ = _user(gateway, staff, "customer")
        real_admin, _ = _user(gateway, staff, "admin")
        buyer, _ = _user(gateway, staff, "customer")
        other_buyer, _ = _user(gateway, staff, "customer")
        courier, _ = _user(gateway, staff, "courier")
        seller, _ = _user(gateway, staff, "seller")
        _, throwaway_user = _user(gateway, staff, "customer")

        product = _post(
            gateway, "/api/products", seller, {"name": "Fuzz lamp", "price": "20.00", "stock": 500}
        )["id"]
        wait_until(
            lambda: (
                gateway.get(f"/api/inventory/{product}", headers=_bearer(seller)).status_code == 200
            ),
            20,
            "inventory to hold the fuzz product",
        )
        offer = _post(gateway, f"/api/products/{product}/offers", seller, {"percent_off": 5})["id"]
        buyer_order, buyer_shipment, buyer_tracking = _checkout(gateway, buyer, product)
        admin_order, admin_shipment, admin_tracking = _checkout(gateway, other_buyer, product)
        _, courier_shipment, courier_tracking = _checkout(gateway, other_buyer, product)
        review = _post(
            gateway, f"/api/products/{product}/reviews", buyer, {"rating": 4, "comment": "ok"}
        )["id"]
        buyer_item = _post(gateway, "/api/cart", buyer, {"product_id": product, "quantity": 1})
        admin_item = _post(gateway, "/api/cart", real_admin, {"product_id": product, "quantity": 1})

    common = {"product_id": product, "offer_id": offer, "review_id": review}
    return FuzzWorld(
        tokens={
            "admin": admin,
            "customer": customer,
            "admin-real": real_admin,
            "buyer-real": buyer,
            "courier-real": courier,
        },
        ids={
            "admin": {
                **common,
                "user_id": throwaway_user,
                "order_id": admin_order,
                "shipment_id": admin_shipment,
                "tracking_number": admin_tracking,
                "item_id": admin_item["item_id"],
            },
            "buyer": {
                **common,
                "order_id": buyer_order,
                "shipment_id": buyer_shipment,
                "tracking_number": buyer_tracking,
                "item_id": buyer_item["item_id"],
            },
            "courier": {
                **common,
                "shipment_id": courier_shipment,
                "tracking_number": courier_tracking,
            },
        },
    )


def fuzz_config(stack: Stack, world: FuzzWorld, variant: Variant) -> Any:
    """The run's settings, in the shape of a `schemathesis.toml`."""
    token_key = f"{variant.principal}-real" if variant.real_ids else variant.principal
    switched_off: list[dict[str, Any]] = [
        {"include-method": "POST", "include-path": "/api/auth/logout", "enabled": False}
    ]
    parameters: dict[str, str] = {}
    if variant.real_ids:
        switched_off.append({"include-method": "DELETE", "enabled": False})
        parameters = {f"path.{name}": value for name, value in world.ids[variant.principal].items()}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": stack.url,
            "headers": _bearer(world.tokens[token_key]),
            "request-timeout": 30,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": True},
                "fuzzing": {"enabled": True},
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
            },
            "parameters": parameters,
            "operations": switched_off,
        }
    )


@pytest.fixture(params=VARIANTS, ids=lambda variant: variant.id)
def service_schema(request: pytest.FixtureRequest, stack: Stack, fuzz_world: FuzzWorld) -> Any:
    variant: Variant = request.param
    return schemathesis.openapi.from_url(
        f"{stack.url}/api/{variant.service}/openapi.json",
        config=fuzz_config(stack, fuzz_world, variant),
        timeout=30,
    )


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment between us and localhost
        yield session


@pytest.fixture(autouse=True)
def schemathesis_node_id(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's from_fixture reads and rewrites `Node._nodeid` (only to name each
    # operation in its reports), an attribute pytest 9.2 no longer has.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


schema = schemathesis.pytest.from_fixture("service_schema")


@schema.parametrize()
def test_no_operation_answers_a_server_error_or_breaks_its_response_schema(case, http):
    case.call_and_validate(session=http, checks=CHECKS)
