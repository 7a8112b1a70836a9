from flask import Flask
from souk_kit.app import create_service_app
from souk_kit.background import start_periodic
from souk_kit.db import Database, database_of

from services.inventory.models import OutboxMessage, ProcessedMessage
from services.inventory.routes import internal, public
from services.inventory.service import expire_reservations
from services.inventory.settings import InventorySettings


def expiry_work(database: Database, settings: InventorySettings) -> None:
    """Release every hold past its expiry, one committed batch at a time."""
    batch = settings.reservation_expiry_batch
    while True:
        with database.transaction() as session:
            released = expire_reservations(session, batch)
        if released < batch:
            return


def create_app(settings: InventorySettings | None = None) -> Flask:
    settings = settings or InventorySettings()
    app = create_service_app(
        "inventory",
        settings,
        [public],
        internal=internal,
        outbox=OutboxMessage,
        processed=ProcessedMessage,
    )
    database = database_of(app)
    start_periodic(
        app,
        "reservation-expiry",
        settings.reservation_expiry_poll_seconds,
        lambda: expiry_work(database, settings),
    )
    return app
