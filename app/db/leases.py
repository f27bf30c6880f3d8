"""Job leases: the worker running a job holds a PostgreSQL session lock, so its death is seen.

A job recorded in Lifeboat's database (a backup, a restore, any job kind) is leased by the
worker that runs it: a session advisory lock `lifeboat:job:<kind>:<id>` on a connection of its
own to Lifeboat's database, taken before the job is marked started and let go after its outcome
is recorded. PostgreSQL drops the lock the moment that connection ends, however the worker died
(SIGKILL, out of memory, a crash; a lost host within about two minutes, by TCP keepalives).
So a reaper that can take the lease of a job marked started knows at once that its worker is
gone, with no heartbeat to wait out; it holds the lease while it settles the job, so a
redelivered message cannot start the same job meanwhile.

Leases live in Lifeboat's database, where every job is recorded, rather than where the work
happens (the target, a new database, another server): the reaper asks one place whatever the
job. A worker whose lease connection alone is lost (Lifeboat's database restarted) is taken for
dead: its backup is failed and the worker, at its next heartbeat, stops; a restore is settled
only once the restore's own lock on the target is free too, so a live one goes on.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from app.db.locks import lock_key
from app.db.urls import asyncpg_dsn

_SESSION = {
    "application_name": "lifeboat-lease",
    # A host that vanishes without closing its connections is noticed in about two minutes
    # instead of the system's two hours.
    "tcp_keepalives_idle": "60",
    "tcp_keepalives_interval": "10",
    "tcp_keepalives_count": "6",
}


def lease_name(kind: str, job_id: str) -> str:
    return f"lifeboat:job:{kind}:{job_id}"


async def connect(database_url: str) -> asyncpg.Connection:
    """A connection of its own to Lifeboat's database, for holding or probing leases."""
    return await asyncpg.connect(asyncpg_dsn(database_url), server_settings=_SESSION, timeout=10)


async def try_hold(conn: asyncpg.Connection, kind: str, job_id: str) -> bool:
    """Take the job's lease on `conn` if nobody holds it; never waits."""
    key = lock_key(lease_name(kind, job_id))
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))


async def let_go(conn: asyncpg.Connection, kind: str, job_id: str) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", lock_key(lease_name(kind, job_id)))


@asynccontextmanager
async def lease(database_url: str, kind: str, job_id: str) -> AsyncIterator[bool]:
    """Hold the job's lease for the block: True if we hold it, False if someone else does.

    For the worker running the job: enter before marking it started, leave after recording
    its outcome.
    """
    conn = await connect(database_url)
    try:
        yield await try_hold(conn, kind, job_id)
    finally:
        await conn.close()  # lets the lock go too


@asynccontextmanager
async def orphaned(conn: asyncpg.Connection, kind: str, job_id: str) -> AsyncIterator[bool]:
    """For a reaper: True, holding the lease for the block, when no worker holds it."""
    held = await try_hold(conn, kind, job_id)
    try:
        yield held
    finally:
        if held and not conn.is_closed():
            await let_go(conn, kind, job_id)
