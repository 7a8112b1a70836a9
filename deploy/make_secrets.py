"""The one-shot `secrets` job: every credential the stack needs, made once into volumes.

Each consumer gets a volume of its own, so a container holds only what it needs:

    <root>/postgres/   postgres_password and <service>_password for every role
    <root>/admin/      admin_password, unless SOUK_ADMIN_PASSWORD is given
    <root>/<service>/  database_password (its role's), service_token, jwt_public.pem,
                       and for auth alone jwt_private.pem

Existing values are kept; a missing or stale copy is rewritten from its source, so running
the job on every `docker compose up` is safe. Nothing is printed and nothing enters the image.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from souk_kit import SERVICES

from deploy.layout import (
    DATABASE_PASSWORD,
    JWT_PRIVATE_KEY,
    JWT_PUBLIC_KEY,
    POSTGRES_PASSWORD,
    SECRETS_DIR,
    SERVICE_TOKEN,
    role_password_file,
)
from launcher.credentials import ensure_admin_password, ensure_credentials


def make_secrets(root: Path, environ: Mapping[str, str]) -> None:
    # The auth service's volume holds the originals of the key pair and the service token.
    auth = ensure_credentials(root / "auth")
    token = auth.service_token
    public_key = auth.jwt_public_key_file.read_text()

    postgres = root / "postgres"
    _ensure_dir(postgres)
    _ensure(postgres / POSTGRES_PASSWORD)
    for service in SERVICES:
        password = _ensure(postgres / role_password_file(service))
        folder = root / service
        _ensure_dir(folder)
        _sync(folder / DATABASE_PASSWORD, password)
        if service != "auth":
            _sync(folder / SERVICE_TOKEN, token)
            _sync(folder / JWT_PUBLIC_KEY, public_key)
            _remove(folder / JWT_PRIVATE_KEY)

    if not environ.get("SOUK_ADMIN_PASSWORD"):
        ensure_admin_password(root / "admin", None)


def _ensure_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def _ensure(path: Path) -> str:
    """The secret in `path`, made now when missing."""
    if not path.exists():
        _write(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def _sync(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        _write(path, text)


def _write(path: Path, text: str) -> None:
    # Created 0600 under a temporary name, then moved: never readable by others, never half written.
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    os.replace(partial, path)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def main() -> int:
    make_secrets(Path(os.environ.get("SOUK_SECRETS_DIR") or SECRETS_DIR), os.environ)
    print("souk: secrets are in place", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
