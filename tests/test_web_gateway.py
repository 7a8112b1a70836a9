"""The gateway serves the web front end at `/`: its pages, its assets with the right types
and cache rules, deep links, while every /api path stays the API's JSON."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("web_dist")]


def test_the_shop_page_is_served_at_the_root_and_never_cached(gateway):
    page = gateway.get("/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "no-cache" in page.headers["Cache-Control"]
    assert '<div id="root">' in page.text
    assert page.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/products/some-id", "/cart", "/orders/x/y", "/courier"])
def test_a_deep_link_answers_with_the_page_itself(gateway, path):
    page = gateway.get(path)
    assert page.status_code == 200
    assert page.text == gateway.get("/").text


def test_the_page_assets_have_their_types_are_compressed_and_kept_a_year(gateway):
    index = gateway.get("/").text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)
    kinds = {path.rsplit(".", 1)[1] for path in assets}
    assert {"js", "css"} <= kinds, index
    for path in assets:
        asset = gateway.get(path, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200, path
        expected = "text/javascript" if path.endswith(".js") else "text/css"
        assert asset.headers["Content-Type"].startswith(expected), path
        assert asset.headers.get("Content-Encoding") == "gzip", path
        max_age = re.search(r"max-age=(\d+)", asset.headers["Cache-Control"])
        assert max_age and int(max_age[1]) >= 365 * 24 * 3600, asset.headers["Cache-Control"]
        assert asset.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/.vite/manifest.json", "/.souk-sources"])
def test_the_builds_own_records_are_not_served(gateway, web_dist, path):
    assert (web_dist / path.lstrip("/")).is_file()
    assert gateway.get(path).status_code == 404


def test_a_missing_asset_is_a_404_not_the_page(gateway):
    missing = gateway.get("/assets/nothing-here.js")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/json")
    assert missing.json()["code"] == "not_found"


@pytest.mark.parametrize("path", ["/api", "/api/", "/api/nothing", "/api/nothing/at/all"])
def test_an_api_path_no_service_owns_is_a_json_404_not_the_page(gateway, path):
    answer = gateway.get(path)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"].startswith("application/json")
    assert set(answer.json()) == {"error", "code", "details"}
