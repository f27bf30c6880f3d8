"""The soak: backups and restores on a whole `make run` stack while, at random moments, its worker
is SIGKILLed, its Redis restarted and its SeaweedFS killed; then nothing may hang or be left.

Every cycle takes a FULL backup and, when it completed, changes the data and restores it, with a
fault (or none) injected a random moment after each request. Checked on every restore: the
database equals its state before the restore or the backup's (the backup's when COMPLETED).
Checked at the end: no backup CREATING and no restore IN_PROGRESS, no object left under a
failed backup's prefix (nor an open multipart upload), and once `make run` is stopped, none of
its processes left. Printed: cycles, faults injected, outcomes, the slowest settle time (from a
fault to the final state of the job it hit) and how long `make run` took to stop when asked in
the middle of a last export.

The stack has its own Redis (tests/support/brokers.py) and its own SeaweedFS (`make run` starts
one on a free port and restarts it when it dies), so nobody else's tests are disturbed.
LIFEBOAT_CHAOS_CYCLES (24) and LIFEBOAT_CHAOS_SEED (the clock) choose the length and the dice.
"""

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import pytest
from minio import Minio

from app.db.urls import with_database
from tests.restores.support import database_state
from tests.support.brokers import PrivateRedis
from tests.support.stack import Stack, gone
from tests.support.worker import wait_for

CYCLES = int(os.environ.get("LIFEBOAT_CHAOS_CYCLES", "24"))
SEED = int(os.environ.get("LIFEBOAT_CHAOS_SEED", str(int(time.time()))))
# Faults and how often each is drawn; "none" keeps some jobs undisturbed.
FAULTS = {"none": 2, "kill-worker": 3, "restart-redis": 2, "kill-seaweedfs": 2}
SETTLE_TIMEOUT = 180.0
# Enough rows that a backup or a restore takes a second or more: faults land mid-job.
ROWS = 300_000
# The last export's: a few hundred MB of COPY text, tens of seconds of export.
BIG_ROWS = 2_000_000
LIFEBOAT = Path(sys.executable).parent / "lifeboat"

BACKUP = "mutation { createBackup(input: {type: FULL}) { backupId } }"
BACKUP_STATUS = "query ($id: String!) { backup(backupId: $id) { status errorMessage } }"
CODE = "query ($id: String!) { restoreConfirmationCode(backupId: $id) }"
RESTORE = "mutation ($input: RestoreBackupInput!) { restoreBackup(input: $input) { id } }"
RESTORE_STATUS = "query ($id: ID!) { restoreOperation(id: $id) { status errorLog } }"


@dataclass
class Job:
    kind: str  # "backup" or "restore"
    job_id: str
    fault: str
    status: str = ""
    error: str | None = None
    settle_seconds: float | None = None  # from the fault to the final state
    # Where the job was when the fault came: "queued" (no worker had started it), "running",
    # or "done" (already final: the fault hit the stack, not this job, so no settle time).
    phase_at_fault: str = ""
    # For a job still queued at the fault: when a (live) worker started it. A settle time is
    # then the wait for redelivery plus the job's own run, which this splits.
    restarted_seconds: float | None = None
    injected: bool = False

    def describe(self) -> str:
        text = f"{self.kind} {self.job_id}, {self.fault}, then {self.status}"
        if self.restarted_seconds is not None and self.settle_seconds is not None:
            ran = self.settle_seconds - self.restarted_seconds
            text += f"; started {self.restarted_seconds:.1f} s after the fault, ran {ran:.1f} s"
        return text


@dataclass
class Report:
    jobs: list[Job] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    stop_seconds: float | None = None
    last_backup_status: str = "?"  # CREATING: the stop did not wait for its export

    def lines(self, cycles: int) -> list[str]:
        faulted = [
            j for j in self.jobs if j.settle_seconds is not None and j.phase_at_fault != "done"
        ]
        slowest = max(faulted, key=lambda j: j.settle_seconds or 0, default=None)
        outcomes = Counter(f"{j.kind} {j.status}" for j in self.jobs)
        lines = [
            f"chaos soak: seed {SEED}, {cycles} cycles, {len(self.jobs)} jobs",
            "faults injected: " + ", ".join(f"{k} {n}" for k, n in sorted(self.faults.items())),
            "outcomes: " + ", ".join(f"{k} {n}" for k, n in sorted(outcomes.items())),
        ]
        if slowest is not None:
            lines.append(f"slowest settle: {slowest.settle_seconds:.1f} s ({slowest.describe()})")
        for fault in FAULTS:
            for phase in ("running", "queued"):
                hit = [j for j in faulted if j.fault == fault and j.phase_at_fault == phase]
                if hit:
                    worst = max(hit, key=lambda j: j.settle_seconds or 0)
                    lines.append(
                        f"  {fault}, job {phase}: {len(hit)}, "
                        f"slowest {worst.settle_seconds:.1f} s ({worst.describe()})"
                    )
        done = Counter(j.fault for j in self.jobs if j.phase_at_fault == "done" and j.injected)
        if done:
            lines.append(
                "  faults that came after their job had ended (not timed): "
                + ", ".join(f"{k} {n}" for k, n in sorted(done.items()))
            )
        lines.append(
            f"make run stopped in {self.stop_seconds:.1f} s after a SIGTERM sent while a last "
            f"export ran (that backup was then {self.last_backup_status})"
        )
        lines += [f"PROBLEM: {problem}" for problem in self.problems] or ["problems: none"]
        return lines


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    async def __call__(self, query: str, **variables: Any) -> Any:
        async with httpx.AsyncClient(timeout=30) as http:
            response = await http.post(
                f"{self.base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.token}"},
            )
        body = response.json()
        if body.get("errors"):
            raise AssertionError(f"{query.split('{')[1].strip()}: {body['errors']}")
        return body["data"]

    async def ready(self) -> None:
        """Until /readyz says the database, the broker and the storage answer again."""

        async def answers() -> bool:
            try:
                async with httpx.AsyncClient(timeout=10) as http:
                    return (await http.get(f"{self.base}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_for(answers, timeout=120, interval=0.5, message="the stack to be ready")


class Chaos:
    """Injects one fault into the running stack."""

    def __init__(self, stack: Stack, redis: PrivateRedis, own_url: str) -> None:
        self.stack, self.redis, self.own_url = stack, redis, own_url

    def inject(self, fault: str) -> bool:
        """True if the fault was injected (a worker may be between two lives)."""
        if fault == "kill-worker":
            main = self.stack.child("dramatiq workers.actors")
            forks = main.children() if main is not None else []
            for process in forks:  # Dramatiq's worker process: the one running the jobs
                process.kill()
            return bool(forks)
        if fault == "restart-redis":
            self.redis.restart()
            return True
        if fault == "kill-seaweedfs":
            weed = self.stack.child("weed")
            if weed is not None:
                weed.kill()  # `make run` starts it again
            return weed is not None
        return False


async def settle(api: Api, own_url: str, job: Job, injected_at: float | None) -> None:
    query, field_name = (
        (BACKUP_STATUS, "backup") if job.kind == "backup" else (RESTORE_STATUS, "restoreOperation")
    )
    pending = "CREATING" if job.kind == "backup" else "IN_PROGRESS"

    async def final() -> dict[str, Any] | None:
        waiting = job.phase_at_fault == "queued" and job.restarted_seconds is None
        if injected_at is not None and waiting and await started(own_url, job):
            job.restarted_seconds = time.monotonic() - injected_at
        try:
            row = (await api(query, id=job.job_id))[field_name]
        except (httpx.HTTPError, AssertionError):
            return None  # the API answers again in a moment
        return row if row["status"] != pending else None

    row = await wait_for(final, timeout=SETTLE_TIMEOUT, interval=0.2, message=job.kind)
    job.status = row["status"]
    job.error = row.get("errorMessage") or row.get("errorLog")
    if injected_at is not None:
        job.settle_seconds = max(0.0, time.monotonic() - injected_at)


async def phase(own_url: str, job: Job) -> str:
    """queued (no worker started it), running, or done (final)."""
    conn = await asyncpg.connect(own_url)
    try:
        if job.kind == "backup":
            query = "SELECT status <> 'creating', heartbeat_at IS NOT NULL"
            query += " FROM lifeboat.system_backups WHERE backup_id = $1"
            row = await conn.fetchrow(query, job.job_id)
        else:
            query = "SELECT status <> 'in_progress', worker_started_at IS NOT NULL"
            row = await conn.fetchrow(
                query + " FROM lifeboat.restore_operations WHERE id = $1::uuid", job.job_id
            )
    finally:
        await conn.close()
    assert row is not None
    return "done" if row[0] else "running" if row[1] else "queued"


async def started(own_url: str, job: Job) -> bool:
    """Whether a worker has started the job (set its heartbeat, or worker_started_at)."""
    conn = await asyncpg.connect(own_url)
    try:
        if job.kind == "backup":
            query = "SELECT heartbeat_at IS NOT NULL FROM lifeboat.system_backups"
            query += " WHERE backup_id = $1"
            return bool(await conn.fetchval(query, job.job_id))
        query = "SELECT worker_started_at IS NOT NULL FROM lifeboat.restore_operations"
        return bool(await conn.fetchval(query + " WHERE id = $1::uuid", job.job_id))
    finally:
        await conn.close()


async def run_job(
    api: Api, chaos: Chaos, rng: random.Random, report: Report, kind: str, start: Any
) -> Job:
    """Request a job, inject a fault a random moment later, wait until it is settled."""
    fault = rng.choices(list(FAULTS), weights=list(FAULTS.values()))[0]
    job = Job(kind, await start(), fault)
    # Jobs here run 0.3-2 s once started (measured): a fault later than that hits nothing.
    await asyncio.sleep(rng.uniform(0, 0.8))
    injected_at = None
    job.phase_at_fault = await phase(chaos.own_url, job)
    if fault != "none" and await asyncio.to_thread(chaos.inject, fault):
        injected_at = time.monotonic()
        job.injected = True
        report.faults[fault] += 1
    else:
        job.fault = "none"
    await settle(api, chaos.own_url, job, injected_at)
    report.jobs.append(job)
    return job


async def state(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        return await database_state(conn)
    finally:
        await conn.close()


async def cycle(
    number: int, api: Api, chaos: Chaos, rng: random.Random, report: Report, target: str
) -> None:
    await api.ready()
    at_backup = await state(target)

    async def request_backup() -> str:
        return str((await api(BACKUP))["createBackup"]["backupId"])

    backup = await run_job(api, chaos, rng, report, "backup", request_backup)
    if backup.status != "COMPLETED":
        return
    conn = await asyncpg.connect(target)
    try:
        await conn.execute(
            f"UPDATE chaos_rows SET note = 'cycle {number}' WHERE id % 10 = {number % 10}"
        )
    finally:
        await conn.close()
    before = await state(target)
    await api.ready()

    async def request_restore() -> str:
        code = (await api(CODE, id=backup.job_id))["restoreConfirmationCode"]
        given = {"backupId": backup.job_id, "confirmationCode": code}
        return str((await api(RESTORE, input=given))["restoreBackup"]["id"])

    restore = await run_job(api, chaos, rng, report, "restore", request_restore)
    after = await state(target)
    if after not in (before, at_backup):
        report.problems.append(f"restore {restore.job_id} ({restore.status}) left a third state")
    elif restore.status == "COMPLETED" and after != at_backup:
        report.problems.append(
            f"restore {restore.job_id} COMPLETED but the data is not the backup's"
        )


async def unsettled(own_url: str) -> list[str]:
    conn = await asyncpg.connect(own_url)
    try:
        rows = await conn.fetch(
            "SELECT 'backup ' || backup_id FROM lifeboat.system_backups WHERE status = 'creating'"
            " UNION ALL SELECT 'restore ' || id FROM lifeboat.restore_operations"
            " WHERE status = 'in_progress'"
        )
        return [row[0] for row in rows]
    finally:
        await conn.close()


async def failed_backups_with_objects(own_url: str, env: dict[str, str]) -> list[str]:
    conn = await asyncpg.connect(own_url)
    try:
        failed = [
            row[0]
            for row in await conn.fetch(
                "SELECT backup_id FROM lifeboat.system_backups WHERE status = 'failed'"
            )
        ]
    finally:
        await conn.close()
    s3 = Minio(
        env["LIFEBOAT_S3_ENDPOINT"],
        env.get("LIFEBOAT_S3_ACCESS_KEY", "lifeboat"),
        env.get("LIFEBOAT_S3_SECRET_KEY", "lifeboat-dev-secret"),
        secure=False,
    )
    bucket = env["LIFEBOAT_S3_BUCKET"]
    left = []
    for backup_id in failed:
        prefix = f"backups/{backup_id}/"
        objects = list(s3.list_objects(bucket, prefix=prefix, recursive=True))
        uploads = s3._list_multipart_uploads(bucket, prefix=prefix).uploads
        if objects or uploads:
            left.append(backup_id)
    return left


def leftovers(marker: str) -> list[str]:
    """Processes whose command line mentions this stack's unique name."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if marker in command and process.pid != os.getpid():
            found.append(f"{process.pid} {command[:120]}")
    return found


@pytest.mark.timeout(3600)
async def test_soak(stack_env: dict[str, str], tmp_path: Path) -> None:
    rng = random.Random(SEED)
    report = Report()
    redis = PrivateRedis(tmp_path)
    redis.start()
    stack_env["LIFEBOAT_BROKER_URL"] = redis.url
    # The stack runs with the defaults, not with the test run's quick heartbeats and its
    # workers that never send lost jobs again (tests/conftest.py).
    for tuned in ("LIFEBOAT_HEARTBEAT_SECONDS", "LIFEBOAT_REDISPATCH_AFTER_SECONDS"):
        stack_env.pop(tuned, None)
    marker = stack_env["LIFEBOAT_QUEUE_PREFIX"]  # in the worker's command line
    own = stack_env["LIFEBOAT_DATABASE_URL"]
    target = with_database(own, stack_env["LIFEBOAT_DEMO_DATABASE"])
    stack = Stack(stack_env, tmp_path / "stack.log")
    last: Job | None = None
    try:
        await asyncio.to_thread(stack.wait_for_ready)
        created = await asyncio.to_thread(
            subprocess.run,
            [str(LIFEBOAT), "admin", "create", "chaos@example.com"],
            env=stack_env,
            capture_output=True,
            text=True,
            check=True,
        )
        api = Api(f"http://127.0.0.1:{stack_env['LIFEBOAT_PORT']}", created.stdout.split()[-1])
        conn = await asyncpg.connect(target)
        try:
            await conn.execute(
                "CREATE TABLE chaos_rows (id int PRIMARY KEY, note text);"
                f"INSERT INTO chaos_rows SELECT i, md5(i::text) FROM generate_series(1, {ROWS}) i"
            )
        finally:
            await conn.close()
        chaos = Chaos(stack, redis, own)
        for number in range(CYCLES):
            await cycle(number, api, chaos, rng, report, target)

        await api.ready()
        try:
            await wait_for(lambda: _none(unsettled(own)), timeout=120, message="every job settled")
        except AssertionError:
            report.problems.append(f"left unsettled: {await unsettled(own)}")
        try:
            await wait_for(
                lambda: _none(failed_backups_with_objects(own, stack_env)),
                timeout=120,
                message="the objects of failed backups to go",
            )
        except AssertionError:
            left = await failed_backups_with_objects(own, stack_env)
            report.problems.append(f"failed backups with objects left: {left}")
        # The stop below comes in the middle of an export (made long by a big table): it must
        # not wait for it.
        conn = await asyncpg.connect(target)
        try:
            await conn.execute(
                "CREATE UNLOGGED TABLE chaos_big AS SELECT i AS id, repeat(md5(i::text), 4) AS note"
                f" FROM generate_series(1, {BIG_ROWS}) AS i"
            )
        finally:
            await conn.close()
        last = Job("backup", str((await api(BACKUP))["createBackup"]["backupId"]), "stop")
        await wait_for(lambda: started(own, last), timeout=60, message="a last export")
    finally:
        family = stack.descendants() if stack.process.poll() is None else []
        asked_at = time.monotonic()
        os.killpg(stack.process.pid, signal.SIGTERM)
        await asyncio.to_thread(stack.process.wait, 60)
        report.stop_seconds = time.monotonic() - asked_at
        stack.close()
        redis.stop()
    if last is not None:
        report.last_backup_status = await status_of(own, last.job_id)
    await wait_for(lambda: all(gone(p) for p in family), timeout=20, message="no process left")
    left = leftovers(marker) + leftovers(stack_env["LIFEBOAT_DEVSTACK_DIR"])
    if left:
        report.problems.append(f"processes left over: {left}")
    if report.stop_seconds > 20:  # the bound, an export running
        report.problems.append(f"make run took {report.stop_seconds:.1f} s to stop (over 20 s)")
    print("\n" + "\n".join(report.lines(CYCLES)), flush=True)
    assert len(report.jobs) >= CYCLES and not report.problems, report.problems


async def status_of(own_url: str, backup_id: str) -> str:
    conn = await asyncpg.connect(own_url)
    try:
        query = "SELECT upper(status) FROM lifeboat.system_backups WHERE backup_id = $1"
        return str(await conn.fetchval(query, backup_id))
    finally:
        await conn.close()


async def _none(listing: Any) -> bool:
    return not await listing
