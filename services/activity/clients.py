"""The services activity asks: products, for names and prices of listed products, and auth,
for the e-mail addresses notifications are sent to.

The app is made with `http_clients(settings)`; routes reach them through `clients()`, and
service tests give the app fakes with the same methods. The name service that webhook
addresses are checked with counts among them.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from souk_kit.app import clients_of
from souk_kit.catalogue import Catalogue, CatalogueClient
from souk_kit.http import ServiceClient
from souk_kit.settings import ServiceSettings

from services.activity.service.mailer import Contact, Contacts
from services.activity.service.webhooks import Resolver, resolve


class AuthClient:
    def __init__(self, settings: ServiceSettings) -> None:
        self._client = ServiceClient(settings, "auth")

    def contacts(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        def parse(item: dict[str, Any]) -> Contact:
            return Contact(
                user_id=uuid.UUID(str(item["user_id"])),
                email=str(item["email"]),
                name=str(item["name"]),
                active=bool(item["active"]),
            )

        return {
            contact.user_id: contact for contact in self._client.get_items("/users", ids, parse)
        }


@dataclass
class Clients:
    products: Catalogue
    contacts: Contacts
    dns: Resolver = resolve


def http_clients(settings: ServiceSettings) -> Clients:
    return Clients(CatalogueClient(settings), AuthClient(settings).contacts)


def clients() -> Clients:
    return clients_of(current_app, Clients)
