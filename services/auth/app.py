from datetime import datetime

from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.db import database

from services.auth.models import OutboxMessage
from services.auth.routes import internal, public
from services.auth.service import make_hasher, revoked_session_ids
from services.auth.settings import AuthSettings


def create_app(settings: AuthSettings | None = None) -> Flask:
    settings = settings or AuthSettings()

    def revocations_from_database(since: str | None) -> tuple[list[str], str | None]:
        with database().new_session() as session:
            cursor = datetime.fromisoformat(since) if since else None
            return revoked_session_ids(session, settings, cursor)

    app = create_service_app(
        "auth",
        settings,
        [public],
        internal=internal,
        outbox=OutboxMessage,
        revocation_source=revocations_from_database,
    )
    app.extensions["auth_hasher"] = make_hasher(settings)
    return app
