"""Browser tests: Debian's Chromium, driven by pytest-playwright, against the e2e stack (the
same one `make test` starts for the HTTP tests, with the web front end built and served by
its gateway)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from launcher.programs import ensure_chromium
from launcher.settings import REPO_ROOT
from launcher.web import WEB_ROOT
from tests.conftest import PASSWORD, GatewaySession, Stack

AXE_SCRIPT = WEB_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Written on every run; the ones in docs/screenshots are copies of these.
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright's own browser download does not work everywhere; the system's Chromium does.
    return {**browser_type_launch_args, "executable_path": str(ensure_chromium())}


@pytest.fixture(scope="session")
def base_url(stack: Stack, web_dist: Path) -> str:
    return stack.url


@pytest.fixture
def page(page: Page) -> Iterator[Page]:
    """A page that fails the test on any error the browser's console reports."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(15_000)
    yield page
    assert not errors, f"the page threw: {errors}"


def serious_accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the page as it is now."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Page) -> None:
    violations = serious_accessibility_violations(page)
    assert not violations, json.dumps(violations, indent=2)


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in var/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # else a sticky header is drawn where it last was
    page.screenshot(path=str(path), full_page=True)
    return path


def tokens_for(gateway: GatewaySession, email: str, password: str = PASSWORD) -> dict[str, Any]:
    """A fresh session's tokens, as the web front end keeps them."""
    answer = gateway.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    tokens: dict[str, Any] = answer.json()
    return tokens


def open_signed_in(page: Page, url: str, tokens: dict[str, Any]) -> None:
    """Open `url` as the holder of `tokens` (the journeys that are not about signing in)."""
    saved = json.dumps(json.dumps(tokens))
    page.add_init_script(f"window.localStorage.setItem('souk.session', {saved})")
    page.goto(url)
