"""A service container's main process: its credentials into the environment, then gunicorn.

`SOUK_SERVICE` names the service (one of souk_kit.SERVICES) and `SOUK_REPLICA` the replica
(`orders-1`). gunicorn runs with exactly the flags the launcher gives it (they are taken from
launcher/supervisor.py, not copied), bound to 0.0.0.0:SOUK_PORT inside the container.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from souk_kit import SERVICES

from deploy.layout import (
    DATABASE_PASSWORD,
    JWT_PRIVATE_KEY,
    JWT_PUBLIC_KEY,
    SECRETS_DIR,
    SERVICE_PORT,
    SERVICE_TOKEN,
    read_secret,
    role_url,
    server_url,
)
from launcher import supervisor
from launcher.settings import Settings


class ServeError(RuntimeError):
    """The container is not configured well enough to start its service."""


def service_name(environ: Mapping[str, str]) -> str:
    service = environ.get("SOUK_SERVICE", "")
    if service not in SERVICES:
        raise ServeError(f"SOUK_SERVICE must be one of {', '.join(SERVICES)}, got {service!r}")
    return service


def service_environment(
    service: str, environ: Mapping[str, str], secrets_dir: Path
) -> dict[str, str]:
    """What the service process sees: `environ` plus its database URL, token and key files.

    A value already given in `environ` wins over the secrets volume, so an installation may
    hand them in some other way. An empty `SOUK_*` variable counts as unset (compose passes
    `${NAME:-}` for every setting an operator may leave out).
    """
    env = {key: value for key, value in environ.items() if value or not key.startswith("SOUK_")}
    env.pop("SOUK_JWT_PRIVATE_KEY_FILE", None)
    if not env.get("DATABASE_URL"):
        password = read_secret(secrets_dir / DATABASE_PASSWORD)
        env["DATABASE_URL"] = role_url(server_url(env), service, password)
    if not env.get("SOUK_SERVICE_TOKEN"):
        env["SOUK_SERVICE_TOKEN"] = read_secret(secrets_dir / SERVICE_TOKEN)
    env.setdefault("SOUK_JWT_PUBLIC_KEY_FILE", str(secrets_dir / JWT_PUBLIC_KEY))
    # Only the auth service signs tokens; the others never see the private key.
    if service == "auth":
        env["SOUK_JWT_PRIVATE_KEY_FILE"] = str(secrets_dir / JWT_PRIVATE_KEY)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def gunicorn_command(
    service: str, replica: str, port: int, environ: Mapping[str, str]
) -> list[str]:
    """The launcher's gunicorn command for `service`, listening on every interface."""
    settings = Settings.from_env(environ)
    program = next(
        program
        for program in supervisor.service_programs(settings, Path(os.devnull))
        if program.group == service
    )
    command = list(program.command)
    command[command.index("--bind") + 1] = f"0.0.0.0:{port}"
    command[command.index("--name") + 1] = f"souk-{replica}"
    return command


def main() -> int:
    try:
        service = service_name(os.environ)
        secrets_dir = Path(os.environ.get("SOUK_SECRETS_DIR") or SECRETS_DIR)
        env = service_environment(service, os.environ, secrets_dir)
        replica = env.get("SOUK_REPLICA") or service
        port = int(env.get("SOUK_PORT") or SERVICE_PORT)
        command = gunicorn_command(service, replica, port, env)
    except (ServeError, OSError, ValueError) as error:
        print(f"souk: cannot start: {error}", file=sys.stderr, flush=True)
        return 1
    # gunicorn becomes the container's main process and gets docker's stop signal directly.
    os.execve(command[0], command, env)


if __name__ == "__main__":
    sys.exit(main())
