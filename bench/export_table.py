"""Time one Lifeboat export of an existing database (or some of its tables) and its peak RSS.

    .venv/bin/python -m bench.export_table postgresql://root@127.0.0.1:5432/DB [TABLE ...]
    .venv/bin/python -m bench.export_table --worker postgresql://…/DB [TABLE ...]

By default the pipeline runs in this process (peak RSS = its ru_maxrss). With --worker a real
`dramatiq workers.actors` process (1 process, 1 thread, Redis) runs it from a message, and
its RSS is sampled every 50 ms with psutil. Both use a scratch Lifeboat database and bucket of
their own, created if missing; the archive is deleted afterwards unless --keep.
"""

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import dramatiq
import psutil

from app.archive.manifest import Manifest
from app.auth import service as auth_service
from app.backups import repository
from app.backups import service as backup_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.migrate import migrate
from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import run_export
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore, create_client

OWN_DB = "lifeboat_bench_export"
BUCKET = "lifeboat-bench-export"
QUEUE_PREFIX = "lifeboat_bench_export_"


async def prepare(target_url: str) -> Settings:
    own_url = with_database(target_url, OWN_DB)
    admin = await asyncpg.connect(with_database(target_url, "postgres"))
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", OWN_DB):
        await admin.execute(f'CREATE DATABASE "{OWN_DB}"')
    await admin.close()
    await asyncio.to_thread(migrate, own_url)
    return Settings(
        database_url=own_url,
        target_database_url=target_url,
        s3_bucket=BUCKET,
        queue_prefix=QUEUE_PREFIX,
    )


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIFEBOAT_DATABASE_URL": settings.database_url,
        "LIFEBOAT_TARGET_DATABASE_URL": settings.target_database_url,
        "LIFEBOAT_S3_BUCKET": settings.s3_bucket,
        "LIFEBOAT_QUEUE_PREFIX": settings.queue_prefix,
    }
    dramatiq = Path(sys.executable).parent / "dramatiq"
    command = [str(dramatiq), "workers.actors", "--processes", "1", "--threads", "1"]
    command += ["--queues", settings.queue("backups")]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr)


class RssSampler(threading.Thread):
    """Peak RSS of a process and its children, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak: dict[int, int] = {}
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                for process in [self.root, *self.root.children(recursive=True)]:
                    rss = process.memory_info().rss
                    self.peak[process.pid] = max(self.peak.get(process.pid, 0), rss)
            except psutil.Error:
                pass
            time.sleep(0.05)


async def export_in_worker(ctx: PipelineContext, backup_id: str) -> tuple[Manifest, float, str]:
    from workers.broker import create_broker

    worker = start_worker(ctx.settings)
    sampler = RssSampler(worker.pid)
    sampler.start()
    broker = create_broker(ctx.settings)
    try:
        await asyncio.sleep(3)  # let the worker boot before the clock starts
        started = time.perf_counter()
        broker.enqueue(_message(ctx.settings, backup_id))
        while True:
            async with transaction(ctx.sessions) as session:
                row = await repository.get_by_backup_id(session, backup_id)
            if row is not None and row.status != "creating":
                break
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        sampler.running = False
        worker.terminate()
        worker.wait(30)
        broker.close()
    if row.status != "completed":
        raise SystemExit(f"backup failed: {row.error_message}")
    manifest = Manifest.from_json(ctx.archives.get_bytes(keys.manifest_key(backup_id)))
    peaks = ", ".join(f"pid {pid}: {rss / 2**20:.0f} MiB" for pid, rss in sampler.peak.items())
    return manifest, elapsed, peaks


def _message(settings: Settings, backup_id: str) -> dramatiq.Message[None]:
    return dramatiq.Message(
        queue_name=settings.queue("backups"),
        actor_name="export_backup",
        args=(backup_id,),
        kwargs={},
        options={},
    )


async def main(target_url: str, tables: list[str], keep: bool, in_worker: bool) -> None:
    settings = await prepare(target_url)
    client = create_client(settings)
    archives = ObjectStore(client, BUCKET)
    archives.ensure_bucket()
    uploads = ObjectStore(client, settings.uploads_bucket)
    uploads.ensure_bucket()
    engine = create_engine(settings.database_url, pool_size=2)
    ctx = PipelineContext(settings, session_factory(engine), archives, uploads)
    target = await asyncpg.connect(target_url)
    async with transaction(ctx.sessions) as session:
        who = await auth_service.ensure_admin(session, "bench@lifeboat.local")
        kind = "partial" if tables else "full"
        row = await backup_service.create_backup(session, target, who, kind, tables or None)
    await target.close()

    if in_worker:
        manifest, elapsed, rss = await export_in_worker(ctx, row.backup_id)
    else:
        started = time.perf_counter()
        manifest = await run_export(ctx, row.backup_id)
        elapsed = time.perf_counter() - started
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss = f"pid {os.getpid()} (this process): {maxrss:.0f} MiB"

    raw = sum(t.raw_bytes for t in manifest.tables)
    print(f"tables: {len(manifest.tables)}, rows: {sum(t.rows for t in manifest.tables)}")
    print(f"COPY bytes: {raw / 1e6:.0f} MB, stored: {manifest.stored_bytes / 1e6:.0f} MB")
    print(f"wall: {elapsed:.2f} s, {raw / 1e6 / elapsed:.0f} MB/s of COPY data")
    print(f"peak RSS: {rss}")
    if not keep:
        archives.delete_prefix(keys.backup_prefix(row.backup_id))
        if not archives.list(""):
            # SeaweedFS holds volumes per bucket until the bucket itself goes.
            client.remove_bucket(BUCKET)
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("target_url")
    parser.add_argument("tables", nargs="*")
    parser.add_argument("--keep", action="store_true", help="keep the archive")
    parser.add_argument("--worker", action="store_true", help="run it in a dramatiq worker")
    args = parser.parse_args()
    asyncio.run(main(args.target_url, args.tables, args.keep, args.worker))
