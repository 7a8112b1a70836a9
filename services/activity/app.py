from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.http import internal_blueprint

from services.activity.clients import ProductsClient
from services.activity.routes import internal_routes, public
from services.activity.service import FixedWindowLimiter
from services.activity.settings import ActivitySettings


def create_app(settings: ActivitySettings | None = None) -> Flask:
    settings = settings or ActivitySettings()
    internal = internal_routes(internal_blueprint("activity", settings))
    app = create_service_app("activity", settings, [public, internal])
    app.extensions["activity_products"] = ProductsClient(settings)
    app.extensions["activity_limiter"] = FixedWindowLimiter(settings.client_events_per_minute)
    return app
