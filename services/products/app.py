from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic
from souk_kit.db import database_of
from souk_kit.listen import start_listener

from services.products.models import OutboxMessage, ProcessedMessage
from services.products.routes import internal, public
from services.products.service import catalogue
from services.products.service.catalogue import cache
from services.products.settings import ProductsSettings


def create_app(settings: ProductsSettings | None = None) -> Flask:
    settings = settings or ProductsSettings()
    app = create_service_app(
        "products",
        settings,
        [public],
        internal=internal,
        outbox=OutboxMessage,
        processed=ProcessedMessage,
        max_body_bytes=settings.max_body_bytes,
    )
    database = database_of(app)

    def fold_listed_counts() -> None:
        with database.transaction() as session:
            catalogue.fold_listed_changes(session)

    start_periodic(app, "listed-counts", settings.listed_fold_seconds, fold_listed_counts)
    copies = app.extensions[cache.EXTENSION] = cache.CatalogueCache(
        settings.catalogue_cache_seconds
    )
    start_listener(app, cache.CHANNEL, copies.changed, copies.listening, copies.lost)
    return app
