"""The launcher's embedded PostgreSQL, started where a root user keeps a clone."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from launcher import postgres


@pytest.fixture
def private_folder() -> Iterator[Path]:
    """A fresh folder only its owner may enter, as root's home /root is."""
    folder = Path(tempfile.mkdtemp(prefix="souk-private-"))
    folder.chmod(0o700)
    try:
        yield folder
    finally:
        postgres.stop(folder / "pg")
        for root, dirs, files in os.walk(folder, topdown=False):
            for name in files:
                os.unlink(os.path.join(root, name))
            for name in dirs:
                os.rmdir(os.path.join(root, name))
        folder.rmdir()


@pytest.mark.skipif(os.geteuid() != 0, reason="the system user is used only as root")
def test_the_server_starts_from_a_data_folder_under_a_private_folder_as_root(
    private_folder: Path,
) -> None:
    assert private_folder.stat().st_mode & 0o077 == 0

    url = postgres.ensure_running(private_folder / "pg", "souk_private")

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == "souk_private"
    finally:
        engine.dispose()
    # The folder lets others through to the data folder but shows them nothing of itself.
    assert private_folder.stat().st_mode & 0o777 == 0o701
    assert (private_folder / "pg").stat().st_mode & 0o777 == 0o700
