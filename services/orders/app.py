from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic

from services.orders.clients import http_clients
from services.orders.dependencies import deps_for
from services.orders.models import OutboxMessage, ProcessedMessage
from services.orders.routes import internal, public
from services.orders.service.recovery import recover
from services.orders.settings import OrdersSettings


def create_app(settings: OrdersSettings | None = None) -> Flask:
    settings = settings or OrdersSettings()
    app = create_service_app(
        "orders",
        settings,
        [public],
        internal=internal,
        clients=http_clients(settings),
        outbox=OutboxMessage,
        processed=ProcessedMessage,
    )
    start_periodic(app, "recovery", settings.recovery_poll_seconds, lambda: recover(deps_for(app)))
    return app
