"""The gateway pod's init container: gateway/nginx.conf rendered for the cluster's Services.

The same template, code and settings as compose's `gateway-config` job (`deploy.gateway`),
with one difference: each upstream is the service's Kubernetes Service (`orders:8000`), a
stable ClusterIP that spreads connections over however many pods the autoscaler runs, where
compose names each replica. The nginx container mounts the folder read-only and runs
`nginx -c <folder>/nginx.conf`.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from pathlib import Path

from souk_kit import SERVICES

from deploy.gateway import compose_gateway_config, main, write_config
from deploy.layout import SERVICE_PORT
from launcher.gateway import GatewayConfig


def upstream(service: str) -> str:
    """The address nginx sends a service's requests to: its Service, by its short name."""
    return f"{service}:{SERVICE_PORT}"


def k8s_gateway_config(environ: Mapping[str, str], config_dir: Path) -> GatewayConfig:
    return dataclasses.replace(
        compose_gateway_config(environ, config_dir),
        upstreams={service: [upstream(service)] for service in SERVICES},
    )


def write_gateway_config(environ: Mapping[str, str], config_dir: Path) -> Path:
    return write_config(k8s_gateway_config(environ, config_dir), config_dir)


if __name__ == "__main__":
    sys.exit(main(write_gateway_config))
