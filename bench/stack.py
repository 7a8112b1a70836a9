"""A Souk stack of its own for the benchmark (ports 28xxx/29xxx, var/bench), started by the
same launcher as `make up`, plus the ceiling app behind the same nginx."""

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from launcher.settings import REPO_ROOT, Settings

GATEWAY_PORT = 28080
REFERENCE_PORT = 28090
CEILING_BASE_PORT = 29900

REFERENCE_SERVER = """
upstream bench_ceiling {{
{servers}
    keepalive 16;
    keepalive_timeout 60s;
}}

server {{
    listen 127.0.0.1:{port};
    limit_req zone=per_ip burst={burst} nodelay;

    location = /ceiling {{
        proxy_pass http://bench_ceiling;
    }}

    location = /nginx {{
        return 200 '{{"status": "ok"}}';
    }}
}}
"""


@dataclass(frozen=True)
class BenchStack:
    url: str
    reference_url: str
    admin_email: str
    admin_password: str
    settings: Settings


def _launcher(env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "launcher", *args], env=env, cwd=REPO_ROOT, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"`python -m launcher {' '.join(args)}` failed")


@contextmanager
def bench_stack(replicas: int, workers: int, threads: int) -> Iterator[BenchStack]:
    var_dir = REPO_ROOT / "var" / "bench"
    admin_password = secrets.token_urlsafe(16)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SOUK_") and key != "DATABASE_URL"
    }
    env.update(
        {
            "SOUK_VAR_DIR": str(var_dir),
            "SOUK_GATEWAY_PORT": str(GATEWAY_PORT),
            "SOUK_INTERNAL_PORT": str(GATEWAY_PORT + 1),
            "SOUK_SERVICE_BASE_PORT": "29100",
            "SOUK_SMTP_PORT": str(GATEWAY_PORT + 25),
            "SOUK_REPLICAS": str(replicas),
            "SOUK_WORKERS": str(workers),
            "SOUK_THREADS": str(threads),
            "SOUK_DEMO": "0",
            "SOUK_ADMIN_EMAIL": "admin-bench@example.com",
            "SOUK_ADMIN_PASSWORD": admin_password,
            # All load comes from one address; the per-IP limits would measure themselves.
            "SOUK_GATEWAY_RATE": "1000000r/s",
            "SOUK_GATEWAY_BURST": "100000",
            "SOUK_GATEWAY_AUTH_RATE": "100000r/s",
            "SOUK_GATEWAY_AUTH_BURST": "100000",
            "SOUK_GATEWAY_CHECKOUT_RATE": "100000r/s",
            "SOUK_GATEWAY_CHECKOUT_BURST": "100000",
            "SOUK_GATEWAY_EVENTS_RATE": "100000r/s",
            "SOUK_GATEWAY_EVENTS_BURST": "100000",
        }
    )
    settings = Settings.from_env(env)
    _launcher(env, "down")
    shutil.rmtree(var_dir, ignore_errors=True)

    ceiling_ports = [CEILING_BASE_PORT + r for r in range(replicas)]
    extra_dir = settings.gateway_dir / "public.d"
    extra_dir.mkdir(parents=True)
    (extra_dir / "bench.conf").write_text(
        REFERENCE_SERVER.format(
            servers="\n".join(f"    server 127.0.0.1:{p};" for p in ceiling_ports),
            port=REFERENCE_PORT,
            burst=100000,
        )
    )
    ceilings = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--keep-alive",
                "75",
                "--no-control-socket",
                "bench.ceiling:create_app()",
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ceiling_ports
    ]
    try:
        _launcher(env, "up", "--detach")
        stack = BenchStack(
            url=settings.gateway_url,
            reference_url=f"http://127.0.0.1:{REFERENCE_PORT}",
            admin_email="admin-bench@example.com",
            admin_password=admin_password,
            settings=settings,
        )
        requests.get(stack.reference_url + "/ceiling", timeout=10).raise_for_status()
        yield stack
    finally:
        _launcher(env, "down")
        for process in ceilings:
            process.terminate()
        for process in ceilings:
            process.wait(timeout=10)


def work_dir() -> Path:
    folder = REPO_ROOT / "var" / "bench-results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
