from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic
from souk_kit.http import internal_blueprint
from souk_kit.outbox import init_outbox

from services.orders.clients import http_clients
from services.orders.dependencies import CLIENTS, PAYMENTS, deps_for
from services.orders.models import OutboxMessage, ProcessedMessage
from services.orders.payments import make_provider
from services.orders.routes import internal_routes, public
from services.orders.service.recovery import recover
from services.orders.settings import OrdersSettings


def create_app(settings: OrdersSettings | None = None) -> Flask:
    settings = settings or OrdersSettings()
    internal = internal_routes(internal_blueprint("orders", settings))
    app = create_service_app("orders", settings, [public, internal])
    app.extensions[CLIENTS] = http_clients(settings)
    app.extensions[PAYMENTS] = make_provider(settings)
    init_outbox(app, app.extensions["souk_db"], OutboxMessage, settings, processed=ProcessedMessage)
    start_periodic(app, "recovery", settings.recovery_poll_seconds, lambda: recover(deps_for(app)))
    return app
