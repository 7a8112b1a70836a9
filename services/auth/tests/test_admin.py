import uuid

import pytest

from services.auth.tests.conftest import bearer


def test_a_customer_gets_403_on_admin_routes(client, tokens):
    answer = client.get("/api/auth/users", headers=tokens.headers("customer"))
    assert answer.status_code == 403
    assert answer.json["code"] == "forbidden"


def test_admin_registers_a_shop_and_a_courier(client, tokens, login):
    admin = tokens.headers("admin")
    seller = client.post(
        "/api/auth/users",
        json={
            "email": "shop@example.com",
            "password": "shop password",
            "name": "Sam",
            "role": "seller",
            "shop_name": "Sam's Spices",
        },
        headers=admin,
    )
    assert seller.status_code == 201
    assert seller.json["shop_name"] == "Sam's Spices"
    courier = client.post(
        "/api/auth/users",
        json={
            "email": "run@example.com",
            "password": "courier pass",
            "name": "Rui",
            "role": "courier",
            "zone": "north",
        },
        headers=admin,
    )
    assert courier.status_code == 201
    assert login("shop@example.com", "shop password")["role"] == "seller"

    couriers = client.get("/api/auth/users?role=courier", headers=admin).json
    assert couriers["total"] == 1
    assert couriers["items"][0]["zone"] == "north"
    found = client.get("/api/auth/users?q=spice", headers=admin).json
    assert found["total"] == 0
    found = client.get("/api/auth/users?q=SHOP@", headers=admin).json
    assert [u["email"] for u in found["items"]] == ["shop@example.com"]


def test_a_seller_without_a_shop_name_is_refused(client, tokens):
    answer = client.post(
        "/api/auth/users",
        json={"email": "s@example.com", "password": "long enough", "name": "S", "role": "seller"},
        headers=tokens.headers("admin"),
    )
    assert answer.status_code == 400


def test_per_page_over_100_is_refused(client, tokens):
    answer = client.get("/api/auth/users?per_page=101", headers=tokens.headers("admin"))
    assert answer.status_code == 400
    assert "per_page" in answer.json["details"]["fields"]


def test_disabling_a_user_refuses_their_token_and_their_sign_in(client, tokens, register, login):
    user_id = register()["user_id"]
    token = login()["token"]
    answer = client.patch(
        f"/api/auth/users/{user_id}", json={"active": False}, headers=tokens.headers("admin")
    )
    assert answer.status_code == 200
    assert answer.json["active"] is False
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    again = client.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert again.status_code == 401


def test_an_admin_cannot_disable_themselves(client, tokens, register):
    user_id = register()["user_id"]
    answer = client.patch(
        f"/api/auth/users/{user_id}",
        json={"active": False},
        headers=tokens.headers("admin", user_id=user_id),
    )
    assert answer.status_code == 409


def test_deleting_a_user_frees_nothing_but_ends_everything(client, tokens, register, login):
    user_id = register()["user_id"]
    token = login()["token"]
    admin = tokens.headers("admin")
    assert client.delete(f"/api/auth/users/{user_id}", headers=admin).status_code == 200
    assert client.get(f"/api/auth/users/{user_id}", headers=admin).status_code == 404
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
    assert client.delete(f"/api/auth/users/{user_id}", headers=admin).status_code == 404


def test_unknown_user_ids_are_404_not_500(client, tokens):
    answer = client.get("/api/auth/users/not-a-uuid", headers=tokens.headers("admin"))
    assert answer.status_code == 404


def test_users_lookup_for_services_names_each_user_and_their_address(
    client, register, internal_headers
):
    user_id = register(email="Ada@Example.com", name="Ada")["user_id"]
    answer = client.get(f"/internal/auth/users?ids={user_id},junk", headers=internal_headers)
    [ada] = answer.json["items"]
    assert (ada["name"], ada["email"], ada["active"]) == ("Ada", "ada@example.com", True)


def test_users_lookup_by_role_lists_every_courier_but_not_deleted_ones(
    client, tokens, internal_headers
):
    admin = tokens.headers("admin")
    ids = {}
    for name in ["Zed Courier", "Amal Courier", "Gone Courier"]:
        created = client.post(
            "/api/auth/users",
            json={
                "email": f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com",
                "password": "long-enough-password",
                "name": name,
                "role": "courier",
                "zone": "north",
            },
            headers=admin,
        )
        assert created.status_code == 201, created.json
        ids[name] = created.json["user_id"]
    assert client.delete(f"/api/auth/users/{ids['Gone Courier']}", headers=admin).status_code == 200

    answer = client.get("/internal/auth/users?role=courier", headers=internal_headers)
    assert answer.status_code == 200
    listed = [item for item in answer.json["items"] if item["user_id"] in ids.values()]
    assert [item["name"] for item in listed] == ["Amal Courier", "Zed Courier"]
    assert all(item["role"] == "courier" and item["zone"] == "north" for item in listed)


@pytest.mark.parametrize("query", ["", "?ids=x&role=courier", "?role=pilot"])
def test_users_lookup_needs_either_ids_or_a_known_role(client, internal_headers, query):
    answer = client.get(f"/internal/auth/users{query}", headers=internal_headers)
    assert answer.status_code == 400
    assert answer.json["code"] == "validation_error"
