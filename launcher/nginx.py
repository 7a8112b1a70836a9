"""Finding the system's nginx, installing it where we can."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# Debian puts nginx in /usr/sbin, which is not on an ordinary user's PATH.
_EXTRA_PLACES = ("/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin", "/usr/local/bin")


class NginxMissingError(RuntimeError):
    """nginx is not installed and we cannot install it ourselves."""


def find_nginx() -> Path | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(_EXTRA_PLACES)
    found = shutil.which("nginx", path=path)
    return Path(found) if found else None


def install_system_package(package: str) -> None:
    """Install a Debian/Ubuntu package when running as root; otherwise say what to run."""
    if sys.platform == "darwin":
        raise NginxMissingError(f"{package} is not installed; run: brew install {package}")
    if not shutil.which("apt-get"):
        raise NginxMissingError(f"{package} is not installed; install it with your package manager")
    if os.geteuid() != 0:
        raise NginxMissingError(
            f"{package} is not installed; run: sudo apt-get update && sudo apt-get install -y {package}"
        )
    print(f"souk: {package} is missing, installing it with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", package], check=True, env=env
    )


def ensure_nginx() -> Path:
    """The nginx binary; installs the Debian/Ubuntu package when running as root."""
    found = find_nginx()
    if found:
        return found
    install_system_package("nginx")
    found = find_nginx()
    if not found:
        raise NginxMissingError("apt-get installed nginx but it is not on PATH")
    return found
