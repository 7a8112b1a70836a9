"""Where things are inside the containers: ports, volumes, secrets and database roles.

docker-compose.yml mounts the volumes at these paths; the Dockerfile creates the folders so
that a fresh named volume takes their owner (the unprivileged `souk` user) on first mount.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL

# Every replica listens here inside its own container; nginx reaches it as `<name>-<n>:8000`.
SERVICE_PORT = 8000
GATEWAY_PORT = 8080
INTERNAL_PORT = 8081
# Two named replicas per service (`orders-1`, `orders-2`): nginx resolves each name once at
# start, so the set of replicas is fixed and written out in docker-compose.yml.
REPLICAS = 2

SECRETS_DIR = Path("/var/lib/souk/secrets")
MEDIA_DIR = Path("/srv/souk/media")
GATEWAY_CONFIG_DIR = Path("/etc/souk-gateway")

# Files in a service's own secrets volume.
DATABASE_PASSWORD = "database_password"
SERVICE_TOKEN = "service_token"
JWT_PUBLIC_KEY = "jwt_public.pem"
JWT_PRIVATE_KEY = "jwt_private.pem"
# Files in the PostgreSQL volume (the superuser's and every role's password) and the admin one.
POSTGRES_PASSWORD = "postgres_password"
ADMIN_PASSWORD = "admin_password"


def replica_names(service: str) -> list[str]:
    return [f"{service}-{number}" for number in range(1, REPLICAS + 1)]


def role_name(service: str) -> str:
    """The PostgreSQL role a service connects as; it owns the schema named like the service."""
    return f"souk_{service}"


def role_password_file(service: str) -> str:
    """A role's password in the PostgreSQL volume (the same text as the service's own copy)."""
    return f"{service}_password"


def read_secret(path: Path) -> str:
    text = path.read_text().strip()
    if not text:
        raise ValueError(f"{path} is empty")
    return text


def server_url(environ: Mapping[str, str]) -> URL:
    """The compose database without a user: `SOUK_DB_HOST`, `SOUK_DB_PORT`, `SOUK_DB_NAME`.

    A host starting with `/` is a folder holding PostgreSQL's unix socket.
    """
    host = environ.get("SOUK_DB_HOST") or "postgres"
    return URL.create(
        "postgresql+psycopg2",
        host=None if host.startswith("/") else host,
        port=int(environ.get("SOUK_DB_PORT") or 5432),
        database=environ.get("SOUK_DB_NAME") or "souk",
        query={"host": host} if host.startswith("/") else {},
    )


def role_url(server: URL, service: str, password: str) -> str:
    """`server` signed in as the service's own role, as a string SQLAlchemy and Alembic take."""
    url = server.set(username=role_name(service), password=password)
    return url.render_as_string(hide_password=False)
