"""The benchmark's mixed workload, run briefly against the e2e stack: every request it makes is
one the API answers without error, and it yields its figures, its report section and its
chart. (`make bench` runs the same code at full rate on a stack of its own.)"""

import argparse
from pathlib import Path

import pytest

from bench.__main__ import Report
from bench.chart import draw_mix_chart
from bench.cpu import cpu_ms_per_operation
from bench.load import seed_shop
from bench.mix import run_mix
from bench.wrk import LoadResult
from tests.conftest import GatewaySession, Stack, wait_until

pytestmark = pytest.mark.e2e

VISITOR_REQUESTS = {
    "visitor: product list",
    "visitor: product",
    "visitor: search",
    "visitor: reviews",
    "visitor: categories",
}


def test_the_mixed_workload_runs_cleanly_and_reports(
    stack: Stack, gateway: GatewaySession, admin: dict[str, str], tmp_path: Path
) -> None:
    shop = seed_shop(stack.url, stack.admin_email, stack.admin_password, products=30)
    wait_until(
        lambda: all(
            gateway.get(f"/api/inventory/{pid}", headers=admin).status_code == 200
            for pid in shop.product_ids
        ),
        timeout=30,
        what="the seeded products to reach inventory",
    )
    admin_token = admin["Authorization"].removeprefix("Bearer ")

    access_log = stack.log_dir / "gateway_access.log"
    mix = run_mix(stack.url, admin_token, shop, tmp_path, access_log, rate=60, seconds=12)

    assert mix.failure_samples == []
    assert mix.total.failures == 0
    assert mix.total.requests > 300
    names = {row.name for row in mix.per_request}
    assert names >= VISITOR_REQUESTS
    assert {"shopper: product", "shopper: add to cart", "shopper: cart"} <= names
    odd = [row for row in mix.per_request if not (row.requests > 0 and row.p99_ms >= row.p50_ms)]
    assert odd == []
    # Visitors' reads come from the gateway's cache, shoppers' reads bypass it.
    assert set(mix.cache) <= {"HIT", "STALE", "UPDATING", "EXPIRED", "MISS", "BYPASS"}
    assert mix.cache.get("HIT", 0) > 0 and mix.cache.get("BYPASS", 0) > 0

    draw_mix_chart(mix, mix.chart, target_rps=1000, target_p99_ms=100)
    assert mix.chart.read_bytes().startswith(b"\x89PNG")

    args = argparse.Namespace(
        products=30, replicas=2, workers=1, threads=4, connections=32, seconds=10, mix_seconds=12
    )
    nginx = LoadResult("nginx alone", 1000, 1.0, 0, 0.1, 0.5)
    ceiling = LoadResult("bare Flask (ceiling)", 500, 1.0, 0, 1.0, 5.0)
    cpu = {
        "checkout (with its cart)": {"orders": 30.0, "postgres": 12.5},
        "signed-in detail": {"products": 1.5, "postgres": 0.5},
    }
    report = Report(args, nginx, ceiling, mixes=[mix], generator=mix.total, cpu_ms=cpu).render()
    assert "| 60 |" in report and "not met" in report
    assert "| **whole mix** |" in report and f"]({mix.chart.name})" in report
    assert "| process | checkout (with its cart) | signed-in detail |" in report
    assert "| orders | 30.0 | 0.0 |" in report and "| postgres | 12.5 | 0.5 |" in report
    assert "| **total** | **42.5** | **2.0** |" in report
    assert "≤ 30 ms of CPU per checkout — not met" in report


def test_cpu_per_operation_is_the_cores_over_the_run_divided_by_its_operations():
    cores = {"orders": 0.5, "postgres": 0.25}
    assert cpu_ms_per_operation(cores, seconds=10, operations=100) == {
        "orders": 50.0,
        "postgres": 25.0,
    }
    assert cpu_ms_per_operation(cores, seconds=10, operations=0) == {}
