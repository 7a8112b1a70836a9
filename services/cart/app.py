from flask import Flask
from souk_kit.app import create_service_app

from services.cart.clients import http_clients
from services.cart.models import OutboxMessage, ProcessedMessage
from services.cart.routes import internal, public
from services.cart.settings import CartSettings


def create_app(settings: CartSettings | None = None) -> Flask:
    settings = settings or CartSettings()
    return create_service_app(
        "cart",
        settings,
        [public],
        internal=internal,
        clients=http_clients(settings),
        outbox=OutboxMessage,
        processed=ProcessedMessage,
    )
