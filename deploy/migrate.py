"""The one-shot `migrate` job: every service's migrations, each as that service's own role.

It runs before any service starts (compose waits for it to exit 0) and on every `up`, which
is safe: Alembic applies only what is missing. The role owns its schema, so the tables and
Alembic's version table it creates belong to it and to no other role. Last, the first admin
is created once (`SOUK_ADMIN_EMAIL`, password `SOUK_ADMIN_PASSWORD` or the generated one).
Demo data is never loaded here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from souk_kit import SERVICES
from souk_kit.migrations import SERVICES_DIR, upgrade
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from deploy.layout import (
    ADMIN_PASSWORD,
    DATABASE_PASSWORD,
    SECRETS_DIR,
    read_secret,
    role_name,
    role_url,
    server_url,
)

DEFAULT_ADMIN_EMAIL = "admin@souk.local"


def migrate_all(server: URL, secrets_root: Path) -> None:
    """Upgrade every service that has migrations, signed in as its role (`souk_<name>`)."""
    for service in SERVICES:
        if not (SERVICES_DIR / service / "migrations" / "env.py").exists():
            continue
        password = read_secret(secrets_root / service / DATABASE_PASSWORD)
        _say(f"migrating {service} as {role_name(service)}")
        upgrade(service, role_url(server, service, password))


def ensure_first_admin(server: URL, secrets_root: Path, environ: Mapping[str, str]) -> bool:
    """Create the first admin unless one exists; True when it was created now."""
    from services.auth.commands import ensure_admin

    email = environ.get("SOUK_ADMIN_EMAIL") or DEFAULT_ADMIN_EMAIL
    password = environ.get("SOUK_ADMIN_PASSWORD") or read_secret(
        secrets_root / "admin" / ADMIN_PASSWORD
    )
    auth_password = read_secret(secrets_root / "auth" / DATABASE_PASSWORD)
    created = ensure_admin(role_url(server, "auth", auth_password), email, password)
    if created:
        where = (
            "the password is SOUK_ADMIN_PASSWORD"
            if environ.get("SOUK_ADMIN_PASSWORD")
            else "read its password with: docker compose run --rm --no-deps migrate "
            f"cat {SECRETS_DIR}/admin/{ADMIN_PASSWORD}"
        )
        _say(f"created the first admin {email}; {where}")
    return created


def main() -> int:
    secrets_root = Path(os.environ.get("SOUK_SECRETS_DIR") or SECRETS_DIR)
    server = server_url(os.environ)
    try:
        migrate_all(server, secrets_root)
        ensure_first_admin(server, secrets_root, os.environ)
    except OperationalError as error:
        _say(f"cannot reach the database {server.render_as_string()}: {error.orig}")
        return 1
    except OSError as error:
        _say(f"a secret is missing (has the secrets job run?): {error}")
        return 1
    _say("migrations are up to date")
    return 0


def _say(message: str) -> None:
    print(f"souk: {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
