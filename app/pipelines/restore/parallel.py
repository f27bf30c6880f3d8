"""Jobs on several connections at once, in dependency order, as pg_restore -j schedules them.

A job starts once every job it comes after has finished, and never while another running job
holds a table it locks (pg_restore's rule: everything after the data locks the tables it
names, except CREATE INDEX, which takes a lock others may share). Unlike pg_restore, a
CREATE INDEX also waits while another job holds its table: started beside an ALTER TABLE of
the same table, it would only sit in PostgreSQL's lock queue (0.9 s of one connection on the
bench) while a job it could run instead waited. Among the jobs ready to
start, the first in the list goes first: the caller puts the largest tables first, as
pg_restore does, and the rest in pg_restore's order. The first failure stops every
connection (the caller drops what was being built).
"""

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg


@dataclass
class Job:
    key: str
    run: Callable[[asyncpg.Connection], Awaitable[None]]
    after: set[str] = field(default_factory=set)
    locks: set[str] = field(default_factory=set)  # held alone
    shares: set[str] = field(default_factory=set)  # held beside other jobs' shares only


async def run_jobs(connections: list[asyncpg.Connection], jobs: list[Job]) -> None:
    """Run every job on one of the connections; raises the first failure."""
    keys = {job.key for job in jobs}
    pending = [job for job in jobs]
    done: set[str] = set()
    locked: set[str] = set()
    shared: Counter[str] = Counter()
    running = 0
    changed = asyncio.Condition()

    def free(job: Job) -> bool:
        return not (job.locks & (locked | set(+shared))) and not (job.shares & locked)

    def next_ready() -> Job | None:
        for job in pending:
            if (job.after & keys) <= done and free(job):
                return job
        return None

    def may_go_on() -> bool:
        # Nothing ready and nothing running that could make something ready: stop.
        return not pending or next_ready() is not None or not running

    async def worker(conn: asyncpg.Connection) -> None:
        nonlocal running
        while True:
            async with changed:
                await changed.wait_for(may_go_on)
                job = next_ready()
                if job is None:
                    return
                pending.remove(job)
                locked.update(job.locks)
                shared.update(job.shares)
                running += 1
            finished = False
            try:
                await job.run(conn)
                finished = True
            finally:
                async with changed:
                    running -= 1
                    locked.difference_update(job.locks)
                    shared.subtract(job.shares)
                    if finished:
                        done.add(job.key)
                    changed.notify_all()

    tasks = [asyncio.create_task(worker(conn)) for conn in connections]
    try:
        finished, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in finished:
            task.result()  # raises the first failure
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if pending:
        missing = sorted({key for job in pending for key in job.after - done})
        raise RuntimeError(f"jobs left waiting for {missing}: a dependency cycle")
