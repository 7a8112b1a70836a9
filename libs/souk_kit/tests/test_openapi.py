"""`/api/<name>/openapi.json` is built from the routes and their pydantic models."""

from enum import StrEnum
from typing import Any

import pytest
from flask import Blueprint
from pydantic import BaseModel, Field

from souk_kit.auth import requires
from souk_kit.http import internal_blueprint
from souk_kit.pagination import PageQuery
from souk_kit.validation import Schema, validate


class Dimensions(BaseModel):
    width_cm: int
    height_cm: int


class ItemIn(Schema):
    name: str = Field(max_length=40)
    dimensions: Dimensions


class ItemOut(BaseModel):
    id: str
    name: str
    dimensions: Dimensions


class SortOrder(StrEnum):
    newest = "newest"
    cheapest = "cheapest"


class ItemQuery(PageQuery):
    q: str = Field(min_length=1)
    sort: SortOrder = SortOrder.newest


bp = Blueprint("openapi_test", __name__, url_prefix="/api/kit")


@bp.get("/shops/<shop>/items/<uuid:item_id>")
@validate(responses={200: ItemOut, 404: None})
def get_item(shop: str, item_id: str) -> dict:
    """Show one item.

    More words that are not part of the summary.
    """
    return {}


@bp.post("/items")
@requires("seller", "admin")
@validate(body=ItemIn, responses={201: ItemOut})
def create_item(body: ItemIn) -> dict:
    return {}


@bp.get("/items")
@validate(query=ItemQuery)
def list_items(query: ItemQuery) -> dict:
    return {}


@bp.get("/me")
@requires()
def me() -> dict:
    return {}


@pytest.fixture
def document(make_app, make_settings) -> dict[str, Any]:
    internal = internal_blueprint("kit")

    @internal.get("/secret")
    def secret() -> dict:
        return {}

    answer = make_app(bp, internal).test_client().get("/api/kit/openapi.json")
    assert answer.status_code == 200
    return answer.json


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs_in(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs_in(value)]
    return []


def test_the_document_is_openapi_3_1_for_this_service(document):
    assert document["openapi"] == "3.1.0"
    assert "kit" in document["info"]["title"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_flask_path_parameters_become_braces_and_are_listed(document):
    path = document["paths"]["/api/kit/shops/{shop}/items/{item_id}"]
    parameters = path["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [
        ("shop", "path", True),
        ("item_id", "path", True),
    ]


def test_the_summary_is_the_first_docstring_line(document):
    operation = document["paths"]["/api/kit/shops/{shop}/items/{item_id}"]["get"]
    assert operation["summary"] == "Show one item."


def test_declared_responses_reference_their_models_and_errors_have_the_error_shape(document):
    responses = document["paths"]["/api/kit/shops/{shop}/items/{item_id}"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ItemOut"
    }
    assert "content" not in responses["404"]
    default = responses["default"]["content"]["application/json"]["schema"]
    assert set(default["required"]) == {"error", "code", "details"}


def test_a_request_body_references_its_component(document):
    operation = document["paths"]["/api/kit/items"]["post"]
    body = operation["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ItemIn"}
    schemas = document["components"]["schemas"]
    assert schemas["ItemIn"]["properties"]["name"]["maxLength"] == 40
    assert "201" in operation["responses"]


def test_nested_models_are_lifted_into_components(document):
    schemas = document["components"]["schemas"]
    assert "$defs" not in schemas["ItemIn"]
    assert schemas["ItemIn"]["properties"]["dimensions"] == {
        "$ref": "#/components/schemas/Dimensions"
    }
    assert set(schemas["Dimensions"]["properties"]) == {"width_cm", "height_cm"}


def test_query_models_become_query_parameters_with_their_requiredness(document):
    parameters = document["paths"]["/api/kit/items"]["get"]["parameters"]
    by_name = {p["name"]: p for p in parameters}
    assert set(by_name) == {"page", "per_page", "q", "sort"}
    assert all(p["in"] == "query" for p in parameters)
    assert by_name["q"]["required"] is True
    assert by_name["page"]["required"] is False
    assert by_name["per_page"]["schema"]["maximum"] == 100


def test_every_reference_in_the_document_points_at_a_component(document):
    # The query model's enum is a $ref too; its definition must be in components.
    schemas = document["components"]["schemas"]
    prefix = "#/components/schemas/"
    dangling = [ref for ref in refs_in(document) if ref.removeprefix(prefix) not in schemas]
    assert dangling == []


def test_routes_with_roles_declare_bearer_security_and_name_the_roles(document):
    create = document["paths"]["/api/kit/items"]["post"]
    assert create["security"] == [{"bearer": []}]
    assert "seller" in create["description"] and "admin" in create["description"]
    me = document["paths"]["/api/kit/me"]["get"]
    assert me["security"] == [{"bearer": []}]


def test_public_routes_declare_no_security(document):
    assert "security" not in document["paths"]["/api/kit/items"]["get"]
    assert "security" not in document["paths"]["/api/kit/shops/{shop}/items/{item_id}"]["get"]


def test_internal_routes_and_head_options_are_left_out(document):
    assert not [path for path in document["paths"] if path.startswith("/internal")]
    for operations in document["paths"].values():
        assert not {"head", "options"} & set(operations)
    assert "/api/kit/health" in document["paths"]
