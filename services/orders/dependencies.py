"""Where the use cases find their collaborators: the app's clients (the payment provider
among them), settings and database."""

from flask import Flask
from souk_kit.app import clients_of, settings_of
from souk_kit.db import database_of

from services.orders.clients import Clients
from services.orders.service.common import Deps
from services.orders.settings import OrdersSettings


def deps_for(app: Flask) -> Deps:
    clients = clients_of(app, Clients)
    return Deps(
        clients=clients,
        settings=settings_of(app, OrdersSettings),
        transactions=database_of(app).transaction,
    )
