"""The mailer against a real SMTP server (aiosmtpd, in this process)."""

import email.policy
import socket
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from souk_kit.app import settings_of
from souk_kit.db import database_of
from souk_kit.errors import DependencyError
from sqlalchemy import select, update

from services.activity.app import create_app
from services.activity.models import OutgoingEmail
from services.activity.service import mailer
from services.activity.service.mailer import Contact
from services.activity.settings import ActivitySettings
from services.activity.tests.test_live import live_message, send


class Sink:
    """Keeps every message it accepts; answers the next ones with `refusals` first."""

    def __init__(self) -> None:
        self.received: list[Message] = []
        self.refusals: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        self.received.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    handler, port = Sink(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


class Accounts:
    def __init__(self) -> None:
        self.known: dict[uuid.UUID, Contact] = {}
        self.down = False

    def add(self, name: str = "Ada", active: bool = True) -> uuid.UUID:
        user_id = uuid.uuid4()
        self.known[user_id] = Contact(user_id, f"{name.lower()}@example.com", name, active)
        return user_id

    def __call__(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        if self.down:
            raise DependencyError(details={"service": "auth"})
        return {i: self.known[i] for i in ids if i in self.known}


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture
def mail_app(make_service_app, sink):
    _, port = sink
    return make_service_app(
        create_app,
        SOUK_SMTP_HOST="127.0.0.1",
        SOUK_SMTP_PORT=str(port),
        SOUK_PUBLIC_URL="https://souk.example",
        SOUK_MAIL_MAX_ATTEMPTS="3",
    )


def order_paid(mail_app, internal_headers, buyer: uuid.UUID) -> uuid.UUID:
    order_id = uuid.uuid4()
    update_ = {"order_id": str(order_id), "status": "paid", "total": "12.50", "currency": "USD"}
    answer = send(
        mail_app.test_client(),
        internal_headers,
        live_message("order.status", update_, user_id=buyer),
    )
    assert answer.status_code == 200
    return order_id


def run_mailer(mail_app, accounts: Accounts) -> int:
    return mailer.send_due(database_of(mail_app), settings_of(mail_app, ActivitySettings), accounts)


def emails(mail_app) -> list[OutgoingEmail]:
    with database_of(mail_app).new_session() as session:
        return list(session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)))


def time_passes(mail_app) -> None:
    """Every e-mail waiting for a retry becomes due."""
    with database_of(mail_app).transaction() as session:
        session.execute(update(OutgoingEmail).values(next_attempt_at=datetime.now(UTC)))


def test_a_queued_email_is_sent_once_to_the_users_address(
    mail_app, internal_headers, sink, accounts
):
    received, _ = sink
    buyer = accounts.add("Ada")
    order_id = order_paid(mail_app, internal_headers, buyer)

    assert run_mailer(mail_app, accounts) == 1
    assert run_mailer(mail_app, accounts) == 0
    [message] = received.received
    assert message["To"] == "Ada <ada@example.com>"
    assert message["Subject"] == f"Order {str(order_id)[:8]} is placed"
    text = message.get_payload(decode=True).decode()
    assert text.startswith("Hello Ada,")
    assert "12.50 USD" in text and f"https://souk.example/orders/{order_id}" in text
    [email] = emails(mail_app)
    assert (email.attempts, email.sent_at is not None, email.last_error) == (1, True, None)


def test_a_server_that_says_try_later_is_tried_again_later(
    mail_app, internal_headers, sink, accounts
):
    received, _ = sink
    received.refusals.append("451 4.3.0 Mailbox busy, try again")
    order_paid(mail_app, internal_headers, accounts.add())

    assert run_mailer(mail_app, accounts) == 0
    [email] = emails(mail_app)
    assert email.sent_at is None and email.gave_up_at is None
    assert email.next_attempt_at > datetime.now(UTC)  # not again in this round
    assert "451" in (email.last_error or "")
    assert run_mailer(mail_app, accounts) == 0  # still waiting

    time_passes(mail_app)
    assert run_mailer(mail_app, accounts) == 1
    assert len(received.received) == 1
    assert emails(mail_app)[0].attempts == 2


def test_an_unreachable_server_is_retried_then_given_up(
    make_service_app, internal_headers, accounts
):
    app = make_service_app(
        create_app,
        SOUK_SMTP_HOST="127.0.0.1",
        SOUK_SMTP_PORT=str(free_port()),  # nothing listens there
        SOUK_MAIL_MAX_ATTEMPTS="2",
    )
    order_paid(app, internal_headers, accounts.add())

    assert run_mailer(app, accounts) == 0
    [email] = emails(app)
    assert (email.attempts, email.gave_up_at) == (1, None)
    assert email.last_error and email.last_error.startswith("SMTP:")
    time_passes(app)
    assert run_mailer(app, accounts) == 0
    [email] = emails(app)
    assert (email.attempts, email.gave_up_at is not None) == (2, True)
    time_passes(app)
    assert run_mailer(app, accounts) == 0
    assert emails(app)[0].attempts == 2  # given up: not tried again


def test_mail_for_a_closed_account_is_given_up_and_mail_waits_while_accounts_is_down(
    mail_app, internal_headers, sink, accounts
):
    received, _ = sink
    order_paid(mail_app, internal_headers, accounts.add("Gone", active=False))
    accounts.down = True

    assert run_mailer(mail_app, accounts) == 0
    [email] = emails(mail_app)
    assert (email.gave_up_at, email.last_error) == (None, "the accounts service did not answer")

    accounts.down = False
    time_passes(mail_app)
    assert run_mailer(mail_app, accounts) == 0
    [email] = emails(mail_app)
    assert email.gave_up_at is not None and email.last_error == "no active account with this id"
    assert received.received == []


def test_names_subjects_and_text_outside_ascii_arrive_as_written(mail_app):
    contact = Contact(uuid.uuid4(), "zoe@example.com", "Zoë Brass", True)
    mail = mailer.Claimed(7, contact.user_id, "Commande payée", "Merci — à bientôt", 1)

    settings = settings_of(mail_app, ActivitySettings)
    sent = mailer.message(settings, contact, mail).as_bytes()
    read = message_from_bytes(sent, policy=email.policy.default)

    assert sent.isascii()  # encoded words and base64: any mail server takes it
    assert (read["To"], read["Subject"]) == ("Zoë Brass <zoe@example.com>", "Commande payée")
    assert read["X-Souk-Email-Id"] == "7"
    assert read.get_content() == "Hello Zoë Brass,\n\nMerci — à bientôt\n— Souk\n"
