from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic
from souk_kit.db import Database
from souk_kit.http import internal_blueprint
from souk_kit.outbox import init_outbox

from services.products.models import OutboxMessage, ProcessedMessage
from services.products.routes import internal_routes, public
from services.products.service import catalogue
from services.products.service.statements import use_generic_plans
from services.products.settings import ProductsSettings


def create_app(settings: ProductsSettings | None = None) -> Flask:
    settings = settings or ProductsSettings()
    internal = internal_routes(internal_blueprint("products", settings))
    app = create_service_app(
        "products", settings, [public, internal], max_body_bytes=settings.max_body_bytes
    )
    database: Database = app.extensions["souk_db"]
    use_generic_plans(database.engine)
    init_outbox(app, database, OutboxMessage, settings, processed=ProcessedMessage)

    def fold_listed_counts() -> None:
        with database.new_session() as session, session.begin():
            catalogue.fold_listed_changes(session)

    start_periodic(app, "listed-counts", settings.listed_fold_seconds, fold_listed_counts)
    return app
