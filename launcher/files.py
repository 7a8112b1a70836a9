"""Opening folders to the unprivileged users that read them (PostgreSQL, nginx's workers)."""

from __future__ import annotations

import os
from pathlib import Path


def make_traversable(path: Path) -> None:
    """Let any user pass through every parent of `path` (a clone may sit in a 0700 home)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & 0o001 == 0:
            parent.chmod(mode | 0o001)


def make_readable(root: Path) -> None:
    """Let any user read every file under `root` and list every folder."""
    for folder, _subfolders, files in os.walk(root):
        os.chmod(folder, os.stat(folder).st_mode | 0o055)
        for name in files:
            path = os.path.join(folder, name)
            mode = os.stat(path).st_mode
            os.chmod(path, mode | 0o044 | (0o011 if mode & 0o100 else 0))
