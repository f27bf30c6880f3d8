"""A small GraphQL-over-HTTP client: the benchmark talks to the API as an admin's script does."""

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from bench.measure import BenchError

# Seconds between polls of a job's status. The figures come from the job's own timestamps
# (finished_seconds), not from when a poll noticed it, so polling can be slow: each poll costs
# the API and the bench CPU that, on two cores, the job under test would otherwise have had.
POLL_SECONDS = 1.0


class GraphQL:
    def __init__(self, api_url: str, token: str) -> None:
        self._http = httpx.Client(
            base_url=api_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def close(self) -> None:
        self._http.close()

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self._http.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        if body.get("errors"):
            error = body["errors"][0]
            code = (error.get("extensions") or {}).get("code")
            raise BenchError(f"GraphQL error {code}: {error.get('message')}")
        return dict(body["data"])

    def type_fields(self, type_name: str) -> set[str]:
        """Field names of a schema type (empty when the type does not exist yet)."""
        query = "query($name: String!) { __type(name: $name) { fields { name } } }"
        found = self(query, name=type_name)["__type"]
        return {field["name"] for field in (found or {}).get("fields") or []}


def poll(
    fetch: Callable[[], dict[str, Any]],
    done: Callable[[dict[str, Any]], bool],
    timeout: float,
    on_sample: Callable[[float, dict[str, Any]], None] | None = None,
    interval: float = POLL_SECONDS,
) -> dict[str, Any]:
    """Fetch every `interval` seconds until `done`; BenchError after `timeout` seconds."""
    started = time.perf_counter()
    while True:
        value = fetch()
        elapsed = time.perf_counter() - started
        if on_sample is not None:
            on_sample(elapsed, value)
        if done(value):
            return value
        if elapsed > timeout:
            raise BenchError(f"still not finished after {timeout:.0f} s: {value}")
        time.sleep(interval)


def finished_seconds(sent_at: float, finished_at: str | None, noticed: float) -> float:
    """Seconds from sending a job's mutation (`sent_at`, time.time()) to the job's own
    completion timestamp; `noticed` (the seconds until a poll saw it) when it has none.

    The API's timestamps come from PostgreSQL's clock, the machine's own, as time.time() does.
    """
    if not finished_at:
        return noticed
    return datetime.fromisoformat(finished_at).timestamp() - sent_at
