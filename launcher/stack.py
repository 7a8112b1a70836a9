"""Starting, stopping and inspecting the whole stack: PostgreSQL, services, gateway."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path

from launcher import credentials, gateway, health, postgres, supervisor, web
from launcher.programs import ensure_nginx
from launcher.settings import SERVICES, Settings

DATABASE = "souk"
_GIVE_UP_STATES = {"FATAL"}


class LaunchError(RuntimeError):
    """The stack cannot be started as asked."""


def up(settings: Settings, *, detach: bool) -> int:
    paths = supervisor.Paths.from_settings(settings)
    if supervisor.is_running(paths):
        if not detach:
            raise LaunchError("Souk is already running in the background; `make down` stops it")
        _say("already running")
        return _finish_start(
            settings, _database_url(settings), _stop_reason(paths, _detached_exit_code(paths))
        )

    nginx = ensure_nginx()
    _check_ports_free(settings)
    try:
        web.ensure_built(_say)
    except web.WebBuildError as error:
        _say(f"the shop's web pages are not built, the API runs without them: {error}")
    for folder in (settings.var_dir, settings.log_dir, settings.run_dir, settings.media_dir):
        folder.mkdir(parents=True, exist_ok=True)
    secrets = credentials.ensure_credentials(settings.secrets_dir)
    database_url = _database_url(settings)
    try:
        _say("migrating the database")
        _migrate(database_url)
        nginx_conf = gateway.write_nginx_conf(settings)
        _check_nginx_conf(nginx, nginx_conf, settings)
    except BaseException:
        if not settings.database_url:
            postgres.stop(settings.pg_data_dir)
        raise
    services = supervisor.service_programs(settings, secrets.jwt_private_key_file)
    programs = [*services, supervisor.nginx_program(settings, nginx, nginx_conf)]
    if settings.smtp_host is None:
        programs.append(supervisor.mail_sink_program(settings))
    supervisor.write_config(settings, paths, programs)
    env = service_environment(settings, secrets, database_url)

    sink = (
        f", and a mail sink keeping e-mail in {settings.mail_dir}"
        if settings.smtp_host is None
        else ""
    )
    _say(f"starting {len(services)} service processes and the gateway{sink}")
    if detach:
        supervisor.start(paths, env, foreground=False)
        code = _finish_start(
            settings, database_url, _stop_reason(paths, _detached_exit_code(paths))
        )
        if code != 0:
            down(settings)
        return code
    return _run_in_foreground(settings, paths, env, database_url)


def down(settings: Settings) -> int:
    paths = supervisor.Paths.from_settings(settings)
    if supervisor.is_running(paths):
        _say("stopping services and gateway")
        supervisor.shutdown(paths)
    if not settings.database_url:
        postgres.stop(settings.pg_data_dir)
    _say("stopped")
    return 0


def status(settings: Settings) -> int:
    paths = supervisor.Paths.from_settings(settings)
    if not supervisor.is_running(paths):
        print("Souk is not running")
        return 1
    codes = health.gateway_health(settings)
    for service, code in codes.items():
        print(f"{service:<10} {'ok' if code == 200 else 'DOWN':<5} ({code or 'no answer'})")
    print()
    for info in supervisor.process_info(paths):
        name = f"{info['group']}:{info['name']}"
        print(f"{name:<18} {info['statename']:<9} {info['description']}")
    print(f"\ngateway {settings.gateway_url}")
    return 0 if all(code == 200 for code in codes.values()) else 1


def service_environment(
    settings: Settings, secrets: credentials.Credentials, database_url: str
) -> dict[str, str]:
    """What supervisord and so every service inherits (the auth private key is added per program)."""
    env = {key: value for key, value in os.environ.items() if key != "SOUK_JWT_PRIVATE_KEY_FILE"}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SOUK_INTERNAL_URL": settings.internal_url,
            "SOUK_SERVICE_TOKEN": secrets.service_token,
            "SOUK_JWT_PUBLIC_KEY_FILE": str(secrets.jwt_public_key_file),
            "SOUK_MEDIA_DIR": str(settings.media_dir),
            "SOUK_VAR_DIR": str(settings.var_dir),
            "SOUK_LOG_DIR": str(settings.log_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if settings.smtp_host is None:
        env.update({"SOUK_SMTP_HOST": "127.0.0.1", "SOUK_SMTP_PORT": str(settings.smtp_port)})
    env.setdefault("SOUK_PUBLIC_URL", f"http://localhost:{settings.gateway_port}")
    return env


def _run_in_foreground(
    settings: Settings, paths: supervisor.Paths, env: dict[str, str], database_url: str
) -> int:
    process = supervisor.start(paths, env, foreground=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if _finish_start(settings, database_url, _stop_reason(paths, process.poll)) != 0:
            _say("some services are not healthy; they keep running until Ctrl-C")
        process.wait()
    except KeyboardInterrupt:
        _say("stopping")
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if process.poll() is None:
            supervisor.request_shutdown(paths)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if not settings.database_url:
            postgres.stop(settings.pg_data_dir)
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    _say("stopped")
    return 0


def _finish_start(
    settings: Settings,
    database_url: str,
    still_starting: Callable[[], str | None],
) -> int:
    _say("waiting for every service to answer its health check")
    outcome = health.wait_until_healthy(settings, still_starting=still_starting)
    if not outcome.healthy:
        _say(f"start failed: {outcome.reason}; failing: {', '.join(outcome.failing)}")
        for name in outcome.failing:
            logs = [f"{name}.log", *(["gateway_error.log"] if name == "nginx" else [])]
            for log in (settings.log_dir / file for file in logs):
                print(f"\n--- {log} (last lines) ---\n{health.log_tail(log)}")
        return 1

    admin_password = credentials.ensure_admin_password(
        settings.secrets_dir, settings.admin_password
    )
    created = _ensure_admin(database_url, settings.admin_email, admin_password.value)
    logins = [("admin", settings.admin_email, _shown_password(admin_password, created))]
    if settings.demo:
        logins += _load_demo(settings, admin_password.value)

    url = settings.gateway_url.replace("127.0.0.1", "localhost")
    print(
        f"\nSouk is up. The shop: {url}/  couriers: {url}/courier  sellers: {url}/seller  "
        f"staff: {url}/staff  API docs: {url}/docs"
    )
    print(f"internal listener (services only): {settings.internal_url}")
    print(f"logs: {settings.log_dir}\n")
    for role, email, password in logins:
        print(f"  {role:<9} {email:<32} {password}")
    print()
    return 0


def _stop_reason(
    paths: supervisor.Paths, exit_code: Callable[[], int | None]
) -> Callable[[], str | None]:
    """What makes waiting for health pointless: supervisord gone, or a program given up on."""

    def reason() -> str | None:
        if exit_code() is not None:
            return "supervisord exited"
        try:
            processes = supervisor.process_info(paths)
        except (OSError, xmlrpc.client.Error):
            return None
        given_up = [
            f"{info['group']}:{info['name']}"
            for info in processes
            if info["statename"] in _GIVE_UP_STATES
        ]
        return f"{', '.join(given_up)} kept crashing" if given_up else None

    return reason


def _detached_exit_code(paths: supervisor.Paths) -> Callable[[], int | None]:
    return lambda: None if supervisor.is_running(paths) else 1


def _database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return postgres.ensure_running(settings.pg_data_dir, DATABASE, port=settings.pg_port)


def _migrate(database_url: str) -> None:
    from souk_kit.migrations import upgrade_all
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    try:
        upgrade_all(database_url)
    except OperationalError as error:
        shown = make_url(database_url).render_as_string(hide_password=True)
        raise LaunchError(f"cannot reach the database {shown}: {error.orig}") from error


def _ensure_admin(database_url: str, email: str, password: str) -> bool:
    from services.auth.commands import ensure_admin

    return ensure_admin(database_url, email, password)


def _load_demo(settings: Settings, admin_password: str) -> list[tuple[str, str, str]]:
    from launcher.demo import load_demo

    logins = load_demo(settings.gateway_url, settings.admin_email, admin_password, settings.var_dir)
    return [(login.role, login.email, login.password) for login in logins]


def _shown_password(password: credentials.AdminPassword, created: bool) -> str:
    if password.stored_in is None:
        return "(the password in SOUK_ADMIN_PASSWORD)"
    if created:
        return f"{password.value}   (also kept in {password.stored_in})"
    return f"(password in {password.stored_in})"


def _check_ports_free(settings: Settings) -> None:
    wanted = {
        settings.gateway_port: ("0.0.0.0", "SOUK_GATEWAY_PORT"),
        settings.internal_port: ("127.0.0.1", "SOUK_INTERNAL_PORT"),
    }
    if settings.smtp_host is None:
        wanted[settings.smtp_port] = ("127.0.0.1", "SOUK_SMTP_PORT")
    for service in SERVICES:
        for replica in range(settings.replicas):
            port = settings.replica_port(service, replica)
            wanted[port] = ("127.0.0.1", "SOUK_SERVICE_BASE_PORT")
    for port, (host, setting) in wanted.items():
        with socket.socket() as probe:
            # As nginx and gunicorn do, so a port merely in TIME_WAIT counts as free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as error:
                raise LaunchError(
                    f"port {port} is taken ({error.strerror}); see {setting}"
                ) from None


def _check_nginx_conf(nginx: Path, config: Path, settings: Settings) -> None:
    result = subprocess.run(
        [str(nginx), "-t", "-q", "-p", f"{settings.gateway_dir}/", "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LaunchError(f"nginx rejects {config}:\n{result.stderr}")


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _say(message: str) -> None:
    print(f"souk: {message}", flush=True)
