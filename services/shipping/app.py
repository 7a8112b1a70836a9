from flask import Flask
from souk_kit.app import create_service_app

from services.shipping.clients import http_clients
from services.shipping.models import OutboxMessage
from services.shipping.routes import internal, public
from services.shipping.settings import ShippingSettings


def create_app(settings: ShippingSettings | None = None) -> Flask:
    settings = settings or ShippingSettings()
    return create_service_app(
        "shipping",
        settings,
        [public],
        internal=internal,
        clients=http_clients(settings),
        outbox=OutboxMessage,
    )
