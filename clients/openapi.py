"""The eight services' OpenAPI documents, built in-process: each service's `create_app` and
its own `/api/<service>/openapi.json` route through Flask's test client. No stack, database
or network is needed: building an app connects to nothing until a request needs it."""

from __future__ import annotations

import importlib
import logging
import secrets
import tempfile
import typing
from pathlib import Path
from typing import Any

from souk_kit import SERVICES
from souk_kit.settings import ServiceSettings

from launcher.credentials import Credentials, ensure_credentials


def openapi_documents() -> dict[str, dict[str, Any]]:
    """Service name → its OpenAPI document, exactly as the gateway serves it."""
    documents: dict[str, dict[str, Any]] = {}
    # The services log every request they answer; these are not worth a line each.
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    # Apps need keys to start; throwaway ones do (no token is checked here).
    keys_dir = tempfile.TemporaryDirectory()
    keys = ensure_credentials(Path(keys_dir.name))
    try:
        for service in SERVICES:
            create_app = importlib.import_module(f"services.{service}.app").create_app
            app = create_app(_settings_without_workers(create_app, keys))
            answer = app.test_client().get(f"/api/{service}/openapi.json")
            if answer.status_code != 200:
                raise RuntimeError(f"{service}'s OpenAPI document answered {answer.status_code}")
            documents[service] = answer.get_json()
    finally:
        logging.disable(previous)
        keys_dir.cleanup()
    return documents


def _settings_without_workers(create_app: Any, keys: Credentials) -> ServiceSettings:
    """The service's own settings class (from `create_app`'s signature), with no background
    threads: nothing here should poll a database or relay an outbox."""
    hint = typing.get_type_hints(create_app)["settings"]
    for candidate in typing.get_args(hint) or (hint,):
        if isinstance(candidate, type) and issubclass(candidate, ServiceSettings):
            return candidate(
                background_workers=False,
                service_token=secrets.token_urlsafe(24),  # nothing is called: any will do
                jwt_public_key_file=keys.jwt_public_key_file,
                jwt_private_key_file=keys.jwt_private_key_file,
            )
    raise TypeError(f"{create_app.__module__}.create_app takes no ServiceSettings")
