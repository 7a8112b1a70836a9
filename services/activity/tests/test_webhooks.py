"""Shop webhooks: registering endpoints (and refusing internal ones), the deliveries live events
make, and sending them, signed and retried, to a real local receiver."""

import ipaddress
import uuid
from datetime import UTC, datetime

import pytest
import requests
from souk_kit.app import clients_of, settings_of
from souk_kit.db import database_of
from sqlalchemy import select, update

from clients.webhooks import Receiver, signature_is_valid
from services.activity.app import create_app
from services.activity.clients import Clients
from services.activity.models import WebhookDelivery
from services.activity.service import webhooks
from services.activity.settings import ActivitySettings
from services.activity.tests.test_live import live_message, send

PUBLIC = "93.184.216.34"


class FakeDns:
    """Host name → addresses; an IP literal resolves to itself, an unknown name fails."""

    def __init__(self) -> None:
        self.hosts = {"shop.example": [PUBLIC], "inside.example": [PUBLIC, "192.168.1.4"]}

    def __call__(self, host: str, port: int) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        if host not in self.hosts:
            raise OSError("Name or service not known")
        return self.hosts[host]


@pytest.fixture
def dns(app) -> FakeDns:
    fake = FakeDns()
    clients_of(app, Clients).dns = fake
    return fake


@pytest.fixture
def hook_app(make_service_app):
    """Activity as the tests run it: loopback targets allowed, quick to give up and disable."""
    return make_service_app(
        create_app,
        SOUK_WEBHOOKS_ALLOW_LOOPBACK="1",
        SOUK_WEBHOOK_MAX_ATTEMPTS="3",
        SOUK_WEBHOOK_DISABLE_AFTER="4",
        SOUK_WEBHOOK_TIMEOUT="2",
    )


def register(client, headers, url, events=("order.created",)):
    return client.post("/api/webhooks", json={"url": url, "events": list(events)}, headers=headers)


def order_new(seller: uuid.UUID) -> dict:
    lines = [{"product_id": str(uuid.uuid4()), "name": "Lamp", "quantity": 1}]
    return live_message(
        "order.new", {"order_id": str(uuid.uuid4()), "lines": lines}, user_id=seller
    )


def deliveries(app) -> list[WebhookDelivery]:
    with database_of(app).new_session() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def run_sender(app) -> int:
    http = requests.Session()
    http.trust_env = False
    return webhooks.send_due(database_of(app), settings_of(app, ActivitySettings), http)


def time_passes(app) -> None:
    with database_of(app).transaction() as session:
        session.execute(update(WebhookDelivery).values(next_attempt_at=datetime.now(UTC)))


@pytest.mark.parametrize(
    "url",
    [
        "http://shop.example/hooks",  # not https
        "https://127.0.0.1/hooks",
        "https://[::1]/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest/meta-data",  # a cloud's metadata service
        "https://[::ffff:127.0.0.1]/hooks",
        "https://inside.example/hooks",  # one of its addresses is private
        "https://nowhere.example/hooks",  # does not resolve
        "https://user:secret@shop.example/hooks",
        "ftp://shop.example/hooks",
        "not a url",
    ],
)
def test_an_endpoint_must_be_https_on_a_public_address(client, tokens, dns, url):
    answer = register(client, tokens.headers("seller"), url)
    assert answer.status_code == 400, answer.json
    assert answer.json["code"] == "validation_error"
    assert "url" in answer.json["details"]["fields"]


def test_a_seller_registers_an_endpoint_and_sees_its_secret_once(client, tokens, dns):
    seller = tokens.headers("seller", user_id=str(uuid.uuid4()))
    created = register(client, seller, "https://shop.example/hooks", ["stock.low", "order.created"])
    assert created.status_code == 201, created.json
    endpoint = created.json
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) > 40
    assert (endpoint["events"], endpoint["active"]) == (["order.created", "stock.low"], True)

    [listed] = client.get("/api/webhooks", headers=seller).json["items"]
    assert "secret" not in listed and listed["last_delivery"] is None
    shown = client.get(f"/api/webhooks/{endpoint['id']}", headers=seller)
    assert shown.status_code == 200 and "secret" not in shown.json

    other_seller = tokens.headers("seller", user_id=str(uuid.uuid4()))
    assert client.get(f"/api/webhooks/{endpoint['id']}", headers=other_seller).status_code == 404
    assert client.delete(f"/api/webhooks/{endpoint['id']}", headers=other_seller).status_code == 404
    assert client.get("/api/webhooks", headers=other_seller).json["items"] == []
    assert client.delete(f"/api/webhooks/{endpoint['id']}", headers=seller).status_code == 200
    assert client.get("/api/webhooks", headers=seller).json["items"] == []


@pytest.mark.parametrize(
    ("role", "body", "status"),
    [
        ("customer", {"url": "https://shop.example/h", "events": ["order.created"]}, 403),
        ("seller", {"url": "https://shop.example/h", "events": ["order.shipped"]}, 400),
        ("seller", {"url": "https://shop.example/h", "events": []}, 400),
        ("seller", {"url": "https://shop.example/h" + "x" * 2001, "events": ["stock.low"]}, 400),
    ],
)
def test_only_sellers_register_known_events(client, tokens, dns, role, body, status):
    answer = client.post("/api/webhooks", json=body, headers=tokens.headers(role))
    assert answer.status_code == status
    assert answer.json["code"] == {403: "forbidden", 400: "validation_error"}[status]


def test_a_shop_has_at_most_ten_endpoints(client, tokens, dns):
    seller = tokens.headers("seller", user_id=str(uuid.uuid4()))
    for n in range(10):
        assert register(client, seller, f"https://shop.example/{n}").status_code == 201
    answer = register(client, seller, "https://shop.example/11")
    assert (answer.status_code, answer.json["code"]) == (409, "too_many_endpoints")


def test_each_event_makes_one_delivery_per_subscribed_endpoint_of_its_shop(
    hook_app, tokens, internal_headers
):
    client = hook_app.test_client()
    seller, other = uuid.uuid4(), uuid.uuid4()
    headers = tokens.headers("seller", user_id=str(seller))
    orders_only = register(client, headers, "http://127.0.0.1:9/orders").json
    everything = register(
        client, headers, "http://127.0.0.1:9/all", ["order.created", "order.cancelled", "stock.low"]
    ).json
    placed = order_new(seller)
    low = live_message(
        "stock.low",
        {"product_id": str(uuid.uuid4()), "available": 1, "threshold": 5},
        user_id=seller,
    )
    send(client, internal_headers, placed, low, order_new(other))
    send(client, internal_headers, placed)  # sent again by the outbox

    made = sorted((d.endpoint_id, d.event) for d in deliveries(hook_app))
    assert made == sorted(
        [
            (uuid.UUID(orders_only["id"]), "order.created"),
            (uuid.UUID(everything["id"]), "order.created"),
            (uuid.UUID(everything["id"]), "stock.low"),
        ]
    )


def test_a_delivery_is_signed_and_its_outcome_shown(hook_app, tokens, internal_headers):
    client = hook_app.test_client()
    seller = uuid.uuid4()
    headers = tokens.headers("seller", user_id=str(seller))
    with Receiver() as receiver:
        endpoint = register(client, headers, receiver.url).json
        placed = order_new(seller)
        send(client, internal_headers, placed)
        assert run_sender(hook_app) == 1
        request = receiver.next(5)

    assert request.path == "/hooks/souk"
    assert request.headers["Souk-Event"] == "order.created"
    assert signature_is_valid(endpoint["secret"], request.headers["Souk-Signature"], request.body)
    assert not signature_is_valid("whsec_wrong", request.headers["Souk-Signature"], request.body)
    assert not signature_is_valid(
        endpoint["secret"], request.headers["Souk-Signature"], request.body + b" "
    )
    event = request.json()
    assert (event["id"], event["type"]) == (placed["event_id"], "order.created")
    assert event["data"] == placed["payload"]["data"]

    [listed] = client.get("/api/webhooks", headers=headers).json["items"]
    assert listed["last_delivery"]["status"] == 200 and listed["last_delivery"]["delivered"]
    page = client.get(f"/api/webhooks/{endpoint['id']}/deliveries", headers=headers).json
    [delivery] = page["items"]
    assert (delivery["attempts"], delivery["last_status"]) == (1, 200)
    assert delivery["delivered_at"] and delivery["next_attempt_at"] is None


def test_a_failed_delivery_is_retried_later_and_a_redirect_is_not_followed(
    hook_app, tokens, internal_headers
):
    client = hook_app.test_client()
    seller = uuid.uuid4()
    with Receiver(answers=[500, 302]) as receiver:
        register(client, tokens.headers("seller", user_id=str(seller)), receiver.url)
        send(client, internal_headers, order_new(seller))

        assert run_sender(hook_app) == 0
        [delivery] = deliveries(hook_app)
        assert (delivery.attempts, delivery.last_status) == (1, 500)
        assert delivery.next_attempt_at > datetime.now(UTC)
        assert run_sender(hook_app) == 0  # not due yet
        assert receiver.received.qsize() == 1

        time_passes(hook_app)
        assert run_sender(hook_app) == 0
        [delivery] = deliveries(hook_app)
        assert (delivery.attempts, delivery.last_status) == (2, 302)
        assert receiver.received.qsize() == 2  # the redirect's Location was not asked

        time_passes(hook_app)
        assert run_sender(hook_app) == 1
        [delivery] = deliveries(hook_app)
        assert (delivery.attempts, delivery.last_status) == (3, 200)
        assert delivery.delivered_at is not None


def test_a_delivery_is_given_up_after_its_attempts_and_an_endpoint_disabled_after_failures(
    hook_app, tokens, internal_headers
):
    client = hook_app.test_client()
    seller = uuid.uuid4()
    headers = tokens.headers("seller", user_id=str(seller))
    with Receiver(answers=[503] * 4) as receiver:
        endpoint = register(client, headers, receiver.url).json
        send(client, internal_headers, order_new(seller))
        for _ in range(3):  # SOUK_WEBHOOK_MAX_ATTEMPTS
            run_sender(hook_app)
            time_passes(hook_app)
        [given_up] = deliveries(hook_app)
        assert given_up.gave_up_at is not None and given_up.attempts == 3

        # The fourth failure in a row (SOUK_WEBHOOK_DISABLE_AFTER) disables the endpoint.
        send(client, internal_headers, order_new(seller), order_new(seller))
        run_sender(hook_app)
        [shown] = client.get("/api/webhooks", headers=headers).json["items"]
        assert shown["active"] is False
        assert shown["disabled_reason"].startswith("4 failed attempts in a row")
        assert receiver.received.qsize() == 4  # the other new delivery waits, unsent
        time_passes(hook_app)
        assert run_sender(hook_app) == 0
        assert receiver.received.qsize() == 4

        enabled = client.post(f"/api/webhooks/{endpoint['id']}/enable", headers=headers)
        assert enabled.status_code == 200 and enabled.json["active"] is True
        assert run_sender(hook_app) == 2  # both waiting deliveries, the receiver answering 200
    assert receiver.received.qsize() == 6


def test_a_host_that_resolves_inside_by_the_time_of_sending_is_not_sent_to(
    app, client, tokens, internal_headers, dns
):
    seller = uuid.uuid4()
    register(client, tokens.headers("seller", user_id=str(seller)), "https://shop.example/hooks")
    send(client, internal_headers, order_new(seller))
    dns.hosts["shop.example"] = ["127.0.0.1"]  # the DNS answer changed since registration

    http = requests.Session()
    assert webhooks.send_due(database_of(app), settings_of(app, ActivitySettings), http, dns) == 0
    [delivery] = deliveries(app)
    assert delivery.last_status is None
    assert (delivery.last_error or "").startswith("refused: the URL must not point at a loopback")
