"""One PostgreSQL server for the whole test run, shared by service and end-to-end tests.

The embedded server lives in var/test-pg; `TEST_DATABASE_URL` points the run at another
server instead (its database is used as is by the service tests).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from launcher import postgres
from launcher.settings import REPO_ROOT

pytest_plugins = ["souk_kit.testing"]

TEST_PG_DIR = REPO_ROOT / "var" / "test-pg"
_STOP_AT_END = pytest.StashKey[bool]()


def worker_suffix() -> str:
    """`_gw0` and so on under pytest-xdist, so parallel workers never share a database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"_{worker}" if worker else ""


def pytest_sessionstart(session: pytest.Session) -> None:
    # Only the controlling process decides, and only a server this run starts is stopped.
    if os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("TEST_DATABASE_URL"):
        return
    session.config.stash[_STOP_AT_END] = not postgres.is_running(TEST_PG_DIR)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if session.config.stash.get(_STOP_AT_END, False):
        postgres.stop(TEST_PG_DIR)


@pytest.fixture(scope="session")
def postgres_database() -> Callable[[str], str]:
    """Creates a database (if missing) on the test server and returns its SQLAlchemy URL."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return lambda name: postgres.create_database(configured, name)
    return lambda name: postgres.ensure_running(TEST_PG_DIR, name)


@pytest.fixture(scope="session")
def postgres_url(postgres_database: Callable[[str], str]) -> str:
    """The service tests' database, `souk_test`."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured and not worker_suffix():
        return configured
    return postgres_database(f"souk_test{worker_suffix()}")
