"""`python -m launcher up [--detach] | down | status | ensure-nginx | ensure-chromium`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from launcher import stack
from launcher.gateway import GatewayConfigError
from launcher.postgres import PostgresError
from launcher.programs import ProgramMissingError, ensure_chromium, ensure_nginx
from launcher.settings import Settings, SettingsError

_EXPECTED_FAILURES = (
    GatewayConfigError,
    ProgramMissingError,
    PostgresError,
    SettingsError,
    stack.LaunchError,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start PostgreSQL, the services and the gateway")
    start.add_argument(
        "--detach", action="store_true", help="start in the background and return when healthy"
    )
    commands.add_parser("down", help="stop everything `up` started")
    commands.add_parser("status", help="health of each service through the gateway")
    commands.add_parser("ensure-nginx", help="install nginx if it is missing")
    commands.add_parser(
        "ensure-chromium", help="install Chromium (for the browser tests) if it is missing"
    )
    args = parser.parse_args(argv)

    try:
        if args.command == "ensure-nginx":
            print(f"nginx: {ensure_nginx()}")
            return 0
        if args.command == "ensure-chromium":
            print(f"chromium: {ensure_chromium()}")
            return 0
        settings = Settings.from_env()
        if args.command == "up":
            return stack.up(settings, detach=args.detach)
        if args.command == "down":
            return stack.down(settings)
        return stack.status(settings)
    except _EXPECTED_FAILURES as error:
        print(f"souk: error: {error}", file=sys.stderr)
        return 1
