"""The OpenAPI 3.1 document of a service, built from its routes and their pydantic models."""

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel

from souk_kit.validation import RouteSpec

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")
_REF_TEMPLATE = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "code", "details"],
    "properties": {
        "error": {"type": "string"},
        "code": {"type": "string"},
        "details": {"type": "object"},
    },
}


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=_REF_TEMPLATE)
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": _REF_TEMPLATE.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF_TEMPLATE)
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(
    spec: RouteSpec, path_params: list[str], components: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {"responses": {}}
    if spec.summary:
        operation["summary"] = spec.summary
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_params
    ]
    if spec.query is not None:
        parameters += _query_parameters(spec.query, components)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(spec.body, components)}},
        }
    if spec.roles:
        operation["security"] = [{"bearer": []}]
        operation["description"] = "Roles: " + ", ".join(spec.roles)
    for status, model in (spec.responses or {200: None}).items():
        response: dict[str, Any] = {"description": "OK" if status < 400 else "Error"}
        if model is not None:
            response["content"] = {"application/json": {"schema": _schema_ref(model, components)}}
        operation["responses"][str(status)] = response
    error = {"description": "Error", "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    operation["responses"].setdefault("default", error)
    return operation


def build_openapi(app: Flask, service: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        spec: RouteSpec = getattr(view, "_souk_spec", None) or RouteSpec()
        path = _PARAM.sub(r"{\1}", rule.rule)
        params = _PARAM.findall(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(spec, params, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"Souk {service} service", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
