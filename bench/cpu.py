"""Where the machine's CPU went during a run: user + system time of every process, read from
/proc before and after, grouped by what the process is (a service, PostgreSQL, nginx, the load
generator, the local mail sink)."""

import os
import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _component(command: str) -> str:
    for part in command.split():
        if part.startswith("services."):  # gunicorn's app spec, e.g. services.cart.app:create_app()
            return part.split(".")[1]
    for name in ("postgres", "nginx"):
        if name in command:
            return name
    if "aiosmtpd" in command:
        return "mail sink"  # stands in for the SMTP server a deployment sends e-mail through
    return "other"


def _cpu_seconds() -> dict[int, tuple[str, float]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        found[int(entry.name)] = (command, (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND)
    return found


def _ended_children_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


@contextmanager
def cpu_usage() -> Iterator[dict[str, float]]:
    """Fills the yielded dict, on exit, with the average cores each component used inside the
    block. This process (its load-generating threads) and our child processes that ended
    inside it (wrk, locust) count as "load generator"; other processes that ended inside it
    are not counted."""
    usage: dict[str, float] = {}
    before, children_before = _cpu_seconds(), _ended_children_seconds()
    started = time.monotonic()
    yield usage
    after, elapsed = _cpu_seconds(), time.monotonic() - started
    totals: Counter[str] = Counter()
    totals["load generator"] = _ended_children_seconds() - children_before
    for pid, (command, seconds) in after.items():
        name = "load generator" if pid == os.getpid() else _component(command)  # our threads
        totals[name] += seconds - before.get(pid, (command, 0.0))[1]
    usage.update({name: seconds / elapsed for name, seconds in totals.most_common()})


def cpu_ms_per_operation(
    cores: dict[str, float], seconds: float, operations: int
) -> dict[str, float]:
    """Average cores over a run of `seconds` that did `operations` → CPU milliseconds each
    operation cost every component."""
    if operations <= 0:
        return {}
    return {name: used * seconds * 1000 / operations for name, used in cores.items()}
