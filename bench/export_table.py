"""Time one Lifeboat export of an existing database (or some of its tables) and its peak RSS.

    .venv/bin/python -m bench.export_table postgresql://root@127.0.0.1:5432/DB [TABLE ...]

Runs the real pipeline in this process (as a worker does) against a scratch Lifeboat database
and bucket of its own, which it creates, and deletes the archive afterwards. Peak RSS is this
process's high-water mark (ru_maxrss), i.e. what a worker process would need.
"""

import argparse
import asyncio
import os
import resource
import time

import asyncpg

from app.auth import service as auth_service
from app.backups import service as backup_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.migrate import migrate
from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.export import run_export
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore, create_client

OWN_DB = "lifeboat_bench_export"
BUCKET = "lifeboat-bench-export"


async def main(target_url: str, tables: list[str], keep: bool) -> None:
    own_url = with_database(target_url, OWN_DB)
    admin = await asyncpg.connect(with_database(target_url, "postgres"))
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", OWN_DB):
        await admin.execute(f'CREATE DATABASE "{OWN_DB}"')
    await admin.close()
    await asyncio.to_thread(migrate, own_url)
    settings = Settings(database_url=own_url, target_database_url=target_url, s3_bucket=BUCKET)
    client = create_client(settings)
    archives = ObjectStore(client, BUCKET)
    archives.ensure_bucket()
    uploads = ObjectStore(client, settings.uploads_bucket)
    uploads.ensure_bucket()
    engine = create_engine(own_url, pool_size=2)
    ctx = PipelineContext(settings, session_factory(engine), archives, uploads)
    target = await asyncpg.connect(target_url)
    async with transaction(ctx.sessions) as session:
        who = await auth_service.ensure_admin(session, "bench@lifeboat.local")
        kind = "partial" if tables else "full"
        row = await backup_service.create_backup(session, target, who, kind, tables or None)
    await target.close()

    started = time.perf_counter()
    manifest = await run_export(ctx, row.backup_id)
    elapsed = time.perf_counter() - started

    raw = sum(t.raw_bytes for t in manifest.tables)
    stored = manifest.stored_bytes
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tables: {len(manifest.tables)}, rows: {sum(t.rows for t in manifest.tables)}")
    print(f"COPY bytes: {raw / 1e6:.0f} MB, stored: {stored / 1e6:.0f} MB")
    print(f"wall: {elapsed:.2f} s, {raw / 1e6 / elapsed:.0f} MB/s of COPY data")
    print(f"peak RSS: {rss:.0f} MB (pid {os.getpid()})")
    if not keep:
        archives.delete_prefix(keys.backup_prefix(row.backup_id))
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target_url")
    parser.add_argument("tables", nargs="*")
    parser.add_argument("--keep", action="store_true", help="keep the archive")
    args = parser.parse_args()
    asyncio.run(main(args.target_url, args.tables, args.keep))
