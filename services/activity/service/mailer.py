"""The mailer: sends the queued e-mails through the SMTP server the settings name.

Each round claims a batch of due e-mails (`FOR UPDATE SKIP LOCKED`, so every process of
every replica can run it) by pushing their next attempt a lease ahead, and commits before it
talks to anyone: a process that dies mid-send leaves its claims to be retried when the lease
ends. A failure waits twice as long as the one before; after `mail_max_attempts` the e-mail
is given up, with its last error kept.
"""

import logging
import smtplib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr

from souk_kit.db import Database
from souk_kit.errors import DependencyError
from sqlalchemy import select, update

from services.activity.models import OutgoingEmail
from services.activity.settings import ActivitySettings

log = logging.getLogger("souk.activity.mailer")

LEASE = timedelta(minutes=2)
BATCH = 50
MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class Contact:
    user_id: uuid.UUID
    email: str
    name: str
    active: bool


# The e-mail addresses of many users at once (auth's internal users lookup).
Contacts = Callable[[Iterable[uuid.UUID]], dict[uuid.UUID, Contact]]


@dataclass(frozen=True)
class Claimed:
    id: int
    user_id: uuid.UUID
    subject: str
    body: str
    attempts: int


def claim(database: Database, limit: int = BATCH) -> list[Claimed]:
    now = datetime.now(UTC)
    due = (
        select(OutgoingEmail.id)
        .where(
            OutgoingEmail.sent_at.is_(None),
            OutgoingEmail.gave_up_at.is_(None),
            OutgoingEmail.next_attempt_at <= now,
        )
        .order_by(OutgoingEmail.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    with database.transaction() as session:
        rows = session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id.in_(due.scalar_subquery()))
            .values(attempts=OutgoingEmail.attempts + 1, next_attempt_at=now + LEASE)
            .returning(
                OutgoingEmail.id,
                OutgoingEmail.user_id,
                OutgoingEmail.subject,
                OutgoingEmail.body,
                OutgoingEmail.attempts,
            )
        ).all()
    return [Claimed(*row) for row in rows]


def message(settings: ActivitySettings, contact: Contact, mail: Claimed) -> MIMEText:
    """The e-mail as sent. Built as a classic MIME text part: the `EmailMessage` API parses
    every header through its header registry, five times the CPU (1.2 ms an e-mail)."""
    email = MIMEText(f"Hello {contact.name},\n\n{mail.body}\n— Souk\n", "plain", "utf-8")
    email["From"] = formataddr(parseaddr(settings.mail_from))
    email["To"] = formataddr((contact.name, contact.email))
    email["Subject"] = (
        mail.subject if mail.subject.isascii() else Header(mail.subject, "utf-8").encode()
    )
    email["Message-ID"] = make_msgid(domain="souk")
    email["X-Souk-Email-Id"] = str(mail.id)
    return email


def open_smtp(settings: ActivitySettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    if settings.smtp_starttls:
        smtp.starttls()
    if settings.smtp_username:
        smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    return smtp


class Outcome:
    """What became of each claimed e-mail, written back in one transaction."""

    def __init__(self, settings: ActivitySettings) -> None:
        self._settings = settings
        self.sent: list[int] = []
        self.retry: list[tuple[Claimed, str]] = []
        self.given_up: list[tuple[int, str]] = []
        self._decided: set[int] = set()

    def delivered(self, mail: Claimed) -> None:
        self.sent.append(mail.id)
        self._decided.add(mail.id)

    def give_up(self, mail: Claimed, error: str) -> None:
        self.given_up.append((mail.id, error))
        self._decided.add(mail.id)

    def failed(self, mail: Claimed, error: str) -> None:
        """A failure worth retrying, until the attempts run out."""
        if mail.attempts >= self._settings.mail_max_attempts:
            self.give_up(mail, error)
        else:
            self.retry.append((mail, error))
            self._decided.add(mail.id)

    def undecided(self, batch: list[Claimed]) -> list[Claimed]:
        return [mail for mail in batch if mail.id not in self._decided]

    def save(self, database: Database) -> None:
        now = datetime.now(UTC)
        first_delay = timedelta(seconds=self._settings.mail_retry_seconds)
        with database.transaction() as session:
            if self.sent:
                session.execute(
                    update(OutgoingEmail)
                    .where(OutgoingEmail.id.in_(self.sent))
                    .values(sent_at=now, last_error=None)
                )
            for mail, error in self.retry:
                delay = min(first_delay * 2 ** (mail.attempts - 1), MAX_DELAY)
                session.execute(
                    update(OutgoingEmail)
                    .where(OutgoingEmail.id == mail.id)
                    .values(next_attempt_at=now + delay, last_error=error[:500])
                )
            for mail_id, error in self.given_up:
                session.execute(
                    update(OutgoingEmail)
                    .where(OutgoingEmail.id == mail_id)
                    .values(gave_up_at=now, last_error=error[:500])
                )


def send_due(database: Database, settings: ActivitySettings, contacts: Contacts) -> int:
    """One round: send every due e-mail (a batch at a time); returns how many were sent."""
    sent = 0
    while batch := claim(database):
        outcome = Outcome(settings)
        try:
            known = contacts({mail.user_id for mail in batch})
        except DependencyError:
            for mail in batch:
                outcome.failed(mail, "the accounts service did not answer")
            outcome.save(database)
            return sent
        try:
            _send(settings, batch, known, outcome)
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mailer: the SMTP server failed (%s)", error)
            for mail in outcome.undecided(batch):
                outcome.failed(mail, f"SMTP: {error}")
        outcome.save(database)
        sent += len(outcome.sent)
        if outcome.retry:
            return sent  # the server is struggling: the rest waits for the next round
    return sent


def _send(
    settings: ActivitySettings,
    batch: list[Claimed],
    known: dict[uuid.UUID, Contact],
    outcome: Outcome,
) -> None:
    with open_smtp(settings) as smtp:
        for mail in batch:
            contact = known.get(mail.user_id)
            if contact is None or not contact.active:
                outcome.give_up(mail, "no active account with this id")
                continue
            try:
                smtp.send_message(message(settings, contact, mail))
            except smtplib.SMTPRecipientsRefused as error:
                outcome.give_up(mail, f"SMTP refused the address: {error.recipients}")
            except smtplib.SMTPResponseException as error:
                reason = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
                # 5xx is the server's final word on this message; 4xx means "try again later".
                if error.smtp_code >= 500:
                    outcome.give_up(mail, reason)
                else:
                    outcome.failed(mail, reason)
            else:
                outcome.delivered(mail)
