"""The benchmark's view of the target database: which statements ran, and for how long."""

import asyncpg

from bench.dataset import database_url
from bench.statements import StatementSampler


async def test_statements_of_other_sessions_are_recorded_with_their_run_time():
    conn = await asyncpg.connect(database_url("postgres"))
    try:
        with StatementSampler("postgres", interval=0.05) as sampler:
            await conn.execute("SELECT pg_sleep(0.6) /* bench-probe */")
        summary = sampler.summary(longer_than=0.3)
    finally:
        await conn.close()

    assert summary["error"] is None
    probes = [s for s in summary["statements"] if "bench-probe" in s["query"]]
    assert len(probes) == 1 and probes[0]["seconds"] >= 0.5
    # pg_sleep waits on a timeout the whole time: the samples say so, not "running".
    assert probes[0]["waits"].get("Timeout:PgSleep", 0) >= 0.4
