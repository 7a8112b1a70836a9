"""The PNG chart of the mixed workload: throughput and latency over the run, and the latency of
each request type."""

import csv
from pathlib import Path

from matplotlib.figure import Figure

from bench.mix import MixResult


def _history(path: Path) -> dict[str, list[float]]:
    """Seconds since start, requests/s and the rolling p50/p95/p99 of the whole mix."""
    series: dict[str, list[float]] = {"t": [], "rps": [], "50%": [], "95%": [], "99%": []}
    with path.open() as stream:
        rows = [row for row in csv.DictReader(stream) if row["Name"] == "Aggregated"]
    start = int(rows[0]["Timestamp"]) if rows else 0
    for row in rows:
        if "N/A" in (row["50%"], row["95%"], row["99%"]):
            continue
        series["t"].append(int(row["Timestamp"]) - start)
        series["rps"].append(float(row["Requests/s"]))
        for column in ("50%", "95%", "99%"):
            series[column].append(float(row[column]))
    return series


def draw_mix_chart(
    result: MixResult, path: Path, *, target_rps: float, target_p99_ms: float
) -> None:
    history = _history(result.history_csv)
    figure = Figure(figsize=(10, 13), layout="tight")  # drawn straight to a file, no screen
    throughput, latency, per_request = figure.subplots(
        3, 1, gridspec_kw={"height_ratios": [1, 1, 1.4]}
    )
    figure.suptitle(
        f"Souk mixed workload: {result.total.rps:,.0f} requests/s, "
        f"p99 {result.total.p99_ms:.0f} ms, {result.total.failures} errors "
        f"(offered {result.offered_rps:,.0f}/s)"
    )

    throughput.plot(history["t"], history["rps"], label="requests/s (whole mix)")
    throughput.axhline(result.offered_rps, color="grey", linestyle=":", label="offered")
    throughput.axhline(target_rps, color="red", linestyle="--", label="target")
    throughput.set_ylabel("requests/s")
    throughput.set_xlabel("seconds since start (users ramp up first)")
    throughput.set_ylim(bottom=0)
    throughput.legend(loc="lower right")

    for column in ("50%", "95%", "99%"):
        latency.plot(history["t"], history[column], label=f"p{column.rstrip('%')}")
    latency.axhline(target_p99_ms, color="red", linestyle="--", label="p99 target")
    latency.set_yscale("log")
    latency.set_ylabel("ms (rolling window)")
    latency.set_xlabel("seconds since start")
    latency.legend(loc="upper right")

    rows = sorted(result.per_request, key=lambda row: row.p99_ms)
    names = [row.name for row in rows]
    positions = range(len(rows))
    height = 0.27
    for offset, (label, values) in enumerate(
        [
            ("p50", [row.p50_ms for row in rows]),
            ("p95", [row.p95_ms for row in rows]),
            ("p99", [row.p99_ms for row in rows]),
        ]
    ):
        per_request.barh(
            [p + (offset - 1) * height for p in positions], values, height, label=label
        )
    per_request.axvline(target_p99_ms, color="red", linestyle="--", label="p99 target")
    per_request.set_yticks(list(positions), names)
    per_request.set_xscale("log")
    per_request.set_xlabel("ms over the whole run")
    per_request.legend(loc="lower right")

    figure.savefig(path, dpi=100)
