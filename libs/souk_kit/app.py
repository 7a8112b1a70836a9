"""`create_service_app`: every service's Flask app is assembled here, the same way."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import orjson
from flask import Blueprint, Flask, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider

from souk_kit.auth import RevocationSource, init_auth
from souk_kit.db import init_db
from souk_kit.errors import DependencyError, register_error_handlers
from souk_kit.http import ServiceClient, internal_blueprint
from souk_kit.observability import configure_logging, init_observability, metrics_response
from souk_kit.openapi import build_openapi
from souk_kit.outbox import OutboxMixin, ProcessedMessageMixin, init_outbox
from souk_kit.settings import ServiceSettings

# The gateway micro-caches anonymous catalogue reads (gateway/nginx.conf). For this long past a
# copy's life it may keep handing that copy out while one request refreshes it behind, instead of
# holding every visitor of the page until the refresh is done. nginx reads it from the answer's
# `Cache-Control` and does not pass it on.
REFRESH_GRACE_SECONDS = 1


class SoukJSONProvider(DefaultJSONProvider):
    """Decimals as strings, times as ISO 8601 UTC with a Z, UUIDs as strings. Answers are
    written by orjson (a page of products in a tenth of the time the json module takes);
    `dumps` and `loads` (request bodies, the test client) stay the json module's."""

    sort_keys = False

    @staticmethod
    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, UUID):
            return str(value)
        if isinstance(value, Enum):
            return value.value
        return DefaultJSONProvider.default(value)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        body = orjson.dumps(
            self._prepare_response_obj(args, kwargs),
            default=self.default,
            # Times go through `default` too, so they come out in UTC with a Z.
            option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS,
        )
        return Response(body + b"\n", mimetype=self.mimetype)


def revocations_from_auth(settings: ServiceSettings) -> RevocationSource:
    client = ServiceClient(settings, "auth")

    def fetch(since: str | None) -> tuple[list[str], str | None]:
        answer = client.get("/revocations", params={"since": since} if since else None)
        if not answer.ok:
            raise DependencyError(details={"service": "auth"})
        return list(answer.data["session_ids"]), answer.data["cursor"]

    return fetch


def create_service_app(
    name: str,
    settings: ServiceSettings,
    blueprints: Iterable[Blueprint],
    *,
    internal: Blueprint | None = None,
    clients: object | None = None,
    outbox: type[OutboxMixin] | None = None,
    processed: type[ProcessedMessageMixin] | None = None,
    revocation_source: RevocationSource | None = None,
    max_body_bytes: int = 1024 * 1024,
) -> Flask:
    """A service's app: its public `blueprints` and its `internal` one (made with
    `internal_blueprint`), the `clients` it calls other services with (read back with
    `clients_of`), its `outbox` relay and, for a receiver, the pruning of its `processed`
    message ids; JSON errors, logs, metrics, health and the OpenAPI document come with it."""
    configure_logging(name)
    app = Flask(f"souk.{name}")
    app.json = SoukJSONProvider(app)
    app.url_map.strict_slashes = False
    app.config.update(
        MAX_CONTENT_LENGTH=max_body_bytes,
        SOUK_SETTINGS=settings,
        SOUK_SERVICE=name,
        SOUK_BACKGROUND_WORKERS=settings.background_workers,
    )
    register_error_handlers(app)
    init_observability(app, name)
    database = init_db(app, settings)
    init_auth(app, settings, revocation_source or revocations_from_auth(settings))
    for blueprint in [*blueprints, *([internal] if internal else [])]:
        app.register_blueprint(blueprint)
    if clients is not None:
        use_clients(app, clients)
    if outbox is not None:
        init_outbox(app, database, outbox, settings, processed=processed)

    @app.get(f"/api/{name}/health")
    def health() -> Any:
        try:
            database.ping()
        except Exception:
            return jsonify({"status": "unavailable", "service": name, "database": "down"}), 503
        return {"status": "ok", "service": name, "database": "ok"}

    @app.get(f"/api/{name}/openapi.json")
    def openapi() -> Any:
        return build_openapi(app, name)

    monitoring = internal_blueprint(name, suffix="monitoring")

    @monitoring.get("/metrics")
    def metrics() -> Response:
        """Prometheus metrics; scrapers send the service token like any internal caller."""
        return metrics_response()

    app.register_blueprint(monitoring)

    @app.after_request
    def allow_stale_while_refreshing(response: Response) -> Response:
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and "Authorization" not in request.headers
        ):
            response.headers.setdefault(
                "Cache-Control", f"stale-while-revalidate={REFRESH_GRACE_SECONDS}"
            )
        return response

    return app


S = TypeVar("S", bound=ServiceSettings)


def settings_of(app: Flask, kind: type[S]) -> S:
    """The app's settings as the service's own class: `settings_of(current_app, CartSettings)`."""
    settings = app.config["SOUK_SETTINGS"]
    if not isinstance(settings, kind):
        raise TypeError(f"{app.name} runs with {type(settings).__name__}, not {kind.__name__}")
    return settings


C = TypeVar("C")


def use_clients(app: Flask, clients: object) -> None:
    """The clients the app calls other services with (service tests give it fakes)."""
    app.extensions["souk_clients"] = clients


def clients_of(app: Flask, kind: type[C]) -> C:
    """The clients the app was made with: `clients_of(current_app, Clients).products`."""
    clients = app.extensions.get("souk_clients")
    if not isinstance(clients, kind):
        raise TypeError(f"{app.name} was made with {type(clients).__name__}, not {kind.__name__}")
    return clients
