"""Calls between services through the gateway's internal listener, and guarding internal routes."""

import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

import orjson
from flask import Blueprint, current_app, g, has_request_context, request
from urllib3 import BaseHTTPResponse, PoolManager, Timeout
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import HTTPError, ReadTimeoutError
from urllib3.util.retry import Retry

from souk_kit.errors import DependencyError, NotFoundError
from souk_kit.settings import ServiceSettings

log = logging.getLogger("souk.http")
SERVICE_TOKEN_HEADER = "X-Service-Token"
T = TypeVar("T")


@dataclass(frozen=True)
class ServiceResponse:
    status: int
    data: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _Retry(Retry):
    """Never retries a read timeout: a callee slow to answer is not waited for three times."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool, _stacktrace)


class ServiceClient:
    """A client for one other service's internal routes.

    Every call has connect and read timeouts. GETs are retried on connection errors and
    502/503/504; a write is retried only when it carries an idempotency key the callee honours.
    Transport failures and 5xx answers raise `DependencyError` (503 to our own client).

    Built on urllib3 itself (pooled keep-alive connections) rather than requests, whose
    per-call preparation cost more CPU than urllib3's whole call; calls stay inside the
    deployment, so no proxy or .netrc settings are read from the environment.
    """

    def __init__(self, settings: ServiceSettings, service: str) -> None:
        self.service = service
        self.base_url = f"{settings.internal_url.rstrip('/')}/internal/{service}"
        self.timeout = Timeout(
            connect=settings.http_connect_timeout, read=settings.http_read_timeout
        )
        self._token = settings.service_token.get_secret_value()
        self._http = PoolManager(maxsize=32)
        self._plain = self._retry(0)
        self._retrying = self._retry(2)

    @staticmethod
    def _retry(retries: int) -> Retry:
        return _Retry(
            total=retries,
            connect=retries,
            # A read error includes an answer cut after its headers (its replica died
            # mid-body): the body is read inside the call, so a safe call is sent again.
            read=retries,
            status=retries,
            redirect=False,
            backoff_factor=0.05,
            status_forcelist=(502, 503, 504),
            allowed_methods=None,  # which calls may retry is decided per call, see request()
            raise_on_status=False,
        )

    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        headers = {SERVICE_TOKEN_HEADER: self._token}
        if has_request_context():
            headers["X-Request-ID"] = g.get("request_id", "")
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> ServiceResponse:
        safe = method.upper() in ("GET", "HEAD") or idempotency_key is not None
        url = self.base_url + path
        if params:
            url += "?" + urlencode(params, doseq=True)
        headers = self._headers(idempotency_key)
        body = None
        if json is not None:
            body = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        try:
            response = self._http.request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=self.timeout,
                retries=self._retrying if safe else self._plain,
            )
        except HTTPError as error:
            log.warning("%s %s%s failed: %s", method, self.service, path, error)
            raise DependencyError(details={"service": self.service}) from None
        if response.status >= 500:
            log.warning("%s %s%s answered %s", method, self.service, path, response.status)
            raise DependencyError(details={"service": self.service})
        try:
            data = orjson.loads(response.data) if response.data else None
        except ValueError:
            raise DependencyError(details={"service": self.service}) from None
        return ServiceResponse(response.status, data)

    def get(self, path: str, params: dict[str, Any] | None = None) -> ServiceResponse:
        return self.request("GET", path, params=params)

    def get_items(
        self, path: str, ids: Iterable[object], parse: Callable[[dict[str, Any]], T]
    ) -> list[T]:
        """`GET <path>?ids=a,b` → the answer's `items`, each read by `parse` (one call for many
        ids)."""
        wanted = ",".join(sorted({str(i) for i in ids}))
        if not wanted:
            return []
        return self.get_list(path, {"ids": wanted}, parse)

    def get_list(
        self, path: str, params: dict[str, Any], parse: Callable[[dict[str, Any]], T]
    ) -> list[T]:
        """`GET <path>?<params>` → the answer's `items`, each read by `parse`. An answer that is
        not a list of items, or an item `parse` cannot read, counts as the dependency failing
        (503)."""
        answer = self.get(path, params=params)
        try:
            if not answer.ok:
                raise ValueError(answer.status)
            return [parse(item) for item in answer.data["items"]]
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise DependencyError(details={"service": self.service}) from None

    def post(
        self, path: str, json: Any = None, *, idempotency_key: str | None = None
    ) -> ServiceResponse:
        return self.request("POST", path, json=json, idempotency_key=idempotency_key)


def internal_blueprint(service: str, *, suffix: str = "internal") -> Blueprint:
    """A blueprint under `/internal/<service>` that only other services (with the app's
    service token) reach; anyone else gets a 404, as if it were not there."""
    blueprint = Blueprint(f"{service}_{suffix}", __name__, url_prefix=f"/internal/{service}")

    @blueprint.before_request
    def require_service_token() -> None:
        settings: ServiceSettings = current_app.config["SOUK_SETTINGS"]
        expected = settings.service_token.get_secret_value().encode()
        sent = request.headers.get(SERVICE_TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(sent, expected):
            raise NotFoundError()

    return blueprint
