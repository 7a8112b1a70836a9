"""The one-shot `gateway-config` job: gateway/nginx.conf rendered for the compose network.

The template and the code are the launcher's own (`launcher.gateway`): the values come from
the same settings (`SOUK_GATEWAY_RATE`, `SOUK_CORS_ORIGINS`, ...) and only the addresses and
paths differ. The official nginx image mounts the output folder read-only and runs
`nginx -c <folder>/nginx.conf`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from souk_kit import SERVICES

from clients.swagger import write_docs
from deploy.layout import (
    GATEWAY_CONFIG_DIR,
    GATEWAY_PORT,
    INTERNAL_PORT,
    MEDIA_DIR,
    SERVICE_PORT,
    replica_names,
)
from launcher.files import make_readable
from launcher.gateway import TEMPLATE, GatewayConfig, render_nginx_conf
from launcher.settings import Settings
from launcher.web import DIST

CONFIG_FILE = "nginx.conf"
# In the nginx container: these exist in the official image and its master process is root.
RUN_DIR = Path("/run")
TEMP_DIR = Path("/var/cache/nginx")
# nginx writes its logs here; the links send them to the container's output (`docker compose logs`).
LOG_LINKS = {"gateway_access.log": "/dev/stdout", "gateway_error.log": "/dev/stderr"}


def compose_gateway_config(environ: Mapping[str, str], config_dir: Path) -> GatewayConfig:
    """The launcher's gateway configuration, moved onto the compose network.

    The public listener takes every interface (compose publishes it); the internal one too,
    but it is never published, so only containers on the compose network reach it.
    """
    launcher_config = GatewayConfig.from_settings(Settings.from_env(environ))
    return dataclasses.replace(
        launcher_config,
        public_listen=str(GATEWAY_PORT),
        internal_listen=str(INTERNAL_PORT),
        upstreams={
            service: [f"{name}:{SERVICE_PORT}" for name in replica_names(service)]
            for service in SERVICES
        },
        media_dir=MEDIA_DIR,
        log_dir=config_dir / "log",
        run_dir=RUN_DIR,
        temp_dir=TEMP_DIR,
        extra_dir=config_dir / "public.d",
        docs_dir=config_dir / "docs",
        web_dir=config_dir / "web",
    )


def write_gateway_config(environ: Mapping[str, str], config_dir: Path) -> Path:
    return write_config(compose_gateway_config(environ, config_dir), config_dir)


def write_config(config: GatewayConfig, config_dir: Path) -> Path:
    """nginx.conf for `config` in `config_dir`, with its docs, log links and extra folder."""
    text = render_nginx_conf(TEMPLATE.read_text(), config)
    config.extra_dir.mkdir(parents=True, exist_ok=True)
    write_docs(config.docs_dir)
    publish_web(config.web_dir)
    config.log_dir.mkdir(parents=True, exist_ok=True)
    for name, target in LOG_LINKS.items():
        link = config.log_dir / name
        if not (link.is_symlink() and os.readlink(link) == target):
            link.unlink(missing_ok=True)
            link.symlink_to(target)
    target_file = config_dir / CONFIG_FILE
    partial = config_dir / f".{CONFIG_FILE}.partial"
    partial.write_text(text)
    # nginx's master process reads it as root, its workers never do.
    partial.chmod(0o644)
    partial.replace(target_file)
    return target_file


def publish_web(web_dir: Path) -> None:
    """The image's web front end build (web/dist), copied where the gateway serves it."""
    if not (DIST / "index.html").is_file():
        raise OSError(f"the image holds no web front end build in {DIST}")
    if web_dir.resolve() == DIST.resolve():
        return
    partial = web_dir.with_name(f".{web_dir.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(DIST, partial)
    make_readable(partial)
    shutil.rmtree(web_dir, ignore_errors=True)
    partial.rename(web_dir)


ConfigWriter = Callable[[Mapping[str, str], Path], Path]


def main(write: ConfigWriter = write_gateway_config) -> int:
    config_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else GATEWAY_CONFIG_DIR
    try:
        path = write(os.environ, config_dir)
    except (OSError, ValueError) as error:
        print(f"souk: cannot write the gateway configuration: {error}", file=sys.stderr)
        return 1
    print(f"souk: gateway configuration written to {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
