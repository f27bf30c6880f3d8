"""The new-database load's scheduler (parallel.py): dependencies, and the table locks that keep
a connection from sitting in PostgreSQL's lock queue while a job it could run waits."""

import asyncio
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from app.pipelines.restore.parallel import Job, run_jobs

Timeline = list[tuple[str, str]]  # ("start" | "end", job key), in the order they happened


def _job(key: str, timeline: Timeline, **rules: set[str]) -> Job:
    def run() -> Callable[[asyncpg.Connection], Awaitable[None]]:
        async def work(conn: asyncpg.Connection) -> None:
            timeline.append(("start", key))
            await asyncio.sleep(0.05)
            timeline.append(("end", key))

        return work

    return Job(key, run(), **rules)


def _running_together(timeline: Timeline) -> set[frozenset[str]]:
    running: set[str] = set()
    pairs: set[frozenset[str]] = set()
    for event, key in timeline:
        if event == "start":
            pairs |= {frozenset((key, other)) for other in running}
            running.add(key)
        else:
            running.discard(key)
    return pairs


async def _run(jobs: list[Job], connections: int = 2) -> None:
    # The scheduler only hands each job its connection; these jobs never use it.
    await run_jobs([object() for _ in range(connections)], jobs)  # type: ignore[misc]


async def test_index_builds_share_a_table_and_wait_for_its_alter_table() -> None:
    timeline: Timeline = []
    table = {"table:t"}
    jobs = [
        _job("primary key", timeline, locks=table),
        _job("index a", timeline, shares=table),
        _job("index b", timeline, shares=table),
        _job("other table's key", timeline, locks={"table:u"}),
    ]
    await _run(jobs)

    together = _running_together(timeline)
    assert frozenset(("primary key", "index a")) not in together
    assert frozenset(("primary key", "index b")) not in together
    assert frozenset(("index a", "index b")) in together
    # The connection the ALTER TABLE left free took the job of another table, not an index.
    assert frozenset(("primary key", "other table's key")) in together
    assert len(timeline) == 8


async def test_a_job_waits_for_what_it_comes_after() -> None:
    timeline: Timeline = []
    jobs = [
        _job("foreign key", timeline, after={"index"}, locks={"table:t"}),
        _job("index", timeline, after={"rows"}, shares={"table:t"}),
        _job("rows", timeline),
    ]
    await _run(jobs)

    started = [key for event, key in timeline if event == "start"]
    assert started == ["rows", "index", "foreign key"]
    assert timeline.index(("end", "index")) < timeline.index(("start", "foreign key"))


async def test_a_dependency_cycle_is_refused() -> None:
    timeline: Timeline = []
    jobs = [_job("a", timeline, after={"b"}), _job("b", timeline, after={"a"})]
    with pytest.raises(RuntimeError, match="dependency cycle"):
        await _run(jobs)
    assert timeline == []
