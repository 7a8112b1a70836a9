"""Every Secret the manifests name, made once into a folder of the operator's (never the repo).

    python -m deploy.k8s.secrets --database 'postgresql://db.example.internal:5432/souk?sslmode=require' \\
        --out ~/souk-secrets
    kubectl apply --namespace souk --filename ~/souk-secrets/secrets.json

The credentials are compose's, made by the same code (`deploy.make_secrets`): an EdDSA key
pair, the service token, a password per database role and the admin password. The folder
keeps them, so running the command again gives the same Secrets (and a new `--database`
only rewrites the URLs); `<out>/postgres/` holds each role's password for
deploy/postgres/init-roles.sh, which creates the roles on the server (see README.md).

    souk-jwt                 jwt_public.pem    every service
    souk-jwt-private         jwt_private.pem   auth alone
    souk-service-token       service_token     every service
    souk-database-<service>  DATABASE_URL      that service (and the migrate Job), as souk_<service>
    souk-admin               admin_password    the migrate Job (absent with SOUK_ADMIN_PASSWORD)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from souk_kit import SERVICES
from sqlalchemy.engine import make_url

from deploy.k8s.manifests import (
    ADMIN_PASSWORD_KEY,
    ADMIN_SECRET,
    DATABASE_URL_KEY,
    JWT_PRIVATE_SECRET,
    JWT_SECRET,
    SERVICE_TOKEN_SECRET,
    database_secret,
    labels,
)
from deploy.layout import (
    ADMIN_PASSWORD,
    DATABASE_PASSWORD,
    JWT_PRIVATE_KEY,
    JWT_PUBLIC_KEY,
    SERVICE_TOKEN,
    role_url,
)
from deploy.make_secrets import make_secrets

SECRETS_FILE = "secrets.json"


def secret(name: str, data: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "labels": labels(name, "secret")},
        "type": "Opaque",
        "stringData": dict(data),
    }


def secret_objects(root: Path, database: str) -> list[dict[str, Any]]:
    """The Secrets for the credentials in `root` (as made by deploy.make_secrets)."""
    server = make_url(database)
    if server.username or server.password:
        raise ValueError("--database names the server only: each role's user is added here")
    if not server.drivername.startswith("postgresql"):
        raise ValueError("--database must be a postgresql:// URL")
    auth = root / "auth"
    objects = [
        secret(JWT_SECRET, {JWT_PUBLIC_KEY: (auth / JWT_PUBLIC_KEY).read_text()}),
        secret(JWT_PRIVATE_SECRET, {JWT_PRIVATE_KEY: (auth / JWT_PRIVATE_KEY).read_text()}),
        secret(SERVICE_TOKEN_SECRET, {SERVICE_TOKEN: (auth / SERVICE_TOKEN).read_text()}),
    ]
    for service in SERVICES:
        password = (root / service / DATABASE_PASSWORD).read_text().strip()
        url = role_url(server, service, password)
        objects.append(secret(database_secret(service), {DATABASE_URL_KEY: url}))
    admin = root / "admin" / ADMIN_PASSWORD
    if admin.exists():
        objects.append(secret(ADMIN_SECRET, {ADMIN_PASSWORD_KEY: admin.read_text().strip()}))
    return objects


def write_secrets(out: Path, database: str, environ: Mapping[str, str]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)
    make_secrets(out, environ)
    document = {"apiVersion": "v1", "kind": "List", "items": secret_objects(out, database)}
    target = out / SECRETS_FILE
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(document, file, indent=2)
        file.write("\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.k8s.secrets", description=__doc__)
    parser.add_argument("--database", required=True, help="postgresql://HOST:PORT/DB[?sslmode=...]")
    parser.add_argument("--out", required=True, type=Path, help="a private folder outside the repo")
    args = parser.parse_args(argv)
    try:
        target = write_secrets(args.out.expanduser(), args.database, os.environ)
    except (OSError, ValueError) as error:
        print(f"souk: {error}", file=sys.stderr)
        return 1
    print(f"souk: Secrets in {target}; role passwords in {args.out / 'postgres'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
