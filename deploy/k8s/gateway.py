"""The gateway pod's init container: gateway/nginx.conf rendered for the cluster's Services.

The same template, code and settings as compose's `gateway-config` job (`deploy.gateway`),
with one difference: each upstream is the service's Kubernetes Service (`orders:8000`), a
stable ClusterIP that spreads connections over however many pods the autoscaler runs, where
compose names each replica. The nginx container mounts the folder read-only and runs
`nginx -c <folder>/nginx.conf`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from souk_kit import SERVICES

from clients.swagger import write_docs
from deploy.gateway import CONFIG_FILE, LOG_LINKS, compose_gateway_config
from deploy.layout import GATEWAY_CONFIG_DIR, SERVICE_PORT
from launcher.gateway import TEMPLATE, GatewayConfig, render_nginx_conf


def upstream(service: str) -> str:
    """The address nginx sends a service's requests to: its Service, by its short name."""
    return f"{service}:{SERVICE_PORT}"


def k8s_gateway_config(environ: Mapping[str, str], config_dir: Path) -> GatewayConfig:
    return dataclasses.replace(
        compose_gateway_config(environ, config_dir),
        upstreams={service: [upstream(service)] for service in SERVICES},
    )


def write_gateway_config(environ: Mapping[str, str], config_dir: Path) -> Path:
    config = k8s_gateway_config(environ, config_dir)
    text = render_nginx_conf(TEMPLATE.read_text(), config)
    config.extra_dir.mkdir(parents=True, exist_ok=True)
    write_docs(config.docs_dir)
    config.log_dir.mkdir(parents=True, exist_ok=True)
    for name, target in LOG_LINKS.items():
        link = config.log_dir / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    target_file = config_dir / CONFIG_FILE
    target_file.write_text(text)
    # nginx's master process reads it as root, its workers never do.
    target_file.chmod(0o644)
    return target_file


def main() -> int:
    config_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else GATEWAY_CONFIG_DIR
    try:
        path = write_gateway_config(os.environ, config_dir)
    except (OSError, ValueError) as error:
        print(f"souk: cannot write the gateway configuration: {error}", file=sys.stderr)
        return 1
    print(f"souk: gateway configuration written to {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
