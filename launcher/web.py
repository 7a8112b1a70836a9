"""Building the web front end (web/) into web/dist, only when its sources changed.

The gateway serves web/dist at `/`. A build is skipped when the digest of the sources and the
lock file matches the one the last build left in web/dist; `npm ci` runs only when the lock
file changed since the last install. Several stacks may start at once (parallel tests): a
file lock lets one of them build while the others wait and then find the build done.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from launcher.files import make_readable, make_traversable
from launcher.settings import REPO_ROOT

WEB_ROOT = REPO_ROOT / "web"
DIST = WEB_ROOT / "dist"
_SOURCES = (
    "src",
    "public",
    "scripts",
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
)
# The storefront's first page needs its routes and home page, loaded lazily by the app shell.
FIRST_PAGE = ("src/shop/ShopRoutes.tsx",)
_BUILD_STAMP = ".souk-sources"
_INSTALL_STAMP = ".souk-package-lock"
# Vite 7's own floor.
_NODE_FLOOR = (20, 19)
_GET_NODE = (
    "install Node.js 20.19 or newer with npm (https://nodejs.org/en/download; on Debian or "
    "Ubuntu: `apt-get install nodejs npm` where the release ships 20.19+, else NodeSource's "
    "packages), then run `make up` again"
)


class WebBuildError(RuntimeError):
    """The front end cannot be built here."""


def sources_digest(root: Path = WEB_ROOT) -> str:
    digest = hashlib.sha256()
    for name in _SOURCES:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(str(file.relative_to(root)).encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def is_built(root: Path = WEB_ROOT) -> bool:
    stamp = root / "dist" / _BUILD_STAMP
    return (
        (root / "dist" / "index.html").is_file()
        and stamp.is_file()
        and (stamp.read_text() == sources_digest(root))
    )


def ensure_built(say: Callable[[str], None], root: Path = WEB_ROOT) -> Path:
    """web/dist, built first when the sources changed; readable by nginx's workers."""
    with _lock(root):
        if not is_built(root):
            _build(say, root)
        dist = root / "dist"
        make_traversable(dist)
        make_readable(dist)
        return dist


def first_load_files(
    dist: Path = DIST, *, lazy_entries: tuple[str, ...] = FIRST_PAGE
) -> list[Path]:
    """The files a browser downloads to show the first storefront page: the entry point, the
    lazily loaded chunks that page opens at once (`lazy_entries`), what they import, their CSS."""
    manifest = json.loads((dist / ".vite" / "manifest.json").read_text())
    wanted: list[str] = []
    pending = [key for key, chunk in manifest.items() if chunk.get("isEntry")]
    # A lazy module whose code other chunks share becomes a shared chunk ("_Name-hash.js"),
    # known by its name only.
    names = {Path(entry).stem for entry in lazy_entries}
    pending += [
        key
        for key, chunk in manifest.items()
        if chunk.get("src") in lazy_entries or ("src" not in chunk and chunk.get("name") in names)
    ]
    while pending:
        key = pending.pop()
        if key not in wanted:
            wanted.append(key)
            pending += manifest[key].get("imports", [])
    files = {dist / manifest[key]["file"] for key in wanted}
    files |= {dist / css for key in wanted for css in manifest[key].get("css", [])}
    return sorted(files)


def gzip_size(files: list[Path]) -> int:
    """Bytes on the wire: the sizes of the precompressed copies the gateway sends."""
    return sum(Path(f"{file}.gz").stat().st_size for file in files)


def _build(say: Callable[[str], None], root: Path) -> None:
    npm = _npm()
    lock_digest = hashlib.sha256((root / "package-lock.json").read_bytes()).hexdigest()
    install_stamp = root / "node_modules" / _INSTALL_STAMP
    if not (install_stamp.is_file() and install_stamp.read_text() == lock_digest):
        say("installing the web front end's packages (npm ci)")
        _run([npm, "ci", "--no-audit", "--no-fund"], root)
        install_stamp.write_text(lock_digest)
    say("building the web front end")
    digest = sources_digest(root)
    _run([npm, "run", "build"], root)
    (root / "dist" / _BUILD_STAMP).write_text(digest)


def _npm() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise WebBuildError(f"Node.js and npm are needed to build the shop's pages: {_GET_NODE}")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    found = re.match(r"v(\d+)\.(\d+)", version)
    if not found or (int(found[1]), int(found[2])) < _NODE_FLOOR:
        raise WebBuildError(
            f"Node.js {version.strip() or '?'} is too old for the shop's pages: {_GET_NODE}"
        )
    return npm


def _run(command: list[str], root: Path) -> None:
    result = subprocess.run(
        command,
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "CI": "1", "npm_config_update_notifier": "false"},
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-30:]
        raise WebBuildError(f"`{' '.join(command[1:])}` failed in {root}:\n" + "\n".join(output))


@contextmanager
def _lock(root: Path) -> Iterator[None]:
    with (root / ".souk-build.lock").open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
