from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.outbox import init_outbox

from services.reviews.clients import ProductsClient, PurchasesClient, UsersClient
from services.reviews.models import OutboxMessage
from services.reviews.routes import public
from services.reviews.settings import ReviewsSettings


def create_app(settings: ReviewsSettings | None = None) -> Flask:
    settings = settings or ReviewsSettings()
    app = create_service_app("reviews", settings, [public])
    app.extensions["reviews_products"] = ProductsClient(settings)
    app.extensions["reviews_auth"] = UsersClient(settings)
    app.extensions["reviews_orders"] = PurchasesClient(settings)
    init_outbox(app, app.extensions["souk_db"], OutboxMessage, settings)
    return app
