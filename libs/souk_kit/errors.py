"""The error family every service raises, and the handlers that turn any error into API.md's shape."""

import logging
from typing import Any, TypedDict

from flask import Flask, Response, jsonify
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger("souk.errors")


class ErrorBody(TypedDict):
    """Every error answer's JSON (API.md): a message for people, a code for programs."""

    error: str
    code: str
    details: dict[str, Any]


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> ErrorBody:
    return {"error": message, "code": code, "details": details or {}}


class ApiError(Exception):
    status = 500
    code = "internal_error"
    message = "Something went wrong on our side"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}
        self.headers = headers or {}

    @property
    def body(self) -> ErrorBody:
        return error_body(self.code, self.message, self.details)


class ValidationError(ApiError):
    status = 400
    code = "validation_error"
    message = "The request is not valid"


class UnauthorizedError(ApiError):
    status = 401
    code = "unauthorized"
    message = "Sign in to do this"


class PaymentDeclinedError(ApiError):
    status = 402
    code = "payment_declined"
    message = "The payment was declined"


class ForbiddenError(ApiError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do this"


class NotFoundError(ApiError):
    status = 404
    code = "not_found"
    message = "Not found"


class ConflictError(ApiError):
    status = 409
    code = "conflict"
    message = "The request conflicts with the current state"


class PayloadTooLargeError(ApiError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large"


class UnsupportedMediaTypeError(ApiError):
    status = 415
    code = "unsupported_media_type"
    message = "Unsupported media type"


class RateLimitedError(ApiError):
    status = 429
    code = "rate_limited"
    message = "Too many requests; try again later"


class DependencyError(ApiError):
    status = 503
    code = "dependency_unavailable"
    message = "A service this request needs is unavailable; try again shortly"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code, error.message, error.details, error.headers)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        message = (
            (error.description or error.name)
            if status < 500
            else "Something went wrong on our side"
        )
        code = _HTTP_CODES.get(status, "http_error")
        if status == 400 and "JSON" in (error.description or ""):
            code, message = "malformed_json", "The request body is not valid JSON"
        return error_response(status, code, message, headers=headers)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)  # the driver's "connection already closed"
    @app.errorhandler(sa_exc.TimeoutError)
    def handle_database_trouble(error: Exception) -> Response:
        pgcode = getattr(getattr(error, "orig", None), "pgcode", None) or ""
        if pgcode in ("40001", "40P01"):  # serialization failure, deadlock: the client may retry
            log.warning("transaction conflict: %s", pgcode)
            return error_response(409, "try_again", "The request collided with another; try again")
        # The pool drops every connection of a failed server by itself, so the next request
        # reconnects: no ping before each use is needed.
        log.warning("database unavailable: %s", error.__class__.__name__)
        return error_response(
            503, "database_unavailable", "The database is unavailable; try again shortly"
        )

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return error_response(500, "internal_error", "Something went wrong on our side")
