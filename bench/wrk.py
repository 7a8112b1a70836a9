"""Closed-loop HTTP load with wrk (Debian's package), summarised by a Lua `done` hook."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from launcher.programs import install_system_package

SUMMARY_LUA = r"""
paths = {}
for line in io.lines(os.getenv("SOUK_BENCH_PATHS")) do paths[#paths + 1] = line end
headers = {}
local token = os.getenv("SOUK_BENCH_TOKEN")
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'SOUK_RESULT {"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass(frozen=True)
class LoadResult:
    name: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        install_system_package("wrk")
        found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk was installed but is not on PATH")
    return found


def run_wrk(
    name: str,
    base_url: str,
    paths: list[str],
    work_dir: Path,
    *,
    seconds: int,
    connections: int,
    threads: int = 2,
    token: str = "",
) -> LoadResult:
    script = work_dir / "summary.lua"
    script.write_text(SUMMARY_LUA)
    paths_file = work_dir / f"{name}.paths"
    paths_file.write_text("\n".join(paths) + "\n")
    completed = subprocess.run(
        [
            ensure_wrk(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            base_url,
        ],
        env={"SOUK_BENCH_PATHS": str(paths_file), "SOUK_BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in completed.stdout.splitlines() if x.startswith("SOUK_RESULT "))
    return LoadResult(name=name, **json.loads(line.removeprefix("SOUK_RESULT ")))
