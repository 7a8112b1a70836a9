import requests
from flask import Flask
from souk_kit.app import clients_of, create_service_app
from souk_kit.background import start_periodic
from souk_kit.db import Database, database_of

from services.activity.clients import Clients, http_clients
from services.activity.notification_routes import inbox
from services.activity.routes import MAILER, WEBHOOK_SENDER, internal, public
from services.activity.service import FixedWindowLimiter, live, mailer, webhooks
from services.activity.settings import ActivitySettings
from services.activity.webhook_routes import shop_hooks

LIVE_PRUNE_SECONDS = 600.0


def forget_old_live_events(database: Database, settings: ActivitySettings) -> None:
    while True:
        with database.transaction() as session:
            if live.forget_old(session, settings.live_keep_hours) < 10_000:
                return


def create_app(settings: ActivitySettings | None = None) -> Flask:
    """The activity service's Flask routes (the stream is served beside them, by asgi.py)."""
    settings = settings or ActivitySettings()
    app = create_service_app(
        "activity",
        settings,
        [public, inbox, shop_hooks],
        internal=internal,
        clients=http_clients(settings),
    )
    app.extensions["activity_limiter"] = FixedWindowLimiter(settings.client_events_per_minute)
    database = database_of(app)
    start_periodic(
        app, "live-prune", LIVE_PRUNE_SECONDS, lambda: forget_old_live_events(database, settings)
    )
    if settings.smtp_host:
        start_periodic(
            app,
            MAILER,
            settings.mail_poll_seconds,
            lambda: mailer.send_due(database, settings, clients_of(app, Clients).contacts),
            gather=settings.mail_gather_seconds,
        )
    webhook_http = requests.Session()
    webhook_http.trust_env = False  # never through a proxy from the environment
    start_periodic(
        app,
        WEBHOOK_SENDER,
        settings.webhook_poll_seconds,
        lambda: webhooks.send_due(database, settings, webhook_http),
    )
    return app
