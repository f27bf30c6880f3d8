"""Health checks of what backups depend on; each one raises when its service is not usable.

`before_backup` runs before every scheduled backup (target database, storage writable, broker,
no restore running); `readiness` backs /readyz (Lifeboat's database, broker, storage, and
the configured keys opening the newest backup: encryption.py).
"""

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.models import RestoreOperation
from app.db.urls import asyncpg_dsn
from app.health.broker import ping_broker
from app.health.encryption import newest_backup_opens
from app.settings import Settings
from app.storage.client import ObjectStore
from app.storage.keys import health_probe_key


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class HealthReport:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def reason(self) -> str:
        """One line naming every failed check, as recorded on a backup that could not start."""
        failed = [f"{c.name}: {c.detail}" for c in self.checks if not c.ok]
        return "health check failed: " + "; ".join(failed) if failed else "healthy"


Probe = Callable[[], Awaitable[str]]


async def run_checks(probes: dict[str, Probe], timeout: float) -> HealthReport:  # noqa: ASYNC109
    """Run the probes concurrently, each within `timeout` seconds."""

    async def one(name: str, probe: Probe) -> Check:
        try:
            return Check(name, True, await asyncio.wait_for(probe(), timeout))
        except TimeoutError:
            return Check(name, False, f"no answer within {timeout:g} s")
        except Exception as error:
            detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
            return Check(name, False, f"{type(error).__name__}: {detail}"[:500])

    return HealthReport(list(await asyncio.gather(*(one(n, p) for n, p in probes.items()))))


async def database(url: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(url), timeout=5)
    try:
        await conn.fetchval("SELECT 1")
    finally:
        await conn.close()
    return "ok"


async def own_database(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
    return "ok"


async def storage_writable(archives: ObjectStore) -> str:
    """Put a probe object and delete it again."""
    key = health_probe_key(secrets.token_hex(8))

    def probe() -> None:
        archives.put_bytes(key, b"lifeboat health probe", "text/plain")
        archives.client.remove_object(archives.bucket, key)

    await asyncio.to_thread(probe)
    return "ok"


async def storage_reachable(archives: ObjectStore) -> str:
    if not await asyncio.to_thread(archives.client.bucket_exists, archives.bucket):
        raise RuntimeError(f"bucket {archives.bucket} does not exist")
    return "ok"


async def no_restore_running(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as session:
        running = await session.scalar(
            # Restores into other databases (targetDatabase) leave the target alone.
            select(RestoreOperation)
            .where(
                RestoreOperation.status == "in_progress",
                RestoreOperation.target_database.is_(None),
            )
            .limit(1)
        )
    if running is not None:
        raise RuntimeError(f"restore {running.id} of backup {running.backup_id} is running")
    return "ok"


async def before_backup(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], archives: ObjectStore
) -> HealthReport:
    probes: dict[str, Probe] = {
        "target database": lambda: database(settings.target_database_url),
        "storage": lambda: storage_writable(archives),
        "broker": lambda: ping_broker(settings.broker_url, settings.health_timeout_seconds),
        "restores": lambda: no_restore_running(sessions),
    }
    return await run_checks(probes, settings.health_timeout_seconds)


async def readiness(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], archives: ObjectStore
) -> HealthReport:
    probes: dict[str, Probe] = {
        "database": lambda: own_database(sessions),
        "broker": lambda: ping_broker(settings.broker_url, settings.health_timeout_seconds),
        "storage": lambda: storage_reachable(archives),
        "encryption": lambda: newest_backup_opens(settings, sessions, archives),
    }
    return await run_checks(probes, settings.health_timeout_seconds)
