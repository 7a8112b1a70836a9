"""Asking the services whether they are up: each replica directly, then through the gateway."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from launcher.settings import SERVICES, Settings

POLL_INTERVAL = 0.2


@dataclass(frozen=True)
class Outcome:
    healthy: bool
    failing: list[str]
    reason: str


def health_status(base_url: str, service: str, timeout: float = 2.0) -> int | None:
    """The HTTP status of the service's health route, or None when nothing answers."""
    with requests.Session() as session:
        session.trust_env = False  # a proxy from the environment must not see localhost calls
        try:
            return session.get(f"{base_url}/api/{service}/health", timeout=timeout).status_code
        except requests.RequestException:
            return None


def gateway_health(settings: Settings) -> dict[str, int | None]:
    return {service: health_status(settings.gateway_url, service) for service in SERVICES}


def wait_until_healthy(
    settings: Settings,
    *,
    still_starting: Callable[[], str | None],
) -> Outcome:
    """Poll until every replica and every route through the gateway answers 200.

    `still_starting` returns a reason to give up early (supervisord gone, a program FATAL).
    """
    deadline = time.monotonic() + settings.start_timeout
    pending = [(service, r) for service in SERVICES for r in range(settings.replicas)]
    while True:
        pending = [
            (service, r)
            for service, r in pending
            if health_status(f"http://127.0.0.1:{settings.replica_port(service, r)}", service)
            != 200
        ]
        if not pending:
            down = [name for name, code in gateway_health(settings).items() if code != 200]
            if not down:
                return Outcome(True, [], "")
            failing = ["nginx"]
        else:
            failing = [f"{service}-{r}" for service, r in pending]
        problem = still_starting()
        if problem:
            return Outcome(False, failing, problem)
        if time.monotonic() > deadline:
            return Outcome(False, failing, f"not healthy after {settings.start_timeout:.0f} s")
        time.sleep(POLL_INTERVAL)


def log_tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    with path.open("rb") as file:
        file.seek(0, 2)
        file.seek(max(0, file.tell() - 64 * 1024))
        text = file.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])
