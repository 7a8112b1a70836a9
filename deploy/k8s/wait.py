"""A service pod's init container: wait until the migrate Job has brought its schema to head.

Kubernetes has no `depends_on`; without this a new pod of a new release could start on the
old schema. It connects with the service's own DATABASE_URL and reads the schema's Alembic
version table every 2 s, for up to `SOUK_MIGRATION_WAIT_SECONDS` (default 600); then it
exits 1 and Kubernetes retries the pod. It lets the pod start when the schema is at the
image's head, or ahead of it (a revision this image does not know: a newer release has
migrated, and a pod of the old one restarting during the rollout must not be held back).
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
    """True when `service`'s schema is at (or past) the head of the image's migrations."""
    if not (SERVICES_DIR / service / "migrations" / "env.py").exists():
        return True
    script = ScriptDirectory.from_config(alembic_config(service, database_url))
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table_schema": service})
            current = set(context.get_current_heads())
    finally:
        engine.dispose()
    if not current:
        return False
    known = {revision.revision for revision in script.walk_revisions()}
    return current == set(script.get_heads()) or not current <= known


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
