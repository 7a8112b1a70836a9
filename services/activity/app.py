from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic
from souk_kit.db import Database
from souk_kit.http import internal_blueprint

from services.activity.clients import ProductsClient
from services.activity.routes import internal_routes, public
from services.activity.service import FixedWindowLimiter, live
from services.activity.settings import ActivitySettings

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
    app = create_service_app("activity", settings, [public, internal])
    app.extensions["activity_products"] = ProductsClient(settings)
    app.extensions["activity_limiter"] = FixedWindowLimiter(settings.client_events_per_minute)
    database: Database = app.extensions["souk_db"]
    start_periodic(
        app, "live-prune", LIVE_PRUNE_SECONDS, lambda: forget_old_live_events(database, settings)
    )
    return app
