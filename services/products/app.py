from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.http import internal_blueprint
from souk_kit.outbox import init_outbox

from services.products.models import OutboxMessage
from services.products.routes import internal_routes, public
from services.products.service.statements import use_generic_plans
from services.products.settings import ProductsSettings


def create_app(settings: ProductsSettings | None = None) -> Flask:
    settings = settings or ProductsSettings()
    internal = internal_routes(internal_blueprint("products", settings))
    app = create_service_app(
        "products", settings, [public, internal], max_body_bytes=settings.max_body_bytes
    )
    database = app.extensions["souk_db"]
    use_generic_plans(database.engine)
    init_outbox(app, database, OutboxMessage, settings)
    return app
