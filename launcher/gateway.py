"""Rendering gateway/nginx.conf: only addresses, ports, paths and limits are filled in.

The template marks each value as `{{NAME}}` (nginx itself never uses double braces). The
launcher and docker-compose both render it with `render_nginx_conf`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clients.swagger import write_docs
from launcher.settings import REPO_ROOT, SERVICES, Settings

TEMPLATE = REPO_ROOT / "gateway" / "nginx.conf"
# Passive health checks: three failed attempts within 5 s take a server out for 5 s.
SERVER_OPTIONS = "max_fails=3 fail_timeout=5s"
# Per-route limits tighter than the global per-IP one (fixed values for now: Settings has no
# fields for them). A person never checks out ten times a second, and the benchmark's buyers
# (each waits for its checkout, which takes well over 100 ms) stay far below it.

_MARKER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_RATE = re.compile(r"^[0-9]+r/[sm]$")
_ADDRESS = re.compile(r"^([A-Za-z0-9.-]+:)?[0-9]{1,5}$")
_UNSAFE_IN_PATH = re.compile(r'["$;{}\s]')


class GatewayConfigError(ValueError):
    """A value cannot be placed into the nginx configuration safely."""


@dataclass(frozen=True)
class GatewayConfig:
    public_listen: str
    internal_listen: str
    upstreams: Mapping[str, Sequence[str]]
    media_dir: Path
    log_dir: Path
    run_dir: Path
    temp_dir: Path
    extra_dir: Path
    rate: str
    burst: int
    auth_rate: str
    auth_burst: int
    cors_origins: Sequence[str]
    checkout_rate: str = "10r/s"  # per signed-in session, POST /api/orders
    checkout_burst: int = 20
    events_rate: str = "50r/s"  # per address, POST /api/activity/events
    events_burst: int = 100
    docs_dir: Path = REPO_ROOT / "var" / "gateway" / "docs"  # Swagger UI at /docs
    web_dir: Path = REPO_ROOT / "web" / "dist"  # the web front end at /

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayConfig:
        return cls(
            public_listen=str(settings.gateway_port),
            internal_listen=f"127.0.0.1:{settings.internal_port}",
            upstreams={name: settings.replica_addresses(name) for name in SERVICES},
            media_dir=settings.media_dir,
            log_dir=settings.log_dir,
            run_dir=settings.run_dir,
            temp_dir=settings.gateway_dir / "tmp",
            extra_dir=settings.gateway_dir / "public.d",
            rate=settings.gateway_rate,
            burst=settings.gateway_burst,
            auth_rate=settings.gateway_auth_rate,
            auth_burst=settings.gateway_auth_burst,
            cors_origins=settings.cors_origins,
            checkout_rate=settings.gateway_checkout_rate,
            checkout_burst=settings.gateway_checkout_burst,
            events_rate=settings.gateway_events_rate,
            events_burst=settings.gateway_events_burst,
            docs_dir=settings.gateway_dir / "docs",
        )

    def create_folders(self) -> None:
        """The folders nginx expects to exist (it creates only the last level of a temp path)."""
        for folder in (self.log_dir, self.run_dir, self.temp_dir, self.media_dir, self.extra_dir):
            folder.mkdir(parents=True, exist_ok=True)
        # nginx workers drop root privileges; they must still reach the images.
        self.media_dir.chmod(0o755)
        write_docs(self.docs_dir)

    def values(self) -> dict[str, str]:
        values = {
            "GATEWAY_LISTEN": _checked(_ADDRESS, self.public_listen, "listen address"),
            "INTERNAL_LISTEN": _checked(_ADDRESS, self.internal_listen, "listen address"),
            "MEDIA_DIR": _path(self.media_dir),
            "LOG_DIR": _path(self.log_dir),
            "RUN_DIR": _path(self.run_dir),
            "TEMP_DIR": _path(self.temp_dir),
            "EXTRA_DIR": _path(self.extra_dir),
            "DOCS_DIR": _path(self.docs_dir),
            "WEB_DIR": _path(self.web_dir),
            "GATEWAY_RATE": _checked(_RATE, self.rate, "rate"),
            "GATEWAY_BURST": str(int(self.burst)),
            "GATEWAY_AUTH_RATE": _checked(_RATE, self.auth_rate, "rate"),
            "GATEWAY_AUTH_BURST": str(int(self.auth_burst)),
            "GATEWAY_CHECKOUT_RATE": _checked(_RATE, self.checkout_rate, "rate"),
            "GATEWAY_CHECKOUT_BURST": str(int(self.checkout_burst)),
            "GATEWAY_EVENTS_RATE": _checked(_RATE, self.events_rate, "rate"),
            "GATEWAY_EVENTS_BURST": str(int(self.events_burst)),
            "CORS_ORIGINS": "\n".join(
                f'"{_checked(_ORIGIN, origin, "CORS origin")}" $http_origin;'
                for origin in self.cors_origins
            ),
        }
        for service in SERVICES:
            addresses = self.upstreams.get(service)
            if not addresses:
                raise GatewayConfigError(f"no servers for the {service} upstream")
            values[f"{service.upper()}_SERVERS"] = "\n".join(
                f"server {_checked(_ADDRESS, address, 'server address')} {SERVER_OPTIONS};"
                for address in addresses
            )
        return values


def render_nginx_conf(template: str, config: GatewayConfig) -> str:
    return render(template, config.values())


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace every `{{NAME}}`; a multi-line value keeps the marker's indentation."""
    missing = set(_MARKER.findall(template)) - values.keys()
    if missing:
        raise GatewayConfigError(f"no value for {', '.join(sorted(missing))}")
    unused = values.keys() - set(_MARKER.findall(template))
    if unused:
        raise GatewayConfigError(f"the template has no marker for {', '.join(sorted(unused))}")

    def substitute(match: re.Match[str]) -> str:
        line_start = template.rfind("\n", 0, match.start()) + 1
        indent = template[line_start : match.start()]
        if indent.strip():
            indent = ""
        return values[match.group(1)].replace("\n", "\n" + indent)

    return _MARKER.sub(substitute, template)


def write_nginx_conf(settings: Settings) -> Path:
    """Render the template into var/gateway/nginx.conf and create the folders it names."""
    config = GatewayConfig.from_settings(settings)
    config.create_folders()
    settings.gateway_dir.mkdir(parents=True, exist_ok=True)
    target = settings.gateway_dir / "nginx.conf"
    target.write_text(render_nginx_conf(TEMPLATE.read_text(), config))
    return target


def _checked(pattern: re.Pattern[str], value: str, what: str) -> str:
    if not pattern.match(value):
        raise GatewayConfigError(f"not a valid {what}: {value!r}")
    return value


def _path(path: Path) -> str:
    text = str(path.resolve())
    if _UNSAFE_IN_PATH.search(text):
        raise GatewayConfigError(f"nginx cannot use this path safely: {text!r}")
    return text
