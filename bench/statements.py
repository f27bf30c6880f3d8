"""What the database was doing during a run: pg_stat_activity of the target, sampled.

Lifeboat's timeline is only as fine as the bench's polling (graphql.POLL_SECONDS), and its
step clock does not see inside a step. The database side is exact: every statement the worker
runs on the target (each COPY, index build, foreign-key validation, COMMIT) has a query_start, and
the time a transaction sits idle is the time the database waits on the worker. Each sample
also notes what the statement was waiting for (pg_stat_activity's wait event, "running" when
none: on a CPU or waiting for one), so a statement's time can be split into work and waits.
"""

import asyncio
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench.dataset import database_url

QUERY = """
SELECT pid, state, query_start, state_change, now() AS now, left(query, 2000) AS query,
       coalesce(wait_event_type || ':' || wait_event, 'running') AS waiting
FROM pg_stat_activity
WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()
  AND state IN ('active', 'idle in transaction')
"""


def _short(query: str) -> str:
    text = re.sub(r"\s+", " ", query).strip()
    # A COPY's column list hides its direction past any sensible width: fold it.
    return re.sub(r"^(COPY [^(]+)\(.*?\) (TO|FROM) ", r"\1(…) \2 ", text)[:110]


@dataclass
class StatementSampler:
    """Samples the target's pg_stat_activity every `interval` seconds in its own thread."""

    database: str
    interval: float = 0.1
    # (pid, start) → [text, seconds]: a statement's longest observed run time, or an idle spell.
    statements: dict[tuple[int, Any], list[Any]] = field(default_factory=dict)
    waits: dict[tuple[int, Any], Counter[str]] = field(default_factory=dict)  # samples per event
    idle: dict[tuple[int, Any], float] = field(default_factory=dict)
    error: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _ready: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "StatementSampler":
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._run()), name="pg-activity", daemon=True
        )
        self._thread.start()
        self._ready.wait(30)  # sampling from the start (or given up, with self.error set)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    async def _run(self) -> None:
        try:
            conn = await asyncpg.connect(database_url("postgres"))
        except Exception as error:
            self.error = str(error)
            return
        finally:
            self._ready.set()
        try:
            while not self._stop.is_set():
                for row in await conn.fetch(QUERY, self.database):
                    self._record(row)
                await asyncio.sleep(self.interval)
        except Exception as error:  # the figures so far stand
            self.error = str(error)
        finally:
            await conn.close()

    def _record(self, row: asyncpg.Record) -> None:
        if row["state"] == "active" and row["query_start"] is not None:
            seconds = (row["now"] - row["query_start"]).total_seconds()
            key = (row["pid"], row["query_start"])
            entry = self.statements.setdefault(key, [_short(row["query"]), 0.0])
            entry[1] = max(entry[1], seconds)
            self.waits.setdefault(key, Counter())[row["waiting"]] += 1
        elif row["state"] == "idle in transaction" and row["state_change"] is not None:
            seconds = (row["now"] - row["state_change"]).total_seconds()
            key = (row["pid"], row["state_change"])
            self.idle[key] = max(self.idle.get(key, 0.0), seconds)

    def summary(self, longer_than: float = 0.3) -> dict[str, Any]:
        """Statements that ran longer than `longer_than` seconds, in order, each with its
        samples' wait events (in seconds: samples times the interval), and idle time."""
        ordered = sorted(self.statements.items(), key=lambda item: item[0][1])
        return {
            "statements": [
                {
                    "pid": key[0],
                    "seconds": round(seconds, 2),
                    "query": text,
                    "waits": {
                        event: round(samples * self.interval, 1)
                        for event, samples in self.waits[key].most_common()
                    },
                }
                for key, (text, seconds) in ordered
                if seconds >= longer_than
            ],
            "idle_in_transaction_seconds": round(sum(self.idle.values()), 2),
            "sampling_interval_seconds": self.interval,
            "error": self.error,
        }
