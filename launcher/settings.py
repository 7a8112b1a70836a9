"""The launcher's settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The order of SERVICES is part of the port plan: service i, replica r listens on base + 10*i + r.
from souk_kit import SERVICES

REPO_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting from the environment cannot be used."""


@dataclass(frozen=True)
class Settings:
    repo_root: Path
    var_dir: Path
    log_dir: Path
    media_dir: Path
    database_url: str | None
    pg_port: int | None
    gateway_port: int
    internal_port: int
    service_base_port: int
    replicas: int
    workers: int
    threads: int
    admin_email: str
    admin_password: str | None
    demo: bool
    gateway_rate: str
    gateway_burst: int
    gateway_auth_rate: str
    gateway_auth_burst: int
    gateway_checkout_rate: str
    gateway_checkout_burst: int
    gateway_events_rate: str
    gateway_events_burst: int
    cors_origins: tuple[str, ...]
    start_timeout: float
    # Notification e-mail: through SOUK_SMTP_HOST when set, else a local sink the launcher
    # runs on `smtp_port`, which keeps every message in `mail_dir` (a Maildir).
    smtp_host: str | None
    smtp_port: int

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        var_dir = _path(env.get("SOUK_VAR_DIR"), REPO_ROOT / "var")
        settings = cls(
            repo_root=REPO_ROOT,
            var_dir=var_dir,
            log_dir=_path(env.get("SOUK_LOG_DIR"), var_dir / "log"),
            media_dir=_path(env.get("SOUK_MEDIA_DIR"), var_dir / "media"),
            database_url=env.get("DATABASE_URL") or None,
            pg_port=_int(env, "SOUK_PG_PORT", None),
            gateway_port=_require_int(env, "SOUK_GATEWAY_PORT", 8080),
            internal_port=_require_int(env, "SOUK_INTERNAL_PORT", 8081),
            service_base_port=_require_int(env, "SOUK_SERVICE_BASE_PORT", 9100),
            replicas=_require_int(env, "SOUK_REPLICAS", 2),
            workers=_require_int(env, "SOUK_WORKERS", 1),
            threads=_require_int(env, "SOUK_THREADS", 4),
            admin_email=env.get("SOUK_ADMIN_EMAIL") or "admin@souk.local",
            admin_password=env.get("SOUK_ADMIN_PASSWORD") or None,
            demo=env.get("SOUK_DEMO", "1") != "0",
            gateway_rate=env.get("SOUK_GATEWAY_RATE") or "2000r/s",
            gateway_burst=_require_int(env, "SOUK_GATEWAY_BURST", 2000),
            gateway_auth_rate=env.get("SOUK_GATEWAY_AUTH_RATE") or "10r/s",
            gateway_auth_burst=_require_int(env, "SOUK_GATEWAY_AUTH_BURST", 20),
            gateway_checkout_rate=env.get("SOUK_GATEWAY_CHECKOUT_RATE") or "10r/s",
            gateway_checkout_burst=_require_int(env, "SOUK_GATEWAY_CHECKOUT_BURST", 20),
            gateway_events_rate=env.get("SOUK_GATEWAY_EVENTS_RATE") or "50r/s",
            gateway_events_burst=_require_int(env, "SOUK_GATEWAY_EVENTS_BURST", 100),
            cors_origins=_list(
                env.get("SOUK_CORS_ORIGINS") or "http://localhost:3000,http://localhost:5173"
            ),
            start_timeout=float(env.get("SOUK_START_TIMEOUT") or 90),
            smtp_host=env.get("SOUK_SMTP_HOST") or None,
            smtp_port=_require_int(env, "SOUK_SMTP_PORT", 8025),
        )
        if not 1 <= settings.replicas <= 10:
            raise SettingsError("SOUK_REPLICAS must be between 1 and 10 (ports step by 10)")
        return settings

    @property
    def secrets_dir(self) -> Path:
        return self.var_dir / "secrets"

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def gateway_dir(self) -> Path:
        return self.var_dir / "gateway"

    @property
    def pg_data_dir(self) -> Path:
        return self.var_dir / "pg"

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def internal_url(self) -> str:
        return f"http://127.0.0.1:{self.internal_port}"

    def replica_port(self, service: str, replica: int) -> int:
        return self.service_base_port + 10 * SERVICES.index(service) + replica

    def replica_addresses(self, service: str) -> list[str]:
        return [f"127.0.0.1:{self.replica_port(service, r)}" for r in range(self.replicas)]


def _path(value: str | None, default: Path) -> Path:
    return Path(value).expanduser().resolve() if value else default


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _require_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    assert value is not None
    return value


def _list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())
