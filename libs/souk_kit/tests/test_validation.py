"""`@validate`: bodies and query strings parsed into models at the edge; models returned as JSON."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import Blueprint
from pydantic import BaseModel, Field

from souk_kit.validation import Schema, validate


class Address(Schema):
    city: str = Field(min_length=1)
    zip: str = Field(pattern=r"^\d{5}$")


class ItemIn(Schema):
    name: str = Field(min_length=1, max_length=20)
    price: Decimal
    tags: list[str] = []
    address: Address | None = None


class Filters(Schema):
    note: str | None = None


class SearchQuery(BaseModel):
    q: str | None = None
    tag: list[str] = []
    limit: int = 10


class ItemOut(BaseModel):
    id: uuid.UUID
    price: Decimal
    created_at: datetime


ITEM_ID = uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")
PRICE = Decimal("19.90")
CREATED_AT = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)

bp = Blueprint("validation_test", __name__, url_prefix="/api/kit")


@bp.post("/items")
@validate(body=ItemIn)
def create_item(body: ItemIn) -> dict:
    return {"name": body.name, "price": body.price, "tags": body.tags}


@bp.post("/filters")
@validate(body=Filters)
def filters(body: Filters) -> dict:
    return {"note": body.note}


@bp.get("/search")
@validate(query=SearchQuery)
def search(query: SearchQuery) -> dict:
    return query.model_dump()


@bp.get("/item")
@validate(responses={200: ItemOut})
def one_item() -> ItemOut:
    return ItemOut(id=ITEM_ID, price=PRICE, created_at=CREATED_AT)


@bp.post("/item")
@validate()
def created_item() -> tuple[ItemOut, int]:
    return ItemOut(id=ITEM_ID, price=PRICE, created_at=CREATED_AT), 201


@bp.get("/item-in-berlin-time")
@validate()
def item_in_berlin_time() -> ItemOut:
    summer = timezone(timedelta(hours=2))
    return ItemOut(id=ITEM_ID, price=PRICE, created_at=CREATED_AT.astimezone(summer))


@bp.post("/located")
@validate()
def located() -> tuple[dict, int, dict]:
    return {"id": str(ITEM_ID)}, 201, {"Location": f"/api/kit/items/{ITEM_ID}"}


@pytest.fixture
def client(make_app):
    return make_app(bp).test_client()


def test_a_valid_body_reaches_the_view_as_a_model(client):
    answer = client.post("/api/kit/items", json={"name": " lamp ", "price": "19.90"})
    assert answer.status_code == 200
    assert answer.json == {"name": "lamp", "price": "19.90", "tags": []}


def test_unknown_body_fields_are_ignored(client):
    answer = client.post("/api/kit/items", json={"name": "lamp", "price": 3, "role": "admin"})
    assert answer.status_code == 200


def test_a_missing_body_is_parsed_as_an_empty_object(client):
    answer = client.post("/api/kit/filters")
    assert answer.status_code == 200
    assert answer.json == {"note": None}


def test_a_missing_body_where_fields_are_required_lists_them(client):
    answer = client.post("/api/kit/items")
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert set(answer.json["details"]["fields"]) == {"name", "price"}


def test_a_body_that_is_not_json_is_415(client):
    answer = client.post("/api/kit/items", data="name=lamp", content_type="text/plain")
    assert answer.status_code == 415
    assert answer.json["code"] == "unsupported_media_type"


def test_a_form_encoded_body_is_415(client):
    answer = client.post("/api/kit/items", data={"name": "lamp"})
    assert answer.status_code == 415


def test_malformed_json_is_400_malformed_json(client):
    answer = client.post("/api/kit/items", data='{"name": ', content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["code"] == "malformed_json"
    assert set(answer.json) == {"error", "code", "details"}


def test_a_json_array_where_an_object_is_required_is_400(client):
    answer = client.post("/api/kit/items", json=[{"name": "lamp", "price": 1}])
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert list(answer.json["details"]["fields"]) == ["body"]


def test_field_errors_are_listed_by_dotted_path(client):
    answer = client.post(
        "/api/kit/items",
        json={
            "name": "",
            "price": "cheap",
            "tags": ["ok", 5],
            "address": {"city": "Oslo", "zip": "12"},
        },
    )
    assert answer.status_code == 400
    fields = answer.json["details"]["fields"]
    assert set(fields) == {"name", "price", "tags.1", "address.zip"}
    assert all(isinstance(message, str) and message for message in fields.values())


def test_a_nul_character_in_a_body_string_is_400_naming_the_field(client):
    answer = client.post("/api/kit/items", json={"name": "la\x00mp", "price": 1})
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert list(answer.json["details"]["fields"]) == ["name"]


def test_a_nul_character_deep_in_a_body_is_named_by_its_dotted_path(client):
    body = {"name": "lamp", "price": 1, "tags": ["ok", "b\x00d"]}
    answer = client.post("/api/kit/items", json=body)
    assert answer.status_code == 400
    assert list(answer.json["details"]["fields"]) == ["tags.1"]
    body = {"name": "lamp", "price": 1, "address": {"city": "\x00", "zip": "12345"}}
    assert list(client.post("/api/kit/items", json=body).json["details"]["fields"]) == [
        "address.city"
    ]


def test_a_nul_character_in_a_query_string_is_400_naming_the_parameter(client):
    answer = client.get("/api/kit/search?q=la%00mp")
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert list(answer.json["details"]["fields"]) == ["q"]
    repeated = client.get("/api/kit/search?tag=ok&tag=%00")
    assert list(repeated.json["details"]["fields"]) == ["tag.1"]


def test_query_strings_are_parsed_and_repeated_keys_become_lists(client):
    answer = client.get("/api/kit/search?q=lamp&tag=red&tag=blue&limit=5")
    assert answer.status_code == 200
    assert answer.json == {"q": "lamp", "tag": ["red", "blue"], "limit": 5}


def test_a_list_parameter_given_once_is_a_list_of_one(client):
    answer = client.get("/api/kit/search?tag=red")
    assert answer.status_code == 200
    assert answer.json["tag"] == ["red"]


def test_a_bad_query_value_is_400_naming_the_parameter(client):
    answer = client.get("/api/kit/search?limit=many")
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
    assert list(answer.json["details"]["fields"]) == ["limit"]


def test_a_repeated_key_for_a_single_value_parameter_is_400_not_silently_the_first(client):
    answer = client.get("/api/kit/search?q=lamp&q=desk")
    assert answer.status_code == 400
    assert list(answer.json["details"]["fields"]) == ["q"]


def test_a_returned_model_is_json_with_decimals_as_strings_and_utc_times_with_z(client):
    answer = client.get("/api/kit/item")
    assert answer.status_code == 200
    assert answer.json == {
        "id": str(ITEM_ID),
        "price": "19.90",
        "created_at": "2024-05-01T12:30:00Z",
    }


def test_a_returned_model_and_status_use_that_status(client):
    answer = client.post("/api/kit/item")
    assert answer.status_code == 201
    assert answer.json["price"] == "19.90"
    assert answer.json["created_at"] == "2024-05-01T12:30:00Z"


def test_a_returned_model_shows_a_time_with_another_offset_in_utc_with_z(client):
    # A dict return gets this from the app's JSON provider; a model return must agree.
    answer = client.get("/api/kit/item-in-berlin-time")
    assert answer.json["created_at"] == "2024-05-01T12:30:00Z"


def test_a_plain_body_status_and_headers_return_keeps_its_headers(client):
    answer = client.post("/api/kit/located")
    assert answer.status_code == 201
    assert answer.json == {"id": str(ITEM_ID)}
    assert answer.headers.get("Location") == f"/api/kit/items/{ITEM_ID}"
