"""`python -m bench`: catalogue reads and checkouts through the real gateway, each figure
printed next to the ceilings measured in the same run (nginx answering by itself, and a bare
Flask endpoint behind the same nginx with the same gunicorn settings)."""

import argparse
import random
from datetime import UTC, datetime

import requests

from bench.activity import seed_events, time_stats_query
from bench.load import (
    CATEGORIES,
    SEARCH_TERMS,
    register_buyers,
    run_checkouts,
    run_event_ingestion,
    seed_shop,
    sign_in,
    wait_until_settled,
)
from bench.stack import bench_stack, work_dir
from bench.wrk import LoadResult, ensure_wrk, run_wrk
from launcher import postgres

TARGETS = {"list": 0.60, "detail": 0.60, "search": 0.40}
CACHED_TARGET = 0.50  # of nginx's own ceiling


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="per catalogue scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--checkout-seconds", type=int, default=20)
    parser.add_argument("--buyers", type=int, default=24, help="concurrent checkout clients")
    parser.add_argument("--events", type=int, default=1_000_000, help="for the stats query")
    parser.add_argument("--ingest-seconds", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
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
        # Signed-in reads pass the gateway's 2 s micro-cache and measure the service itself;
        # anonymous reads are what a visitor gets, mostly from the cache.
        results = [load(name, stack.url, paths, admin_token) for name, paths in scenarios.items()]
        results += [
            load(f"{name} (anonymous, cached)", stack.url, paths)
            for name, paths in scenarios.items()
        ]

        print(f"bench: checkouts for {args.checkout_seconds} s with {args.buyers} buyers …")
        buyers = register_buyers(stack.url, args.buyers)
        checkouts = run_checkouts(stack.url, shop, buyers, args.checkout_seconds)

        print(f"bench: event ingestion for {args.ingest_seconds} s …", flush=True)
        ingest = run_event_ingestion(stack.settings.internal_url, token, args.ingest_seconds)
        print(f"bench: seeding {args.events} events and timing the stats query …", flush=True)
        database_url = postgres.ensure_running(stack.settings.pg_data_dir, "souk")
        seed_events(database_url, args.events)
        stats = time_stats_query(database_url, days=30, repeat=5)

    report = render(args, nginx, ceiling, results, checkouts, ingest, stats)
    (folder / "report.md").write_text(report)
    print(report)
    print(f"bench: report written to {folder / 'report.md'}")


def render(args, nginx, ceiling, results, checkouts, ingest, stats) -> str:  # type: ignore[no-untyped-def]
    lines = [
        f"# Souk benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{args.products} products; {args.replicas} replicas × {args.workers} worker × "
        f"{args.threads} threads per service; wrk {args.connections} connections, "
        f"{args.seconds} s per scenario; one 2-core machine running everything.",
        "",
        "| scenario | requests/s | p50 ms | p99 ms | errors | vs its ceiling | target |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in [nginx, ceiling, *results]:
        cached = "cached" in result.name
        reference = nginx if cached else ceiling
        target = CACHED_TARGET if cached else TARGETS.get(result.name)
        ratio = result.rps / reference.rps if reference.rps else 0.0
        versus = f"{ratio:.0%} of {'nginx' if cached else 'Flask'}"
        lines.append(
            f"| {result.name} | {result.rps:,.0f} | {result.p50_ms:.1f} | {result.p99_ms:.1f} | "
            f"{result.errors} | {versus} | {f'≥ {target:.0%}' if target else ''} |"
        )
    lines += [
        "",
        "| checkout (1–3 lines, fresh cart each) | checkouts/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|",
        f"| {args.buyers} buyers for {args.checkout_seconds} s | {checkouts.per_second:.0f} | "
        f"{checkouts.p50_ms:.0f} | {checkouts.p99_ms:.0f} | {checkouts.errors} |",
    ]
    lines += [
        "",
        "| activity | figure |",
        "|---|---:|",
        f"| event ingestion through `POST /internal/activity/events` (batches of 500, 4 clients) "
        f"| {ingest.per_second:,.0f} events/s ({ingest.errors} failed batches) |",
        f"| `GET /api/activity/stats` query over 30 days at {args.events:,} events "
        f"| best {stats['best_ms']:.0f} ms, median {stats['median_ms']:.0f} ms |",
    ]
    if checkouts.error_samples:
        lines += [
            "",
            "Checkout errors (first few):",
            *[f"- `{e}`" for e in checkouts.error_samples],
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
