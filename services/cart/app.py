from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.http import internal_blueprint
from souk_kit.outbox import init_outbox

from services.cart.clients import InventoryClient, ProductsClient
from services.cart.models import OutboxMessage, ProcessedMessage
from services.cart.routes import internal_routes, public
from services.cart.settings import CartSettings


def create_app(settings: CartSettings | None = None) -> Flask:
    settings = settings or CartSettings()
    internal = internal_routes(internal_blueprint("cart", settings))
    app = create_service_app("cart", settings, [public, internal])
    app.extensions["cart_products"] = ProductsClient(settings)
    app.extensions["cart_inventory"] = InventoryClient(settings)
    init_outbox(app, app.extensions["souk_db"], OutboxMessage, settings, processed=ProcessedMessage)
    return app
