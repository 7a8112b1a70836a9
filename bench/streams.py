"""Open live streams per process: how many idle `GET /api/activity/stream` connections one
activity process holds, what each costs in memory and idle CPU, and how long one event
takes to reach all of them. `python -m bench.streams` runs it on a stack of its own (one
replica); `python -m bench --parts streams` runs it inside the whole benchmark.

The streams are opened straight at one activity replica (not through nginx, whose
`worker_connections` would be the limit measured) by one asyncio client, each watching the
same product; the event is one `stock.level` message posted to the internal receiver, as
the inventory service's outbox would post it."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from souk_kit.http import SERVICE_TOKEN_HEADER

from launcher.settings import Settings

OPEN_AT_ONCE = 200
IDLE_SECONDS = 10.0
TICKS_PER_SECOND = 100


@dataclass(frozen=True)
class StreamFigures:
    attempted: int
    held: int
    rss_mb_before: float
    rss_mb_after: float
    idle_cpu_percent: float  # of one core, while the streams sit idle (heartbeats only)
    fan_out_ms: list[float]  # per stream: from the event's receipt answered to its arrival
    threads: int  # what one threaded (gthread) worker of the same settings would hold

    @property
    def kb_per_stream(self) -> float:
        return (self.rss_mb_after - self.rss_mb_before) * 1024 / max(1, self.held)

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.fan_out_ms)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def activity_worker_pid(port: int) -> int:
    """The worker process of the activity replica listening on `port` (a gunicorn master's
    only child)."""
    masters = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _cmdline(entry).count(f"127.0.0.1:{port}")
    ]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent(entry) in masters:
            return int(entry.name)
    raise SystemExit(f"no activity worker on port {port}")


def _cmdline(entry: Path) -> str:
    try:
        return (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


class Stream:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def until(self, marker: bytes) -> None:
        while marker not in await self.reader.readline():
            pass


async def _open(port: int, product_id: str) -> Stream | None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /api/activity/stream?products={product_id} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        stream = Stream(reader, writer)
        status = await asyncio.wait_for(reader.readline(), 30)
        if b" 200 " not in status:
            writer.close()
            return None
        await asyncio.wait_for(stream.until(b"event: ready"), 30)
        return stream
    except (OSError, TimeoutError):
        return None


async def _measure(
    port: int, internal_url: str, token: str, count: int, threads: int
) -> StreamFigures:
    pid = activity_worker_pid(port)
    before = rss_mb(pid)
    product_id = str(uuid.uuid4())
    streams: list[Stream] = []
    for start in range(0, count, OPEN_AT_ONCE):
        opened = await asyncio.gather(
            *(_open(port, product_id) for _ in range(min(OPEN_AT_ONCE, count - start)))
        )
        streams += [s for s in opened if s is not None]
    await asyncio.sleep(1)
    after = rss_mb(pid)
    cpu_before, idle_started = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(IDLE_SECONDS)
    idle = (cpu_seconds(pid) - cpu_before) / (time.monotonic() - idle_started) * 100

    arrivals: list[float] = []

    async def wait_for_level(stream: Stream) -> None:
        await asyncio.wait_for(stream.until(b"event: stock.level"), 60)
        arrivals.append(time.monotonic())

    waiting = [asyncio.create_task(wait_for_level(s)) for s in streams]
    message = {
        "event_id": str(uuid.uuid4()),
        "payload": {
            "kind": "stock.level",
            "product_id": product_id,
            "data": {"product_id": product_id, "available": 1, "version": 2},
            "at": datetime.now(UTC).isoformat(),
        },
    }
    answer = await asyncio.to_thread(
        requests.post,
        f"{internal_url}/internal/activity/live",
        json={"messages": [message]},
        headers={SERVICE_TOKEN_HEADER: token},
        timeout=30,
    )
    answer.raise_for_status()
    sent = time.monotonic()
    await asyncio.gather(*waiting, return_exceptions=True)
    for stream in streams:
        stream.writer.close()
    return StreamFigures(
        attempted=count,
        held=len(streams),
        rss_mb_before=before,
        rss_mb_after=after,
        idle_cpu_percent=idle,
        fan_out_ms=[(t - sent) * 1000 for t in arrivals],
        threads=threads,
    )


def run_streams(settings: Settings, token: str, counts: list[int]) -> list[StreamFigures]:
    port = settings.replica_port("activity", 0)
    results = []
    for count in counts:
        print(f"bench: {count:,} open streams on one activity process …", flush=True)
        results.append(
            asyncio.run(_measure(port, settings.internal_url, token, count, settings.threads))
        )
    return results


def render(results: list[StreamFigures]) -> list[str]:
    lines = [
        "",
        "| open streams (one activity process) | held | memory per stream | idle CPU "
        "(heartbeats) | one event to all: p50 / p99 / last | a threaded worker holds |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        last = max(r.fan_out_ms, default=0.0)
        lines.append(
            f"| {r.attempted:,} | {r.held:,} | {r.kb_per_stream:.1f} KB | "
            f"{r.idle_cpu_percent:.1f}% of a core | {r.percentile_ms(0.5):.0f} / "
            f"{r.percentile_ms(0.99):.0f} / {last:.0f} ms ({len(r.fan_out_ms):,} received) | "
            f"{r.threads} |"
        )
    return lines


def main() -> None:
    from bench.stack import bench_stack

    parser = argparse.ArgumentParser(prog="python -m bench.streams", description=__doc__)
    parser.add_argument("--counts", default="1000,5000,10000")
    args = parser.parse_args()
    counts = [int(x) for x in args.counts.split(",")]
    with bench_stack(replicas=1, workers=1, threads=4) as stack:
        token = (stack.settings.secrets_dir / "service_token").read_text().strip()
        lines = render(run_streams(stack.settings, token, counts))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
