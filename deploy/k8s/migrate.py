"""The migrate Job: every service's migrations, each as its own role, then the first admin.

Like compose's `migrate` job (`deploy.migrate`), but each role's connection is the
`DATABASE_URL` of that service's Secret, projected into the Job's secrets folder as
`<service>/DATABASE_URL`: the server is named by URL (a managed or an operator-run one), so
its host, port, database and TLS options (`?sslmode=require`) are the operator's. Running it
again applies only what is missing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from souk_kit import SERVICES
from souk_kit.migrations import SERVICES_DIR, upgrade
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from deploy.layout import ADMIN_PASSWORD, SECRETS_DIR, read_secret
from deploy.migrate import DEFAULT_ADMIN_EMAIL

DATABASE_URL_FILE = "DATABASE_URL"


def migrated_services() -> list[str]:
    return [s for s in SERVICES if (SERVICES_DIR / s / "migrations" / "env.py").exists()]


def database_url(secrets_root: Path, service: str) -> str:
    return read_secret(secrets_root / service / DATABASE_URL_FILE)


def migrate_all(secrets_root: Path) -> list[str]:
    """Upgrade every service that has migrations with its own URL; the services migrated."""
    done = []
    for service in migrated_services():
        url = database_url(secrets_root, service)
        _say(f"migrating {service} as {make_url(url).username}")
        upgrade(service, url)
        done.append(service)
    return done


def ensure_first_admin(secrets_root: Path, environ: Mapping[str, str]) -> bool:
    from services.auth.commands import ensure_admin

    email = environ.get("SOUK_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
    password = environ.get("SOUK_ADMIN_PASSWORD") or read_secret(
        secrets_root / "admin" / ADMIN_PASSWORD
    )
    created = ensure_admin(database_url(secrets_root, "auth"), email, password)
    if created:
        _say(f"created the first admin {email}")
    return created


def main() -> int:
    secrets_root = Path(os.environ.get("SOUK_SECRETS_DIR") or SECRETS_DIR)
    try:
        migrate_all(secrets_root)
        ensure_first_admin(secrets_root, os.environ)
    except OperationalError as error:
        _say(f"cannot reach the database: {error.orig}")
        return 1
    except OSError as error:
        _say(f"a secret is missing (were the Secrets created?): {error}")
        return 1
    _say("migrations are up to date")
    return 0


def _say(message: str) -> None:
    print(f"souk: {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
