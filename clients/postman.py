"""`python -m clients.postman` (`make postman`): the Postman collection and environment,
generated from the eight services' OpenAPI documents.

The collection has a folder per service holding every public operation (bearer auth from
`{{access_token}}`, requests against `{{base_url}}`, an example body where the schema is
simple) and a folder "Flows": the journey sign in → browse → cart → checkout → track as
ordered requests with test scripts, which CI runs with newman against a live gateway.

The output is deterministic (sorted, ids from uuid5), so regenerating an unchanged API
changes nothing; `--check` exits 1 when the committed files differ from a fresh generation.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from clients.flows import bearer, flows_folder, json_body
from clients.openapi import openapi_documents

HERE = Path(__file__).resolve().parent
COLLECTION_FILE = HERE / "souk.postman_collection.json"
ENVIRONMENT_FILE = HERE / "souk.postman_environment.json"
SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://souk.example/postman")
DEFAULT_BASE_URL = "http://localhost:8080"
_EXAMPLE_DEPTH = 6
_METHOD_ORDER = ("get", "post", "put", "patch", "delete")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def build_collection(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    folders = [service_folder(name, document) for name, document in documents.items()]
    return {
        "info": {
            "_postman_id": stable_id("collection"),
            "name": "Souk",
            "description": (
                "Generated from the services' OpenAPI documents by `make postman`; do not "
                "edit by hand. Set `base_url` (the gateway) and, for the service folders, "
                "`access_token` (from POST /api/auth/login). The Flows folder signs in as "
                "`admin_email`/`admin_password` and runs a whole purchase."
            ),
            "schema": SCHEMA,
        },
        "auth": bearer("access_token"),
        "variable": [{"key": "base_url", "value": DEFAULT_BASE_URL, "type": "string"}],
        "item": [*folders, flows_folder(stable_id)],
    }


def build_environment() -> dict[str, Any]:
    """No secrets: the admin's email and password are filled in by whoever runs it."""
    values = [
        ("base_url", DEFAULT_BASE_URL, "default"),
        ("admin_email", "", "default"),
        ("admin_password", "", "secret"),
        ("access_token", "", "secret"),
    ]
    return {
        "id": stable_id("environment"),
        "name": "Souk (local)",
        "values": [
            {"key": key, "value": value, "type": kind, "enabled": True}
            for key, value, kind in values
        ],
        "_postman_variable_scope": "environment",
    }


def service_folder(service: str, document: dict[str, Any]) -> dict[str, Any]:
    components = document.get("components", {}).get("schemas", {})
    items = []
    for path in sorted(document["paths"]):
        operations = document["paths"][path]
        for method in sorted(operations, key=_METHOD_ORDER.index):
            items.append(operation_item(service, path, method, operations[method], components))
    return {
        "name": service,
        "id": stable_id("folder", service),
        "description": document.get("info", {}).get("title", service),
        "item": items,
    }


def operation_item(
    service: str, path: str, method: str, operation: dict[str, Any], components: dict[str, Any]
) -> dict[str, Any]:
    parameters = operation.get("parameters", [])
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": [],
        "url": url(
            path,
            query=[p for p in parameters if p["in"] == "query"],
            variables=[p["name"] for p in parameters if p["in"] == "path"],
        ),
    }
    description = "\n\n".join(
        text for text in (operation.get("summary"), operation.get("description")) if text
    )
    if description:
        request["description"] = description
    if not operation.get("security"):
        request["auth"] = {"type": "noauth"}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = json_body(example(body["schema"], components, _EXAMPLE_DEPTH))
    return {
        "name": f"{method.upper()} {path}",
        "id": stable_id("operation", service, method, path),
        "request": request,
        "response": [],
    }


def url(
    path: str, query: list[dict[str, Any]] | None = None, variables: list[str] | None = None
) -> dict[str, Any]:
    """A Postman URL: `{name}` path parameters become `:name` variables; query parameters
    are listed but disabled, so a request sends only those a user switches on."""
    segments = [
        f":{segment[1:-1]}" if segment.startswith("{") and segment.endswith("}") else segment
        for segment in path.strip("/").split("/")
    ]
    if path.endswith("/"):
        segments.append("")
    result: dict[str, Any] = {
        "raw": "{{base_url}}/" + "/".join(segments),
        "host": ["{{base_url}}"],
        "path": segments,
    }
    if query:
        result["query"] = [
            {"key": p["name"], "value": "", "disabled": True, "description": _describe(p)}
            for p in query
        ]
    if variables:
        result["variable"] = [{"key": name, "value": ""} for name in variables]
    return result


def _describe(parameter: dict[str, Any]) -> str:
    schema = _first_option(parameter.get("schema", {}))
    words = ["required" if parameter.get("required") else "optional", schema.get("type", "")]
    if "enum" in schema:
        words.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    return " ".join(word for word in words if word)


def _first_option(schema: dict[str, Any]) -> dict[str, Any]:
    """The first non-null branch of an `anyOf`/`oneOf` (pydantic's `X | None`)."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            if options:
                merged = {k: v for k, v in schema.items() if k not in (key, "default")}
                return {**merged, **_first_option(options[0])}
    return schema


_STRING_EXAMPLES = {
    "email": "user@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
}
_NAMED_EXAMPLES: dict[str, Any] = {
    "email": "user@example.com",
    "phone": "+20 100 000 0000",
    "country": "EG",
    "zone": "north",
    "currency": "USD",
}


def example(schema: dict[str, Any], components: dict[str, Any], depth: int, name: str = "") -> Any:
    """A value that satisfies simple schemas: required fields (every field when none is
    required), enums' first member, lengths and minimums respected."""
    schema = _first_option(schema)
    if "$ref" in schema:
        if depth <= 0:
            return {}
        target = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return example(target, components, depth - 1, name)
    for key in ("example", "const"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    if name in _NAMED_EXAMPLES and schema.get("type", "string") == "string":
        return _NAMED_EXAMPLES[name]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        chosen = schema.get("required") or list(properties)
        return {
            key: example(properties[key], components, depth - 1, key)
            for key in chosen
            if key in properties and depth > 0
        }
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example(schema.get("items", {}), components, depth - 1, name)] * count
    if kind in ("integer", "number"):
        for bound in ("minimum", "ge"):
            if bound in schema:
                return schema[bound]
        for bound in ("exclusiveMinimum", "gt"):
            if bound in schema:
                return int(float(schema[bound])) + 1
        return 1
    if kind == "boolean":
        return True
    if schema.get("format") in _STRING_EXAMPLES:
        return _STRING_EXAMPLES[schema["format"]]
    text = name or "string"
    minimum = int(schema.get("minLength", 0))
    if len(text) < minimum:
        text = (text + "-example" * minimum)[:minimum]
    return text[: int(schema.get("maxLength", len(text)))]


def render(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def generate() -> dict[Path, str]:
    """Each file's path and its freshly generated text."""
    return {
        COLLECTION_FILE: render(build_collection(openapi_documents())),
        ENVIRONMENT_FILE: render(build_environment()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clients.postman", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed files are out of date"
    )
    args = parser.parse_args(argv)
    stale = []
    for path, text in generate().items():
        current = path.read_text() if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text)
    for path in stale:
        verb = "is out of date" if args.check else "written"
        print(f"{path.relative_to(HERE.parent)} {verb}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
