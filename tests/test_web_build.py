"""The web front end's build: its unit tests (vitest) pass, it is rebuilt exactly when its
sources change, and the storefront's first page stays small."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from launcher import web

# Issue #12: the first storefront page downloads under 150 kB of gzip.
FIRST_LOAD_CEILING = 150 * 1024


def test_the_unit_tests_of_the_web_front_end_pass(web_dist: Path) -> None:
    run = subprocess.run(
        [shutil.which("npx") or "npx", "vitest", "run", "--reporter=dot"],
        cwd=web.WEB_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "CI": "1"},
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert " passed" in output and " failed" not in output, output


def test_the_first_storefront_page_downloads_under_150_kb_of_gzip(web_dist: Path) -> None:
    files = web.first_load_files(web_dist)
    kinds = {file.suffix for file in files}
    assert kinds == {".js", ".css"}, files
    # The courier app and the other pages are lazy: not part of the first download.
    assert not [file for file in files if "Courier" in file.name or "Checkout" in file.name]
    size = web.gzip_size(files)
    assert 10 * 1024 < size < FIRST_LOAD_CEILING, f"{size / 1024:.1f} kB"


def test_a_build_counts_as_current_only_while_its_sources_are_unchanged(tmp_path: Path) -> None:
    root = tmp_path / "web"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.tsx").write_text("export {};\n")
    (root / "package-lock.json").write_text("{}\n")
    (root / "dist").mkdir()
    (root / "dist" / "index.html").write_text("<div id=root></div>")
    assert not web.is_built(root)

    (root / "dist" / ".souk-sources").write_text(web.sources_digest(root))
    assert web.is_built(root)

    (root / "src" / "main.tsx").write_text("export const changed = 1;\n")
    assert not web.is_built(root)
    (root / "src" / "main.tsx").write_text("export {};\n")
    assert web.is_built(root)
    (root / "src" / "new.ts").write_text("")
    assert not web.is_built(root)
