"""supervisord: one program per service replica plus nginx, driven over its unix socket."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.settings import SERVICES, Settings

MAX_SOCKET_PATH = 100


@dataclass(frozen=True)
class Program:
    name: str
    command: Sequence[str]
    log_file: Path
    group: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    priority: int = 100
    stop_signal: str = "TERM"


@dataclass(frozen=True)
class Paths:
    config: Path
    socket: Path
    pid_file: Path
    log_file: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> Paths:
        socket = settings.run_dir / "supervisor.sock"
        if len(str(socket)) > MAX_SOCKET_PATH:
            digest = hashlib.sha256(str(settings.var_dir).encode()).hexdigest()[:12]
            socket = Path(tempfile.gettempdir()) / f"souk-supervisor-{digest}.sock"
        return cls(
            config=settings.var_dir / "supervisord.conf",
            socket=socket,
            pid_file=settings.run_dir / "supervisord.pid",
            log_file=settings.log_dir / "supervisord.log",
        )


# The worker class and app of each service. Activity serves long-lived event streams beside
# its routes, so it runs under an ASGI worker (services/activity/asgi.py); `--threads` then
# does not apply to it (its routes run in SOUK_REQUEST_THREADS threads).
_THREADED = ("gthread", "services.{service}.app:create_app()")
_SERVED_BY = {
    "activity": ("services.activity.asgi.StreamWorker", "services.activity.asgi:create_app()")
}


def service_programs(settings: Settings, private_key_file: Path) -> list[Program]:
    programs = []
    for service in SERVICES:
        worker_class, app = _SERVED_BY.get(service, _THREADED)
        for replica in range(settings.replicas):
            name = f"{service}-{replica}"
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{settings.replica_port(service, replica)}",
                "--worker-class",
                worker_class,
                "--workers",
                str(settings.workers),
                "--threads",
                str(settings.threads),
                # Longer than nginx's upstream keepalive_timeout, so nginx always closes an
                # idle connection first and never sends a request on one gunicorn is closing.
                "--keep-alive",
                "75",
                "--timeout",
                "60",
                "--graceful-timeout",
                "10",
                "--error-logfile",
                "-",
                # Otherwise every replica fights over one control socket in ~/.gunicorn.
                "--no-control-socket",
                "--name",
                f"souk-{name}",
                app.format(service=service),
            ]
            environment = (
                {"SOUK_JWT_PRIVATE_KEY_FILE": str(private_key_file)} if service == "auth" else {}
            )
            programs.append(
                Program(
                    name=name,
                    group=service,
                    command=command,
                    log_file=settings.log_dir / f"{name}.log",
                    environment=environment,
                )
            )
    return programs


def mail_sink_program(settings: Settings) -> Program:
    """A local SMTP server that keeps every message in a Maildir (when no SOUK_SMTP_HOST)."""
    return Program(
        name="mail",
        command=[
            sys.executable,
            "-m",
            "aiosmtpd",
            "--nosetuid",
            "--listen",
            f"127.0.0.1:{settings.smtp_port}",
            "--class",
            "aiosmtpd.handlers.Mailbox",
            str(settings.mail_dir),
        ],
        log_file=settings.log_dir / "mail.log",
        priority=50,
    )


def nginx_program(settings: Settings, nginx: Path, config: Path) -> Program:
    return Program(
        name="nginx",
        command=[str(nginx), "-p", f"{settings.gateway_dir}/", "-c", str(config)],
        log_file=settings.log_dir / "nginx.log",
        priority=900,
        stop_signal="QUIT",
    )


def render_config(settings: Settings, paths: Paths, programs: Sequence[Program]) -> str:
    sections = [
        _section(
            "unix_http_server",
            file=_escape(str(paths.socket)),
            chmod="0700",
        ),
        _section(
            "supervisord",
            logfile=_escape(str(paths.log_file)),
            pidfile=_escape(str(paths.pid_file)),
            childlogdir=_escape(str(settings.log_dir)),
            loglevel="info",
            # In the foreground the launcher reports; supervisord's own lines go to its log.
            silent="true",
            **({"user": "root"} if os.geteuid() == 0 else {}),
        ),
        _section(
            "rpcinterface:supervisor",
            **{"supervisor.rpcinterface_factory": "supervisor.rpcinterface:make_main_rpcinterface"},
        ),
        _section("supervisorctl", serverurl=_escape(f"unix://{paths.socket}")),
    ]
    groups: dict[str, list[str]] = {}
    for program in programs:
        if program.group:
            groups.setdefault(program.group, []).append(program.name)
        options = {
            "command": _escape(shlex.join(program.command)),
            "directory": _escape(str(settings.repo_root)),
            "priority": str(program.priority),
            "autostart": "true",
            "autorestart": "true",
            "startsecs": "1",
            "startretries": "3",
            "stopsignal": program.stop_signal,
            "stopwaitsecs": "15",
            "stopasgroup": "true",
            "killasgroup": "true",
            "redirect_stderr": "true",
            "stdout_logfile": _escape(str(program.log_file)),
            "stdout_logfile_maxbytes": "20MB",
            "stdout_logfile_backups": "2",
        }
        if program.environment:
            options["environment"] = ",".join(
                f"{key}={_quoted(value)}" for key, value in program.environment.items()
            )
        sections.append(_section(f"program:{program.name}", **options))
    for group, members in groups.items():
        sections.append(_section(f"group:{group}", programs=",".join(members)))
    return "\n".join(sections)


def write_config(settings: Settings, paths: Paths, programs: Sequence[Program]) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    paths.config.write_text(render_config(settings, paths, programs))


def start(paths: Paths, env: Mapping[str, str], *, foreground: bool) -> subprocess.Popen[bytes]:
    """Start supervisord; in the background it daemonizes and this returns once it has."""
    command = [sys.executable, "-m", "supervisor.supervisord", "-c", str(paths.config)]
    if foreground:
        # Its own session: Ctrl-C reaches only the launcher, which stops everything at once
        # (supervisord on its own would stop the programs one group after another).
        return subprocess.Popen([*command, "-n"], env=dict(env), start_new_session=True)
    process = subprocess.Popen(command, env=dict(env), stdin=subprocess.DEVNULL)
    if process.wait() != 0:
        raise RuntimeError(f"supervisord did not start; see {paths.log_file}")
    return process


@contextmanager
def control(paths: Paths) -> Iterator[Any]:
    """supervisord's XML-RPC interface (its `supervisor.*` namespace), closed afterwards."""
    from supervisor.xmlrpc import SupervisorTransport

    transport = SupervisorTransport(None, None, f"unix://{paths.socket}")
    proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
    try:
        yield proxy.supervisor
    finally:
        transport.close()


def is_running(paths: Paths) -> bool:
    if not paths.socket.exists():
        return False
    try:
        with control(paths) as supervisord:
            return bool(supervisord.getState()["statename"] == "RUNNING")
    except (OSError, xmlrpc.client.Error):
        return False


def process_info(paths: Paths) -> list[dict[str, Any]]:
    """supervisord's view of every program: name, group, statename, pid, ..."""
    with control(paths) as supervisord:
        info: list[dict[str, Any]] = supervisord.getAllProcessInfo()
    return info


def request_shutdown(paths: Paths) -> None:
    """Stop every program (all at once, not group after group), then supervisord itself."""
    try:
        with control(paths) as supervisord:
            supervisord.stopAllProcesses(True)
            supervisord.shutdown()
    except (OSError, xmlrpc.client.Error):
        pass


def shutdown(paths: Paths, timeout: float = 60) -> None:
    """Shut down a daemonized supervisord and wait until it has exited."""
    pid = _read_pid(paths.pid_file)
    request_shutdown(paths)
    deadline = time.monotonic() + timeout
    while pid and _alive(pid):
        if time.monotonic() > deadline:
            raise TimeoutError(f"supervisord (pid {pid}) did not exit within {timeout:.0f} s")
        time.sleep(0.1)


def _section(title: str, **options: str) -> str:
    lines = [f"[{title}]", *(f"{key}={value}" for key, value in options.items())]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    # supervisord expands %(name)s in its configuration values.
    return value.replace("%", "%%")


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{_escape(escaped)}"'


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
