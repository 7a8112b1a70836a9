"""The mixed workload: locust (headless, `bench/locustfile.py`) through the gateway at an offered
rate, then its figures per request type, a Markdown section and a PNG chart.

The offered rate is split as a shop's traffic is: most requests are anonymous browsing, served
mostly by the gateway's micro-cache; signed-in shoppers read past the cache, fill carts and
check out (about one request in 200 is a checkout); couriers work the parcels those checkouts
make. Each locust user keeps a constant pace, so a slower stack shows as fewer requests per
second than offered, not as an unbounded queue.
"""

import csv
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import cpu_usage
from bench.load import CATEGORIES, SEARCH_TERMS, WORDS, Shop, create_staff, register_buyers
from launcher.settings import REPO_ROOT

# Share of the offered requests per kind of client, and the pace of one client (requests/s).
SHARES = {"visitors": (0.86, 5.0), "shoppers": (0.12, 2.0), "couriers": (0.02, 2.0)}
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass(frozen=True)
class RequestFigures:
    name: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass(frozen=True)
class MixResult:
    offered_rps: float
    seconds: int
    users: dict[str, int]
    total: RequestFigures
    per_request: list[RequestFigures]
    failure_samples: list[str]
    history_csv: Path
    plan_file: Path
    chart: Path
    cpu: dict[str, float]  # average cores per component over the run, ramp-up included
    cache: dict[str, int]  # the gateway's cache outcome → catalogue reads


def _plan_users(rate: float) -> dict[str, dict[str, float]]:
    return {
        kind: {"users": max(1, round(rate * share / pace)), "pace": pace}
        for kind, (share, pace) in SHARES.items()
    }


def _queries() -> list[str]:
    """What visitors type, most popular first: the usual terms, then single words and pairs."""
    pairs = [f"{a}+{b}" for a, b in zip(WORDS, WORDS[1:] + WORDS[:1], strict=True)]
    return [term.replace(" ", "+") for term in SEARCH_TERMS] + WORDS + pairs


def _figures(row: dict[str, str]) -> RequestFigures:
    def number(column: str) -> float:
        value = row[column]
        return float(value) if value not in ("", "N/A") else 0.0

    return RequestFigures(
        name=row["Name"],
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rps=number("Requests/s"),
        p50_ms=number("50%"),
        p95_ms=number("95%"),
        p99_ms=number("99%"),
    )


def _locust(
    url: str, plan_file: Path, prefix: Path, classes: list[str], users: int, seconds: int
) -> list[RequestFigures]:
    """One headless locust run; the figures of each request name and the "Aggregated" row."""
    for old in prefix.parent.glob(f"{prefix.name}_*.csv"):
        old.unlink()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "--locustfile",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            url,
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{seconds}s",
            "--reset-stats",
            "--csv",
            str(prefix),
            "--csv-full-history",
            "--only-summary",
            "--loglevel",
            "WARNING",
            *classes,
        ],
        env={**os.environ, "SOUK_BENCH_PLAN": str(plan_file)},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():  # locust exits 1 when a request failed; no file means it broke
        raise SystemExit(f"locust did not run:\n{completed.stderr[-3000:]}")
    with stats_file.open() as stream:
        return [_figures(row) for row in csv.DictReader(stream)]


def _cache_outcomes(access_log: Path, offset: int) -> dict[str, int]:
    """How the gateway answered the catalogue reads logged after `offset`: HIT, STALE,
    UPDATING, EXPIRED, MISS, or BYPASS (a signed-in read, which always reaches the service)."""
    outcomes: Counter[str] = Counter()
    with access_log.open() as stream:
        stream.seek(offset)
        for line in stream:
            entry = json.loads(line)
            if entry["method"] == "GET" and entry["cache"]:
                outcomes[entry["cache"]] += 1
    return dict(outcomes.most_common())


def run_mix(
    url: str,
    admin_token: str,
    shop: Shop,
    folder: Path,
    access_log: Path,
    *,
    rate: float,
    seconds: int,
) -> MixResult:
    load = _plan_users(rate)
    plan = {
        "load": load,
        "products": [{"id": pid, "seller": shop.product_sellers[pid]} for pid in shop.product_ids],
        "sellers": len(shop.seller_tokens),
        "categories": CATEGORIES,
        "queries": _queries(),
        "shopper_tokens": register_buyers(url, int(load["shoppers"]["users"])),
        # Shipments go to the default zone when the buyer gave no address.
        "courier_tokens": create_staff(
            url, admin_token, "courier", int(load["couriers"]["users"]), zone="central"
        ),
    }
    prefix = folder / f"mix-{rate:.0f}"
    plan_file = Path(f"{prefix}-plan.json")
    plan_file.write_text(json.dumps(plan))
    users = {kind: int(figures["users"]) for kind, figures in load.items()}
    log_offset = access_log.stat().st_size
    with cpu_usage() as cpu:
        rows = _locust(
            url, plan_file, prefix, ["Visitor", "Shopper", "Courier"], sum(users.values()), seconds
        )
    with Path(f"{prefix}_failures.csv").open() as stream:
        failures = [
            f"{row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error'][:200]}"
            for row in csv.DictReader(stream)
        ]
    return MixResult(
        offered_rps=rate,
        seconds=seconds,
        users=users,
        total=next(row for row in rows if row.name == "Aggregated"),
        # --reset-stats keeps a row, at zero, for a name last asked only during the ramp-up.
        per_request=sorted(
            (row for row in rows if row.name != "Aggregated" and row.requests > 0),
            key=lambda row: row.name,
        ),
        failure_samples=failures[:5],
        history_csv=Path(f"{prefix}_stats_history.csv"),
        plan_file=plan_file,
        chart=Path(f"{prefix}.png"),
        cpu=cpu,
        cache=_cache_outcomes(access_log, log_offset),
    )


def generator_ceiling(reference_url: str, mix: MixResult, seconds: int = 10) -> RequestFigures:
    """What locust itself sends with the mix's number of users and no pauses, at nginx
    answering by itself: the load generator's own limit on this machine."""
    users = sum(mix.users.values())
    prefix = mix.plan_file.parent / "generator"
    rows = _locust(reference_url, mix.plan_file, prefix, ["NginxAlone"], users, seconds)
    return next(row for row in rows if row.name == "Aggregated")
