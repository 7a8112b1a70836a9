import requests
from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic
from souk_kit.db import Database
from souk_kit.http import internal_blueprint

from services.activity.clients import AuthClient, ProductsClient
from services.activity.notification_routes import inbox
from services.activity.routes import MAILER, WEBHOOK_SENDER, internal_routes, public
from services.activity.service import FixedWindowLimiter, live, mailer, webhooks
from services.activity.settings import ActivitySettings
from services.activity.webhook_routes import shop_hooks

LIVE_PRUNE_SECONDS = 600.0


def forget_old_live_events(database: Database, settings: ActivitySettings) -> None:
    while True:
        with database.new_session() as session, session.begin():
            if live.forget_old(session, settings.live_keep_hours) < 10_000:
                return


def create_app(settings: ActivitySettings | None = None) -> Flask:
    """The activity service's Flask routes (the stream is served beside them, by asgi.py)."""
    settings = settings or ActivitySettings()
    internal = internal_routes(internal_blueprint("activity", settings))
    app = create_service_app("activity", settings, [public, inbox, shop_hooks, internal])
    app.extensions["activity_products"] = ProductsClient(settings)
    auth = AuthClient(settings)
    app.extensions["activity_limiter"] = FixedWindowLimiter(settings.client_events_per_minute)
    database: Database = app.extensions["souk_db"]
    start_periodic(
        app, "live-prune", LIVE_PRUNE_SECONDS, lambda: forget_old_live_events(database, settings)
    )
    if settings.smtp_host:
        start_periodic(
            app,
            MAILER,
            settings.mail_poll_seconds,
            lambda: mailer.send_due(database, settings, auth.contacts),
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
