"""Finding the system programs Souk needs (nginx; Chromium for the browser tests), installing
them with the system's package manager where we can."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# Debian puts nginx in /usr/sbin, which is not on an ordinary user's PATH.
_EXTRA_PLACES = ("/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin", "/usr/local/bin")


class ProgramMissingError(RuntimeError):
    """A program is not installed and we cannot install it ourselves."""


def find_program(name: str) -> Path | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(_EXTRA_PLACES)
    found = shutil.which(name, path=path)
    return Path(found) if found else None


def install_system_package(package: str) -> None:
    """Install a Debian/Ubuntu package when running as root; otherwise say what to run."""
    if sys.platform == "darwin":
        raise ProgramMissingError(f"{package} is not installed; run: brew install {package}")
    if not shutil.which("apt-get"):
        raise ProgramMissingError(
            f"{package} is not installed; install it with your package manager"
        )
    if os.geteuid() != 0:
        raise ProgramMissingError(
            f"{package} is not installed; run: sudo apt-get update && sudo apt-get install -y {package}"
        )
    print(f"souk: {package} is missing, installing it with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", package], check=True, env=env
    )


def ensure_program(name: str, package: str | None = None) -> Path:
    """The program `name`; installs its Debian/Ubuntu package when running as root."""
    found = find_program(name)
    if found:
        return found
    install_system_package(package or name)
    found = find_program(name)
    if not found:
        raise ProgramMissingError(f"apt-get installed {package or name} but {name} is not on PATH")
    return found


def ensure_nginx() -> Path:
    return ensure_program("nginx")


def ensure_chromium() -> Path:
    """Debian's Chromium, which the browser tests drive (Playwright's own download does not
    work everywhere)."""
    return ensure_program("chromium")
