"""A service pod's init container: wait until the migrate Job has brought its schema to head.

Kubernetes has no `depends_on`; without this a new pod of a new release could start on the
old schema. It connects with the service's own DATABASE_URL and compares the schema's
Alembic version table with the migrations in the image, every 2 s, for up to
`SOUK_MIGRATION_WAIT_SECONDS` (default 600); then it exits 1 and Kubernetes retries the pod.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from souk_kit.migrations import SERVICES_DIR, alembic_config
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

POLL_SECONDS = 2.0


def is_migrated(service: str, database_url: str) -> bool:
    """True when `service`'s schema is at the head revision of the image's migrations."""
    if not (SERVICES_DIR / service / "migrations" / "env.py").exists():
        return True
    heads = set(ScriptDirectory.from_config(alembic_config(service, database_url)).get_heads())
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table_schema": service})
            return set(context.get_current_heads()) == heads
    finally:
        engine.dispose()


def wait(service: str, database_url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if is_migrated(service, database_url):
                return True
            reason = "not migrated yet"
        except SQLAlchemyError as error:
            reason = f"database not reachable: {type(error).__name__}"
        if time.monotonic() > deadline:
            print(f"souk: {service}: {reason}; gave up after {timeout:.0f} s", file=sys.stderr)
            return False
        print(f"souk: {service}: {reason}; waiting for the migrate Job", flush=True)
        time.sleep(POLL_SECONDS)


def main(environ: Mapping[str, str] = os.environ) -> int:
    service = environ.get("SOUK_SERVICE", "")
    url = environ.get("DATABASE_URL", "")
    if not service or not url:
        print("souk: SOUK_SERVICE and DATABASE_URL must be set", file=sys.stderr)
        return 1
    timeout = float(environ.get("SOUK_MIGRATION_WAIT_SECONDS") or 600)
    return 0 if wait(service, url, timeout) else 1


if __name__ == "__main__":
    sys.exit(main())
