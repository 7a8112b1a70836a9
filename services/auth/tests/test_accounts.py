from souk_kit.testing import schema_drift

from services.auth.models import Base
from services.auth.tests.conftest import bearer


def test_register_creates_a_customer_and_ignores_a_role_in_the_body(client):
    answer = client.post(
        "/api/auth/register",
        json={"email": "Eve@Example.com", "password": "long enough", "role": "admin"},
    )
    assert answer.status_code == 201
    assert answer.json["role"] == "customer"
    assert answer.json["message"] == "User registered"
    assert answer.json["email"] == "eve@example.com"


def test_the_same_email_in_another_case_is_taken(client, register):
    register("ada@example.com")
    answer = client.post(
        "/api/auth/register", json={"email": "ADA@example.com", "password": "another one"}
    )
    assert answer.status_code == 409
    assert answer.json["code"] == "email_taken"


def test_bad_email_and_short_password_name_both_fields(client):
    answer = client.post("/api/auth/register", json={"email": "nope", "password": "short"})
    assert answer.status_code == 400
    assert set(answer.json["details"]["fields"]) == {"email", "password"}
    assert answer.json["code"] == "validation_error"


def test_over_long_name_is_refused(client):
    answer = client.post(
        "/api/auth/register",
        json={"email": "a@example.com", "password": "long enough", "name": "x" * 101},
    )
    assert answer.status_code == 400
    assert "name" in answer.json["details"]["fields"]


def test_malformed_json_gets_a_json_400(client):
    answer = client.post("/api/auth/register", data="{not json", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json["code"] == "malformed_json"


def test_a_body_that_is_not_json_gets_415(client):
    answer = client.post("/api/auth/register", data="email=a", content_type="text/plain")
    assert answer.status_code == 415
    assert answer.json["code"] == "unsupported_media_type"


def test_a_json_array_is_a_validation_error(client):
    answer = client.post("/api/auth/register", json=["a"])
    assert answer.status_code == 400


def test_unknown_paths_and_methods_answer_json(client):
    assert client.get("/api/auth/nothing-here").json["code"] == "not_found"
    answer = client.delete("/api/auth/register")
    assert answer.status_code == 405
    assert answer.json["code"] == "method_not_allowed"


def test_trailing_slash_reaches_the_same_route(client):
    answer = client.post(
        "/api/auth/register/", json={"email": "slash@example.com", "password": "long enough"}
    )
    assert answer.status_code == 201


def test_profile_update_keeps_addresses(client, register, login):
    register()
    token = login()["access_token"]
    address = {"line1": "1 Souk Street", "city": "Cairo", "country": "EG", "label": "home"}
    answer = client.patch(
        "/api/auth/me",
        json={"name": "Ada", "phone": "+20 100 000 0000", "addresses": [address]},
        headers=bearer(token),
    )
    assert answer.status_code == 200
    me = client.get("/api/auth/me", headers=bearer(token)).json
    assert me["name"] == "Ada"
    assert me["phone"] == "+20 100 000 0000"
    assert me["addresses"][0]["city"] == "Cairo"
    assert me["role"] == "customer"
    assert me["created_at"].endswith("Z")


def test_an_address_without_a_city_is_refused(client, register, login):
    register()
    token = login()["access_token"]
    answer = client.patch(
        "/api/auth/me", json={"addresses": [{"line1": "x", "country": "EG"}]}, headers=bearer(token)
    )
    assert answer.status_code == 400
    assert "addresses.0.city" in answer.json["details"]["fields"]


def test_health_answers_ok_with_the_database(client):
    answer = client.get("/api/auth/health")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok"


def test_openapi_documents_routes_with_their_schemas(client):
    doc = client.get("/api/auth/openapi.json").json
    register = doc["paths"]["/api/auth/register"]["post"]
    assert register["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "RegisterBody"
    )
    assert "RegisterBody" in doc["components"]["schemas"]
    assert "/api/auth/users/{user_id}" in doc["paths"]


def test_models_and_migrations_agree(migrated_url):
    assert schema_drift(Base.metadata, migrated_url) == []


def test_a_nul_character_is_refused_not_a_server_error(client):
    answer = client.post(
        "/api/auth/register", json={"email": "n@example.com", "password": "long\u0000enough"}
    )
    assert answer.status_code == 400
    assert answer.json["error"] == "Text may not contain NUL characters"
