"""Docker's health check for a service container: its own `/api/<name>/health` answers 200.

That route also pings the service's database, so a replica that lost PostgreSQL turns
unhealthy. Exit status 0 is healthy, 1 is not.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping

from deploy.layout import SERVICE_PORT

TIMEOUT_SECONDS = 3


def health_url(environ: Mapping[str, str]) -> str:
    service = environ.get("SOUK_SERVICE")
    if not service:
        raise ValueError("SOUK_SERVICE is not set")
    port = environ.get("SOUK_PORT") or SERVICE_PORT
    return f"http://127.0.0.1:{port}/api/{service}/health"


def main() -> int:
    try:
        url = health_url(os.environ)
        # No proxy: an HTTP_PROXY in the environment must not stand between docker and the replica.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=TIMEOUT_SECONDS) as response:
            return 0 if response.status == 200 else 1
    except (OSError, ValueError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
