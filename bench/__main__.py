"""`python -m bench`: catalogue reads, a mixed workload (locust), checkouts and event ingestion
through the real gateway, and open live streams on one activity process, each figure printed next to the ceilings measured in the same run
(nginx answering by itself, and a bare Flask endpoint behind the same nginx with the same
gunicorn settings). Writes var/bench-results/report.md and a chart per mixed-workload rate."""

import argparse
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from bench.activity import seed_events, time_stats_query
from bench.chart import draw_mix_chart
from bench.cpu import cpu_ms_per_operation, cpu_usage
from bench.load import (
    CATEGORIES,
    SEARCH_TERMS,
    CheckoutResult,
    IngestResult,
    register_buyers,
    run_checkouts,
    run_event_ingestion,
    seed_shop,
    sign_in,
    wait_until_settled,
)
from bench.mix import MixResult, RequestFigures, generator_ceiling, run_mix
from bench.stack import bench_stack, work_dir
from bench.streams import StreamFigures, run_streams
from bench.streams import render as render_streams
from bench.wrk import LoadResult, ensure_wrk, run_wrk
from launcher import postgres

TARGETS = {"list": 0.60, "detail": 0.60, "search": 0.40}
CACHED_TARGET = 0.50  # of nginx's own ceiling
MIX_TARGET_RPS = 1000
MIX_TARGET_P99_MS = 100
PARTS = ("catalogue", "mix", "checkout", "activity", "streams")
CHECKOUT_CPU_TARGET_MS = 30  # the whole stack's CPU for one checkout


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="per catalogue scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--mix-rates", default="500,1000", help="offered requests/s, one mixed run per rate"
    )
    parser.add_argument("--mix-seconds", type=int, default=60)
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}"
    )
    parser.add_argument("--checkout-seconds", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=24, help="concurrent checkout clients")
    parser.add_argument("--events", type=int, default=1_000_000, help="for the stats query")
    parser.add_argument("--ingest-seconds", type=int, default=10)
    parser.add_argument("--streams", default="1000,5000,10000", help="open streams per run")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if unknown := parts - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    ensure_wrk()
    folder = work_dir()

    with bench_stack(args.replicas, args.workers, args.threads) as stack:
        print(f"bench: seeding {args.products} products through the API …", flush=True)
        shop = seed_shop(stack.url, stack.admin_email, stack.admin_password, args.products)
        admin_token = sign_in(
            requests.Session(), stack.url, stack.admin_email, stack.admin_password
        )
        token = (stack.settings.secrets_dir / "service_token").read_text().strip()
        wait_until_settled(
            stack.url, stack.settings.internal_url, token, admin_token, args.products
        )
        rng = random.Random(1)
        scenarios = {
            "list": [
                f"/api/products?page={rng.randint(1, 50)}"
                + rng.choice(["", "&sort=price", "&sort=-price", f"&category={c}"])
                for c in rng.choices(CATEGORIES, k=500)
            ],
            "search": [f"/api/products?q={term.replace(' ', '+')}" for term in SEARCH_TERMS],
            "detail": [
                f"/api/products/{pid}"
                for pid in rng.sample(shop.product_ids, min(2000, len(shop.product_ids)))
            ],
        }

        def load(name: str, base: str, paths: list[str], token: str = "") -> LoadResult:
            print(f"bench: {name} for {args.seconds} s …", flush=True)
            return run_wrk(
                name,
                base,
                paths,
                folder,
                seconds=args.seconds,
                connections=args.connections,
                token=token,
            )

        nginx = load("nginx alone", stack.reference_url, ["/nginx"])
        ceiling = load("bare Flask (ceiling)", stack.reference_url, ["/ceiling"])
        report = Report(args, nginx, ceiling)
        if "catalogue" in parts:
            # Signed-in reads (a shopper's) pass the gateway's 2 s micro-cache and measure
            # the service itself; anonymous reads are what a visitor gets, mostly from the
            # cache.
            [shopper_token] = register_buyers(stack.url, 1)
            for name, paths in scenarios.items():
                with cpu_usage() as cores:
                    result = load(name, stack.url, paths, shopper_token)
                report.catalogue.append(result)
                report.cpu_ms[f"signed-in {name}"] = cpu_ms_per_operation(
                    cores, result.seconds, result.requests
                )
            report.catalogue += [
                load(f"{name} (anonymous, cached)", stack.url, paths)
                for name, paths in scenarios.items()
            ]
        if "mix" in parts:
            for rate in sorted(float(x) for x in args.mix_rates.split(",")):
                print(f"bench: mixed workload at {rate:,.0f} requests/s offered …", flush=True)
                mix = run_mix(
                    stack.url,
                    admin_token,
                    shop,
                    folder,
                    stack.settings.log_dir / "gateway_access.log",
                    rate=rate,
                    seconds=args.mix_seconds,
                )
                draw_mix_chart(
                    mix, mix.chart, target_rps=MIX_TARGET_RPS, target_p99_ms=MIX_TARGET_P99_MS
                )
                report.mixes.append(mix)
            report.generator = generator_ceiling(stack.reference_url, report.mixes[-1])
        if "checkout" in parts:
            print(f"bench: checkouts for {args.checkout_seconds} s with {args.buyers} buyers …")
            buyers = register_buyers(stack.url, args.buyers)
            report.checkouts = run_checkouts(stack.url, shop, buyers, args.checkout_seconds)
            report.cpu_ms["checkout (with its cart)"] = report.checkouts.cpu_ms
        if "activity" in parts:
            print(f"bench: event ingestion for {args.ingest_seconds} s …", flush=True)
            report.ingest = run_event_ingestion(
                stack.settings.internal_url, token, args.ingest_seconds
            )
            print(f"bench: seeding {args.events} events and timing the stats query …")
            database_url = postgres.ensure_running(stack.settings.pg_data_dir, "souk")
            seed_events(database_url, args.events)
            report.stats = time_stats_query(database_url, days=30, repeat=5)
        if "streams" in parts:
            counts = [int(x) for x in args.streams.split(",")]
            report.streams = run_streams(stack.settings, token, counts)

    text = report.render()
    (folder / "report.md").write_text(text)
    print(text)
    print(f"bench: report written to {folder / 'report.md'}")


@dataclass
class Report:
    args: argparse.Namespace
    nginx: LoadResult
    ceiling: LoadResult
    catalogue: list[LoadResult] = field(default_factory=list)
    mixes: list[MixResult] = field(default_factory=list)
    generator: RequestFigures | None = None  # locust's own ceiling
    checkouts: CheckoutResult | None = None
    ingest: IngestResult | None = None
    stats: dict[str, float] | None = None
    streams: list[StreamFigures] = field(default_factory=list)
    # operation → component → CPU ms one operation cost it
    cpu_ms: dict[str, dict[str, float]] = field(default_factory=dict)

    def render(self) -> str:
        args = self.args
        lines = [
            f"# Souk benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"{args.products} products; {args.replicas} replicas × {args.workers} worker × "
            f"{args.threads} threads per service; one 2-core machine running everything, "
            "load generators included.",
            "",
            f"wrk, {args.connections} connections, {args.seconds} s per scenario:",
            "",
            "| scenario | requests/s | p50 ms | p99 ms | errors | vs its ceiling | target |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for result in [self.nginx, self.ceiling, *self.catalogue]:
            cached = "cached" in result.name
            reference = self.nginx if cached else self.ceiling
            target = CACHED_TARGET if cached else TARGETS.get(result.name)
            ratio = result.rps / reference.rps if reference.rps else 0.0
            versus = f"{ratio:.0%} of {'nginx' if cached else 'Flask'}"
            lines.append(
                f"| {result.name} | {result.rps:,.0f} | {result.p50_ms:.1f} | "
                f"{result.p99_ms:.1f} | {result.errors} | {versus} | "
                f"{f'≥ {target:.0%}' if target else ''} |"
            )
        if self.mixes and self.generator:
            lines += self._mix_summary(self.mixes, self.generator)
            for mix in self.mixes:
                lines += self._mix_lines(mix)
        if self.checkouts:
            checkouts = self.checkouts
            lines += [
                "",
                "| checkout (1–3 lines, fresh cart each) | checkouts/s | p50 ms | p99 ms | errors |",
                "|---|---:|---:|---:|---:|",
                f"| {args.buyers} buyers for {args.checkout_seconds} s | "
                f"{checkouts.per_second:.0f} | {checkouts.p50_ms:.0f} | {checkouts.p99_ms:.0f} | "
                f"{checkouts.errors} |",
            ]
            if checkouts.error_samples:
                lines += ["", "Checkout errors (first few):"]
                lines += [f"- `{e}`" for e in checkouts.error_samples]
        if self.cpu_ms:
            lines += self._cpu_lines()
        if self.ingest and self.stats:
            lines += [
                "",
                "| activity | figure |",
                "|---|---:|",
                "| event ingestion through `POST /internal/activity/events` (batches of 500, "
                f"4 clients) | {self.ingest.per_second:,.0f} events/s "
                f"({self.ingest.errors} failed batches) |",
                f"| `GET /api/activity/stats` query over 30 days at {args.events:,} events "
                f"| best {self.stats['best_ms']:.0f} ms, median {self.stats['median_ms']:.0f} ms |",
            ]
        if self.streams:
            lines += render_streams(self.streams)
        return "\n".join(lines) + "\n"

    def _cpu_lines(self) -> list[str]:
        """CPU milliseconds per operation, per process kind, busiest first; a checkout counts
        its cart's calls too (empty it, add 1–3 lines), as a buyer makes them."""
        operations = list(self.cpu_ms)
        components: dict[str, float] = {}
        for costs in self.cpu_ms.values():
            for name, ms in costs.items():
                components[name] = components.get(name, 0.0) + ms
        shown = [name for name, ms in sorted(components.items(), key=lambda x: -x[1]) if ms >= 0.05]
        lines = [
            "",
            "CPU per operation (ms of CPU time, read from /proc for every process of the stack, "
            "divided by the operations done; a checkout includes its cart's calls):",
            "",
            "| process | " + " | ".join(operations) + " |",
            "|---|" + "---:|" * len(operations),
        ]
        for name in shown:
            row = [f"{self.cpu_ms[op].get(name, 0.0):.1f}" for op in operations]
            lines.append(f"| {name} | " + " | ".join(row) + " |")
        totals = [f"**{sum(self.cpu_ms[op].values()):.1f}**" for op in operations]
        lines.append("| **total** | " + " | ".join(totals) + " |")
        if "checkout (with its cart)" in self.cpu_ms:
            total = sum(self.cpu_ms["checkout (with its cart)"].values())
            verdict = "met" if total <= CHECKOUT_CPU_TARGET_MS else "not met"
            lines += ["", f"Target: ≤ {CHECKOUT_CPU_TARGET_MS} ms of CPU per checkout — {verdict}."]
        return lines

    def _mix_summary(self, mixes: list[MixResult], generator: RequestFigures) -> list[str]:
        lines = [
            "",
            f"## Mixed workload (locust, {self.args.mix_seconds} s per offered rate)",
            "",
            f"Target: ≥ {MIX_TARGET_RPS:,} requests/s with p99 < {MIX_TARGET_P99_MS} ms and no "
            "errors. Ceilings in this run: locust's own (the same number of users, no pauses, "
            f"at nginx answering by itself) {generator.rps:,.0f} requests/s; wrk at nginx "
            f"alone {self.nginx.rps:,.0f}; wrk at bare Flask behind nginx {self.ceiling.rps:,.0f}.",
            "",
            "| offered requests/s | achieved | p50 ms | p95 ms | p99 ms | errors | target |",
            "|---:|---:|---:|---:|---:|---:|---|",
        ]
        for mix in mixes:
            total = mix.total
            met = (
                total.rps >= MIX_TARGET_RPS
                and total.p99_ms < MIX_TARGET_P99_MS
                and total.failures == 0
            )
            lines.append(
                f"| {mix.offered_rps:,.0f} | {total.rps:,.0f} | {total.p50_ms:.0f} | "
                f"{total.p95_ms:.0f} | {total.p99_ms:.0f} | {total.failures} | "
                f"{'met' if met else 'not met'} |"
            )
        return lines

    def _mix_lines(self, mix: MixResult) -> list[str]:
        users = ", ".join(f"{count} {kind}" for kind, count in mix.users.items())
        lines = [
            "",
            f"### {mix.offered_rps:,.0f} requests/s offered ({users})",
            "",
            "| request | requests/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for row in [*mix.per_request, mix.total]:
            name = "**whole mix**" if row is mix.total else row.name
            lines.append(
                f"| {name} | {row.rps:,.1f} | {row.p50_ms:.0f} | {row.p95_ms:.0f} | "
                f"{row.p99_ms:.0f} | {row.failures} |"
            )
        cores = ", ".join(f"{name} {used:.2f}" for name, used in mix.cpu.items() if used >= 0.01)
        reads = sum(mix.cache.values())
        cache = ", ".join(f"{name} {count / reads:.0%}" for name, count in mix.cache.items())

        lines += [
            "",
            f"Cores used on average during the run ({sum(mix.cpu.values()):.2f} of 2): {cores}.",
            "",
            f"The gateway's cache on the {reads:,} catalogue reads (BYPASS: signed in): "
            f"{cache or 'none logged'}.",
            "",
            f"![throughput and latency at {mix.offered_rps:,.0f}/s]({mix.chart.name})",
        ]
        if mix.failure_samples:
            lines += ["", "Errors (first few):", *[f"- `{e}`" for e in mix.failure_samples]]
        return lines


if __name__ == "__main__":
    main()
