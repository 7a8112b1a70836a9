"""The storefront's content: staff write banners and pages, everyone reads the published ones."""

from datetime import UTC, datetime, timedelta


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def test_staff_publish_a_banner_and_everyone_sees_it(client, admin):
    draft = client.post(
        "/api/products/banners", json={"title": "Winter sale"}, headers=admin.headers
    )
    assert draft.status_code == 201, draft.json
    assert draft.json["published"] is False
    assert client.get("/api/products/banners").json["items"] == []

    banner_id = draft.json["id"]
    body = {"published": True, "body": "Up to 40% off", "link_url": "/search?on_offer=true"}
    published = client.patch(f"/api/products/banners/{banner_id}", json=body, headers=admin.headers)
    assert published.status_code == 200
    shown = client.get("/api/products/banners").json["items"]
    assert [(b["title"], b["body"], b["link_url"]) for b in shown] == [
        ("Winter sale", "Up to 40% off", "/search?on_offer=true")
    ]

    assert (
        client.delete(f"/api/products/banners/{banner_id}", headers=admin.headers).status_code
        == 200
    )
    assert client.get("/api/products/banners").json["items"] == []
    assert (
        client.delete(f"/api/products/banners/{banner_id}", headers=admin.headers).status_code
        == 404
    )


def test_banners_show_by_position_and_only_within_their_window(client, admin):
    now = datetime.now(UTC)

    def make(title: str, **fields):
        body = {"title": title, "published": True, **fields}
        answer = client.post("/api/products/banners", json=body, headers=admin.headers)
        assert answer.status_code == 201, answer.json

    make("Second", position=2)
    make("First", position=1)
    make("Later", starts_at=_iso(now + timedelta(days=1)))
    make("Over", starts_at=_iso(now - timedelta(days=2)), ends_at=_iso(now - timedelta(days=1)))

    assert [b["title"] for b in client.get("/api/products/banners").json["items"]] == [
        "First",
        "Second",
    ]
    every = client.get("/api/products/banners/all", headers=admin.headers).json["items"]
    assert sorted(b["title"] for b in every) == ["First", "Later", "Over", "Second"]


def test_only_staff_write_banners(client, seller, tokens):
    customer = tokens.headers("customer")
    for headers in (seller.headers, customer):
        answer = client.post("/api/products/banners", json={"title": "Mine"}, headers=headers)
        assert answer.status_code == 403
        assert client.get("/api/products/banners/all", headers=headers).status_code == 403
    assert client.post("/api/products/banners", json={"title": "Anyone"}).status_code == 401


def test_a_bad_banner_is_refused_by_field(client, admin):
    cases = [
        ({"title": ""}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": "Link", "link_url": "javascript:alert(1)"}, "link_url"),
        ({"title": "Link", "link_url": "//evil.example"}, "link_url"),
        ({"title": "Link", "link_url": "/\\evil.example"}, "link_url"),
        ({"title": "Link", "link_url": "https:///path"}, "link_url"),
        ({"title": "Pos", "position": -1}, "position"),
        ({"title": "Pos", "position": True}, "position"),
    ]
    for body, field in cases:
        answer = client.post("/api/products/banners", json=body, headers=admin.headers)
        assert answer.status_code == 400, body
        assert field in answer.json["details"]["fields"], answer.json
    for fine in ("/", "/search?on_offer=true", "https://souk.example/winter"):
        answer = client.post(
            "/api/products/banners", json={"title": "Fine", "link_url": fine}, headers=admin.headers
        )
        assert answer.status_code == 201, fine
    backwards = {
        "title": "When",
        "starts_at": "2027-01-02T00:00:00Z",
        "ends_at": "2027-01-01T00:00:00Z",
    }
    assert (
        client.post("/api/products/banners", json=backwards, headers=admin.headers).status_code
        == 400
    )

    banner = client.post(
        "/api/products/banners", json={"title": "Fine"}, headers=admin.headers
    ).json
    cleared = client.patch(
        f"/api/products/banners/{banner['id']}", json={"title": None}, headers=admin.headers
    )
    assert cleared.status_code == 400
    ends_first = {"ends_at": "2020-01-01T00:00:00Z", "starts_at": "2021-01-01T00:00:00Z"}
    answer = client.patch(
        f"/api/products/banners/{banner['id']}", json=ends_first, headers=admin.headers
    )
    assert answer.status_code == 400
    assert (
        client.get("/api/products/banners/all", headers=admin.headers).json["items"][0]["ends_at"]
        is None
    )
    assert (
        client.patch("/api/products/banners/nope", json={}, headers=admin.headers).status_code
        == 404
    )


def test_staff_write_a_page_and_everyone_reads_it_once_published(client, admin):
    body = {
        "title": "Returns",
        "body": "Send it back within 30 days.\n\nWe refund the day it arrives.",
    }
    created = client.put("/api/products/pages/returns", json=body, headers=admin.headers)
    assert created.status_code == 201, created.json
    assert created.json["message"] == "Page created"
    assert client.get("/api/products/pages/returns").status_code == 404
    assert client.get("/api/products/pages").json["items"] == []

    published = {**body, "published": True}
    saved = client.put("/api/products/pages/returns", json=published, headers=admin.headers)
    assert saved.status_code == 200 and saved.json["message"] == "Page saved"
    page = client.get("/api/products/pages/returns").json
    assert (page["title"], page["body"]) == ("Returns", body["body"])
    assert client.get("/api/products/pages").json["items"] == [
        {"slug": "returns", "title": "Returns"}
    ]
    every = client.get("/api/products/pages/all", headers=admin.headers).json["items"]
    assert [p["slug"] for p in every] == ["returns"]

    assert client.delete("/api/products/pages/returns", headers=admin.headers).status_code == 200
    assert client.get("/api/products/pages/returns").status_code == 404
    assert client.delete("/api/products/pages/returns", headers=admin.headers).status_code == 404


def test_pages_are_written_by_staff_only_at_plain_addresses(client, admin, seller):
    page = {"title": "About"}
    assert (
        client.put("/api/products/pages/about", json=page, headers=seller.headers).status_code
        == 403
    )
    assert client.put("/api/products/pages/about", json=page).status_code == 401
    assert client.get("/api/products/pages/all", headers=seller.headers).status_code == 403
    for slug in ("About", "all", "a--b", "-a", "x" * 61, "caf%C3%A9"):
        answer = client.put(f"/api/products/pages/{slug}", json=page, headers=admin.headers)
        assert answer.status_code == 400, slug
        assert "slug" in answer.json["details"]["fields"]
    assert (
        client.put(
            "/api/products/pages/about", json={"title": ""}, headers=admin.headers
        ).status_code
        == 400
    )
    too_long = {"title": "About", "body": "x" * 20_001}
    assert (
        client.put("/api/products/pages/about", json=too_long, headers=admin.headers).status_code
        == 400
    )
    assert client.get("/api/products/pages/all", headers=admin.headers).json["items"] == []
