from decimal import Decimal

from services.shipping.tests.conftest import FakeProducts


def test_methods_list_both_methods_and_every_zone_with_prices(client):
    answer = client.get("/api/shipping/methods")
    assert answer.status_code == 200
    methods = {m["code"]: m for m in answer.json["methods"]}
    assert set(methods) == {"standard", "express"}
    assert (methods["standard"]["min_days"], methods["standard"]["max_days"]) == (3, 5)
    assert (methods["express"]["min_days"], methods["express"]["max_days"]) == (1, 2)
    assert methods["standard"]["estimated_days"] == 5
    zones = [z["code"] for z in answer.json["zones"]]
    assert zones == ["central", "north", "south", "east", "west"]
    central = next(r for r in methods["standard"]["rates"] if r["zone"] == "central")
    assert central == {"zone": "central", "base_cost": "3.00", "cost_per_kg": "0.50"}
    assert len(methods["express"]["rates"]) == 5
    assert answer.json["currency"] == "USD"


def test_a_quote_by_weight_is_base_cost_plus_cost_per_kg(client):
    answer = client.post("/api/shipping/quote", json={"weight_kg": "2.5", "zone": "north"})
    assert answer.status_code == 200
    # standard to north: 4.50 + 0.75 * 2.5 = 6.375 → 6.38
    assert answer.json == {
        "cost": "6.38",
        "currency": "USD",
        "method": "standard",
        "zone": "north",
        "estimated_days": 5,
        "min_days": 3,
        "max_days": 5,
        "weight_kg": "2.500",
    }


def test_zone_and_method_default_to_central_standard(client):
    answer = client.post("/api/shipping/quote", json={"weight_kg": 1})
    assert answer.json["zone"] == "central"
    assert answer.json["method"] == "standard"
    assert answer.json["cost"] == "3.50"


def test_express_costs_more_and_arrives_sooner(client):
    standard = client.post("/api/shipping/quote", json={"weight_kg": 3, "zone": "east"}).json
    express = client.post(
        "/api/shipping/quote", json={"weight_kg": 3, "zone": "east", "method": "EXPRESS"}
    ).json
    assert Decimal(express["cost"]) > Decimal(standard["cost"])
    assert express["cost"] == "14.80"
    assert express["max_days"] < standard["min_days"]
    assert express["estimated_days"] == 2


def test_items_are_weighed_from_the_catalogue_in_one_batch_call(client, fake_products):
    heavy = fake_products.add("2.000")
    unweighed = fake_products.add(None)
    answer = client.post(
        "/api/shipping/quote",
        json={
            "items": [
                {"product_id": str(heavy), "quantity": 2},
                {"product_id": str(unweighed), "quantity": 1},
                {"product_id": str(heavy), "quantity": 1},
            ]
        },
    )
    assert answer.status_code == 200
    # 3 * 2 kg + 1 * the 1 kg default = 7 kg → 3.00 + 0.50 * 7
    assert answer.json["weight_kg"] == "7.000"
    assert answer.json["cost"] == "6.50"
    assert fake_products.calls == [{heavy, unweighed}]


def test_weights_sent_with_the_items_are_not_read_from_the_catalogue_again(client, fake_products):
    heavy, unweighed, unsent = (
        fake_products.add("2.000"),
        fake_products.add(None),
        fake_products.add("0.500"),
    )
    answer = client.post(
        "/api/shipping/quote",
        json={
            "items": [
                {"product_id": str(heavy), "quantity": 3, "weight_kg": "2.000"},
                {"product_id": str(unweighed), "quantity": 1, "weight_kg": None},
                {"product_id": str(unsent), "quantity": 2},
            ]
        },
    )
    assert answer.status_code == 200
    # 3 * 2 kg + the 1 kg default + 2 * 0.5 kg (read from the catalogue) = 8 kg
    assert answer.json["weight_kg"] == "8.000"
    assert fake_products.calls == [{unsent}]

    fake_products.calls.clear()
    weighed = {"product_id": str(heavy), "quantity": 1, "weight_kg": "2.000"}
    assert client.post("/api/shipping/quote", json={"items": [weighed]}).status_code == 200
    assert fake_products.calls == []


def test_products_missing_from_the_catalogue_are_named_in_a_400(client, fake_products):
    known = fake_products.add("1")
    unknown = "6f9619ff-8b86-d011-b42d-00cf4fc964ff"
    answer = client.post(
        "/api/shipping/quote",
        json={
            "items": [
                {"product_id": str(known), "quantity": 1},
                {"product_id": unknown, "quantity": 1},
            ]
        },
    )
    assert answer.status_code == 400
    assert answer.json["code"] == "unknown_products"
    assert answer.json["details"]["product_ids"] == [unknown]


def test_unknown_zone_or_method_is_a_400_naming_the_field(client):
    zone = client.post("/api/shipping/quote", json={"weight_kg": 1, "zone": "moon"})
    assert zone.status_code == 400
    assert zone.json["code"] == "unknown_zone"
    assert "zone" in zone.json["details"]["fields"]
    assert "central" in zone.json["details"]["zones"]
    method = client.post("/api/shipping/quote", json={"weight_kg": 1, "method": "pigeon"})
    assert method.status_code == 400
    assert method.json["code"] == "unknown_method"
    assert "method" in method.json["details"]["fields"]


def test_a_quote_needs_items_or_a_weight_but_not_both(client, fake_products):
    neither = client.post("/api/shipping/quote", json={"zone": "central"})
    assert neither.status_code == 400
    assert set(neither.json["details"]["fields"]) == {"items", "weight_kg"}
    product = fake_products.add("1")
    both = client.post(
        "/api/shipping/quote",
        json={"weight_kg": 1, "items": [{"product_id": str(product), "quantity": 1}]},
    )
    assert both.status_code == 400
    assert client.post("/api/shipping/quote", json={"items": []}).status_code == 400


def test_bad_weights_and_quantities_are_refused(client):
    for weight in [-1, 0, "NaN", "abc", "1.2345", 1e9, True]:
        answer = client.post("/api/shipping/quote", json={"weight_kg": weight})
        assert answer.status_code == 400, weight
        assert "weight_kg" in answer.json["details"]["fields"]
    answer = client.post(
        "/api/shipping/quote",
        json={"items": [{"product_id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "quantity": 0}]},
    )
    assert answer.status_code == 400
    answer = client.post(
        "/api/shipping/quote", json={"items": [{"product_id": "nope", "quantity": 1}]}
    )
    assert answer.status_code == 400


def test_the_internal_quote_charges_exactly_the_public_quote(
    client, internal_headers, fake_products
):
    product = fake_products.add("0.333")
    body = {
        "items": [{"product_id": str(product), "quantity": 3}],
        "zone": "west",
        "method": "express",
    }
    public = client.post("/api/shipping/quote", json=body)
    internal = client.post("/internal/shipping/quote", json=body, headers=internal_headers)
    assert internal.status_code == public.status_code == 200
    assert internal.json == public.json
    assert internal.json["cost"] == "11.60"


def test_internal_routes_need_the_service_token(client):
    answer = client.post("/internal/shipping/quote", json={"weight_kg": 1})
    assert answer.status_code == 404
    wrong = client.post(
        "/internal/shipping/quote", json={"weight_kg": 1}, headers={"X-Service-Token": "nope"}
    )
    assert wrong.status_code == 404


def test_the_products_service_being_down_is_a_503(client, fake_products: FakeProducts):
    fake_products.down = True
    answer = client.post(
        "/api/shipping/quote",
        json={"items": [{"product_id": "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "quantity": 1}]},
    )
    assert answer.status_code == 503
    assert answer.json["code"] == "dependency_unavailable"
