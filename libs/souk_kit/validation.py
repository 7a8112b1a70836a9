"""Request validation at the edge with pydantic; the same models feed the OpenAPI document."""

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from flask import current_app, request
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from souk_kit.errors import ApiError, NotFoundError, UnsupportedMediaTypeError, ValidationError

_Moment = TypeVar("_Moment", datetime, datetime | None)


def as_utc(value: _Moment) -> _Moment:
    """A time in UTC (a naive one is taken to be UTC already): PostgreSQL and the API speak UTC,
    and PostgreSQL refuses offsets that Python accepts."""
    if value is None:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:00 is in year 0 in UTC
        raise ValueError("the time is out of range") from None


# A time field of a body or query, in UTC.
UtcDateTime = Annotated[datetime, AfterValidator(as_utc)]


class MessageOut(BaseModel):
    """The answer of an action that returns nothing else (`{"message": "Item removed"}`)."""

    message: str


# A Flask view: its answer is whatever Flask makes a response of.
View = Callable[..., Any]
_Data = TypeVar("_Data")


class Schema(BaseModel):
    """Base of request bodies: unknown fields are ignored (they never grant anything)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


@dataclass
class RouteSpec:
    summary: str | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    public: bool = True


def route_spec(view: Callable[..., Any]) -> RouteSpec:
    """The spec attached to a view, created on first use (decorators share it)."""
    spec: RouteSpec | None = getattr(view, "_souk_spec", None)
    if spec is None:
        spec = RouteSpec()
        view._souk_spec = spec  # type: ignore[attr-defined]
    return spec


def field_errors(error: PydanticValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(name, item["msg"])
    return fields


def parse_model(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except PydanticValidationError as error:
        raise ValidationError(
            f"The {what} is not valid", details={"fields": field_errors(error)}
        ) from None


def maybe_uuid(raw: Any) -> uuid.UUID | None:
    """`raw` as a UUID, or None when it is not one (for lookups that skip what cannot exist)."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def parse_uuid(
    raw: str | uuid.UUID, not_found: ApiError | type[ApiError] = NotFoundError
) -> uuid.UUID:
    """An id from a path or a message as a UUID; anything else raises `not_found` (an id
    that cannot exist names nothing, so it is not found rather than invalid)."""
    parsed = maybe_uuid(raw)
    if parsed is None:
        raise not_found() if isinstance(not_found, type) else not_found
    return parsed


MAX_JSON_DEPTH = 64


def _nul_path(data: Any) -> str | None:
    """The dotted path of the first string holding a NUL character, if any."""
    pending: list[tuple[Any, str]] = [(data, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return path or "body"
                pending.append((item, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, list):
            pending.extend(
                (item, f"{path}.{i}" if path else str(i)) for i, item in enumerate(value)
            )
    return None


def _depth(data: Any) -> int:
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                items = value.values() if isinstance(value, dict) else value
                pending.extend((item, depth + 1) for item in items)
    return deepest


def _refuse_nul(data: _Data) -> _Data:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the driver.
    path = _nul_path(data)
    if path is not None:
        raise ValidationError(
            "Text may not contain NUL characters",
            details={"fields": {path: "may not contain NUL characters"}},
        )
    return data


def json_body() -> Any:
    if not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise UnsupportedMediaTypeError("Send the body as application/json")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser can follow
        data = None
    if data is None:
        raise ValidationError("The request body is not valid JSON", code="malformed_json")
    if _depth(data) > MAX_JSON_DEPTH:
        raise ValidationError(
            f"The request body is nested more than {MAX_JSON_DEPTH} levels deep",
            code="malformed_json",
        )
    return _refuse_nul(data)


def _takes_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, set, frozenset, tuple):
        return True
    if origin in (Union, UnionType):
        return any(_takes_many(arg) for arg in get_args(annotation))
    return False


@functools.cache
def _repeatable_parameters(model: type[BaseModel]) -> frozenset[str]:
    """The query parameters of `model` that take a list (read once per model)."""
    return frozenset(
        info.alias or name
        for name, info in model.model_fields.items()
        if _takes_many(info.annotation)
    )


def query_args(model: type[BaseModel]) -> dict[str, Any]:
    many = _repeatable_parameters(model)
    args = {
        key: values if len(values) > 1 or key in many else values[0]
        for key, values in request.args.lists()
    }
    return _refuse_nul(args)


def to_response(result: Any) -> Any:
    """Let views return pydantic models (optionally with a status) as JSON."""
    if isinstance(result, tuple) and result and isinstance(result[0], BaseModel):
        return (current_app.json.response(result[0].model_dump(mode="python")), *result[1:])
    if isinstance(result, BaseModel):
        return current_app.json.response(result.model_dump(mode="python"))
    return result


def validate(
    *,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    responses: dict[int, type[BaseModel] | None] | None = None,
    summary: str | None = None,
) -> Callable[[Callable[..., Any]], View]:
    """Parse the JSON body and/or query string into models passed as `body=` / `query=`; the
    view's answer (a model, a list of them, a dict, with a status or not) becomes JSON."""

    def decorate(view: Callable[..., Any]) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if body is not None:
                kwargs["body"] = parse_model(body, json_body(), "request body")
            if query is not None:
                kwargs["query"] = parse_model(query, query_args(query), "query string")
            return to_response(view(*args, **kwargs))

        spec = route_spec(wrapper)
        spec.body, spec.query = body, query
        spec.responses = dict(responses or {})
        spec.summary = summary or (view.__doc__ or "").strip().split("\n")[0] or None
        return wrapper

    return decorate
