from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.http import internal_blueprint
from souk_kit.outbox import init_outbox

from services.shipping.clients import AuthClient, ProductsClient
from services.shipping.models import OutboxMessage
from services.shipping.routes import internal_routes, public
from services.shipping.settings import ShippingSettings


def create_app(settings: ShippingSettings | None = None) -> Flask:
    settings = settings or ShippingSettings()
    internal = internal_routes(internal_blueprint("shipping", settings))
    app = create_service_app("shipping", settings, [public, internal])
    app.extensions["shipping_products"] = ProductsClient(settings)
    app.extensions["shipping_auth"] = AuthClient(settings, settings.courier_zone_cache_seconds)
    init_outbox(app, app.extensions["souk_db"], OutboxMessage, settings)
    return app
