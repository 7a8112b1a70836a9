"""The shop opens in a real browser."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_the_home_page_renders(page: Page, base_url: str):
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", name="Souk")).to_be_visible()
