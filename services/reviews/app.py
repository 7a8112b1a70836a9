from flask import Flask
from souk_kit.app import create_service_app

from services.reviews.clients import http_clients
from services.reviews.models import OutboxMessage
from services.reviews.routes import public
from services.reviews.settings import ReviewsSettings


def create_app(settings: ReviewsSettings | None = None) -> Flask:
    settings = settings or ReviewsSettings()
    return create_service_app(
        "reviews", settings, [public], clients=http_clients(settings), outbox=OutboxMessage
    )
