"""`make bench-api`: the API under load, and how fast progress reaches a subscriber.

With 10,000 backups recorded and the API on one uvicorn worker (`lifeboat serve`):
1. `backups(limit: 50) { backupId type status sizeBytes createdAt completedAt }` at 100
   requests a second for 30 s, the load sent by another process (bench/load.py, open loop):
   p50, p99, errors (goal: p99 < 50 ms, no errors);
2. the same at rising rates (10 s each) up to the first that misses p99 < 50 ms: the highest
   rate that keeps it;
3. progress changes published as a worker publishes them, timed until a subscriber of
   backupProgress (over the API's websocket) has each: median and worst, idle and again while
   the list runs at 100 requests a second.
Figures are printed with the load average beside them and written to
bench/results/api-latest.json. Take the lock: `flock /work/bench.lock make bench-api`.
"""

import argparse
import asyncio
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil

from bench import progress_latency
from bench.api_stack import BACKUPS, ApiStack, api_stack
from bench.load import WARMUP_SECONDS
from bench.measure import load_average

log = logging.getLogger("bench.api")

RESULTS = Path(__file__).resolve().parent / "results"
GOAL_P99_MS = 50.0
RATES = (25, 50, 75, 100, 125, 150, 200, 250, 300, 400, 500)


def _load_command(stack: ApiStack, rate: float, seconds: float) -> list[str]:
    return [
        sys.executable, "-m", "bench.load", stack.graphql_url, stack.token,
        "--rate", str(rate), "--seconds", str(seconds),
    ]  # fmt: skip


def list_load(stack: ApiStack, rate: float, seconds: float) -> dict[str, Any]:
    """The backups list at `rate` requests a second, sent by a process of its own; with the
    CPU the API process spent per request (its own clock, warm-up included)."""
    api = psutil.Process(stack.api_pid)
    before = api.cpu_times()
    out = subprocess.run(
        _load_command(stack, rate, seconds), capture_output=True, text=True, check=True
    )
    after = api.cpu_times()
    figures: dict[str, Any] = json.loads(out.stdout)
    sent = rate * (seconds + WARMUP_SECONDS)
    used = after.user + after.system - before.user - before.system
    figures["api_cpu_ms_per_request"] = round(used / sent * 1000, 2)
    figures["load_average"] = load_average()
    log.info("%s req/s: %s", rate, figures)
    return figures


def passes(figures: dict[str, Any]) -> bool:
    return figures["errors"] == 0 and (figures["p99_ms"] or 0) < GOAL_P99_MS


def highest_rate(stack: ApiStack, seconds: float) -> dict[str, Any]:
    tried = []
    best = None
    for rate in RATES:
        figures = list_load(stack, rate, seconds)
        tried.append(figures)
        if not passes(figures):
            break
        best = rate
    return {"highest_passing_rate": best, "tried": tried}


def latency_under_load(stack: ApiStack, changes: int) -> dict[str, Any]:
    """Progress latency measured while the list runs at 100 requests a second."""
    seconds = changes * 0.5 + 5
    load = subprocess.Popen(_load_command(stack, 100, seconds), stdout=subprocess.PIPE, text=True)
    try:
        latency = asyncio.run(
            progress_latency.measure(stack.graphql_url, stack.token, stack.database_url, changes)
        )
    finally:
        try:
            # A saturated API answers the last requests late: give it time, then give up.
            out, _ = load.communicate(timeout=seconds * 4 + 120)
        except subprocess.TimeoutExpired:
            load.kill()
            out = json.dumps({"error": "the list load did not finish", "p99_ms": None})
    return {**latency, "list_meanwhile": json.loads(out)}


def report(results: dict[str, Any]) -> str:
    steady = results["list_100"]
    search = results.get("search") or {}
    idle = results["progress_idle"]
    busy = results.get("progress_under_load") or {}
    lines = [
        f"API bench: {results['backups']} backups, one uvicorn worker; load average before "
        f"{results['load_before']}, after {results['load_after']}",
        f"backups(limit: 50) at {steady['rate']:.0f} req/s for {steady['seconds']:.0f} s: "
        f"p50 {steady['p50_ms']} ms, p99 {steady['p99_ms']} ms, max {steady['max_ms']} ms, "
        f"{steady['errors']} errors of {steady['requests']} "
        f"({'met' if passes(steady) else 'MISSED'}: p99 < {GOAL_P99_MS:.0f} ms, no errors); "
        f"API CPU {steady['api_cpu_ms_per_request']} ms a request, load {steady['load_average']}",
    ]
    if search:
        tried = ", ".join(
            f"{t['rate']:.0f}: p99 {t['p99_ms']} ms, {t['errors']} errors, load "
            f"{t['load_average'][0]}"
            for t in search["tried"]
        )
        lines.append(
            f"highest rate keeping p99 < {GOAL_P99_MS:.0f} ms: {search['highest_passing_rate']}"
            f" req/s ({tried})"
        )
    lines.append(
        f"progress → subscriber, idle: median {idle['median_ms']} ms, worst "
        f"{idle['worst_ms']} ms ({idle['received']}/{idle['changes']} changes)"
    )
    if busy:
        lines.append(
            f"progress → subscriber, list at 100 req/s meanwhile: median {busy['median_ms']} ms,"
            f" worst {busy['worst_ms']} ms (list p99 {busy['list_meanwhile']['p99_ms']} ms)"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="The API under load (see bench/api.py).")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--search-seconds", type=float, default=10.0)
    parser.add_argument("--no-search", action="store_true", help="skip the highest-rate search")
    parser.add_argument("--changes", type=int, default=60, help="progress changes to time")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    results: dict[str, Any] = {"backups": BACKUPS, "load_before": load_average()}
    with api_stack(RESULTS / "logs") as stack:
        results["list_100"] = list_load(stack, args.rate, args.seconds)
        if not args.no_search:
            results["search"] = highest_rate(stack, args.search_seconds)
        results["progress_idle"] = asyncio.run(
            progress_latency.measure(
                stack.graphql_url, stack.token, stack.database_url, args.changes
            )
        )
        results["progress_under_load"] = latency_under_load(stack, args.changes)
    results["load_after"] = load_average()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api-latest.json").write_text(json.dumps(results, indent=2))
    print(report(results))


if __name__ == "__main__":
    main()
