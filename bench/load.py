"""Open-loop HTTP load: one GraphQL query at a fixed rate, from a process of its own.

`python -m bench.load URL TOKEN --rate 100 --seconds 30` prints one JSON document: the
latencies (p50, p90, p99, max, in ms), errors and the rate achieved. Requests go out on a
fixed schedule whatever the answers do (open loop), and each latency counts from the moment
its request was due, so a server that falls behind shows it (no coordinated omission).
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

import httpx

BACKUPS_QUERY = "{ backups(limit: 50) { backupId type status sizeBytes createdAt completedAt } }"
WARMUP_SECONDS = 3.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def summary(
    latencies: list[float], errors: list[str], seconds: float, rate: float
) -> dict[str, Any]:
    ms = [value * 1000 for value in latencies]
    return {
        "rate": rate,
        "seconds": seconds,
        "requests": len(latencies) + len(errors),
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p90_ms": round(percentile(ms, 0.90), 2) if ms else None,
        "p99_ms": round(percentile(ms, 0.99), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }


async def _one(client: httpx.AsyncClient, url: str, body: bytes, due: float) -> float | str:
    """Seconds from when the request was due to its answer, or what went wrong."""
    try:
        response = await client.post(url, content=body)
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"
    if response.status_code != 200 or b'"errors"' in response.content:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    return time.perf_counter() - due


async def _phase(
    client: httpx.AsyncClient, url: str, body: bytes, rate: float, seconds: float
) -> tuple[list[float], list[str]]:
    start = time.perf_counter() + 0.05
    pending = []
    for index in range(int(rate * seconds)):
        due = start + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(asyncio.create_task(_one(client, url, body, due)))
    results = await asyncio.gather(*pending)
    latencies = [value for value in results if isinstance(value, float)]
    return latencies, [value for value in results if isinstance(value, str)]


async def measure(url: str, token: str, rate: float, seconds: float, query: str) -> dict[str, Any]:
    body = json.dumps({"query": query}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        await _phase(client, url, body, rate, WARMUP_SECONDS)  # connections open, caches warm
        latencies, errors = await _phase(client, url, body, rate, seconds)
    return summary(latencies, errors, seconds, rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql")
    parser.add_argument("token")
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--query", default=BACKUPS_QUERY)
    args = parser.parse_args()
    result = asyncio.run(measure(args.url, args.token, args.rate, args.seconds, args.query))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
