"""Where the use cases find their collaborators: the app's clients, payment provider,
settings and database (tests swap the clients and the provider in `app.extensions`)."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from souk_kit.db import Database
from sqlalchemy.orm import Session

from services.orders.service.common import Deps
from services.orders.settings import OrdersSettings

CLIENTS = "orders_clients"
PAYMENTS = "orders_payments"


def deps_for(app: Flask) -> Deps:
    database: Database = app.extensions["souk_db"]
    settings = app.config["SOUK_SETTINGS"]
    assert isinstance(settings, OrdersSettings)

    @contextmanager
    def transactions() -> Iterator[Session]:
        with database.new_session() as session, session.begin():
            yield session

    return Deps(
        clients=app.extensions[CLIENTS],
        payments=app.extensions[PAYMENTS],
        settings=settings,
        transactions=transactions,
    )
