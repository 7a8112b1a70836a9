import uuid


def _staff(client, admin, role, **extra):
    created = client.post(
        "/api/auth/users",
        json={
            "email": f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            "password": "long enough password",
            "name": "Staff",
            "role": role,
            **extra,
        },
        headers=admin,
    )
    assert created.status_code == 201, created.json
    return created.json["user_id"]


def test_anyone_reads_the_names_of_open_shops_only(client, tokens):
    admin = tokens.headers("admin")
    spices = _staff(client, admin, "seller", shop_name="Sam's Spices")
    lamps = _staff(client, admin, "seller", shop_name="Lamp Alley")
    closed = _staff(client, admin, "seller", shop_name="Closed Shop")
    courier = _staff(client, admin, "courier", zone="north")
    assert (
        client.patch(f"/api/auth/users/{closed}", json={"active": False}, headers=admin).status_code
        == 200
    )

    asked = ",".join([spices, lamps, closed, courier, str(uuid.uuid4())])
    answer = client.get(f"/api/auth/shops?ids={asked}")

    assert answer.status_code == 200
    assert sorted((s["seller_id"], s["shop_name"]) for s in answer.json["items"]) == sorted(
        [(spices, "Sam's Spices"), (lamps, "Lamp Alley")]
    )
    assert set(answer.json["items"][0]) == {"seller_id", "shop_name"}


def test_a_bad_id_or_too_many_is_a_400(client):
    bad = client.get("/api/auth/shops?ids=not-an-id")
    assert bad.status_code == 400
    assert bad.json["code"] == "validation_error"
    many = ",".join(str(uuid.uuid4()) for _ in range(101))
    assert client.get(f"/api/auth/shops?ids={many}").status_code == 400
    assert client.get("/api/auth/shops").status_code == 400
