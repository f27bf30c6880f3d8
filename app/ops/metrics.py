"""Prometheus metrics, computed from the database at scrape time.

Read from the tables rather than counted in memory, so every API process answers the same
numbers whichever worker or scheduler did the work, and they survive restarts. Being gauges of
what the tables hold now, backup counts go down when retention deletes backups.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs import unknown
from app.jobs.waiting import KINDS, waiting_jobs
from app.ops.drill_metrics import DrillSnapshot, drill_metrics, drill_snapshot

BACKUP_TYPES = ("full", "partial", "scheduled")
BACKUP_STATUSES = ("creating", "completed", "failed")
RESTORE_STATUSES = ("in_progress", "completed", "failed")
DELIVERY_STATUSES = ("pending", "delivered", "failed")
UNKNOWN_JOB_ACTORS = ("export_backup", "restore_backup", "verify_backup")


@dataclass
class Snapshot:
    backups: dict[tuple[str, str], int] = field(default_factory=dict)  # (type, status) → count
    stored_bytes: dict[str, int] = field(default_factory=dict)
    # type → (completed_at epoch, duration seconds, size bytes) of the last completed backup
    last_backup: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    restores: dict[str, int] = field(default_factory=dict)
    last_restore: tuple[float, float] | None = None
    schedules: list[tuple[str, bool, float, float | None]] = field(default_factory=list)
    deliveries: dict[str, int] = field(default_factory=dict)
    # kind ("backup", "restore") → (jobs no worker has started, seconds the oldest has waited)
    waiting: dict[str, tuple[int, float]] = field(default_factory=dict)
    unknown_messages: dict[str, int] = field(default_factory=dict)  # by actor
    drills: DrillSnapshot = field(default_factory=DrillSnapshot)


async def snapshot(session: AsyncSession) -> Snapshot:
    snap = Snapshot()
    rows = await session.execute(
        text(
            "SELECT backup_type, status, count(*), coalesce(sum(file_size_bytes), 0) "
            "FROM lifeboat.system_backups WHERE deleted_at IS NULL GROUP BY 1, 2"
        )
    )
    for backup_type, status, count, size in rows:
        snap.backups[(backup_type, status)] = count
        if status == "completed":
            snap.stored_bytes[backup_type] = int(size)
    rows = await session.execute(
        text(
            "SELECT DISTINCT ON (backup_type) backup_type, extract(epoch FROM completed_at), "
            "extract(epoch FROM completed_at - created_at), coalesce(file_size_bytes, 0) "
            "FROM lifeboat.system_backups WHERE status = 'completed' AND deleted_at IS NULL "
            "AND completed_at IS NOT NULL ORDER BY backup_type, completed_at DESC"
        )
    )
    for backup_type, at, duration, size in rows:
        snap.last_backup[backup_type] = (float(at), float(duration), int(size))
    rows = await session.execute(
        text("SELECT status, count(*) FROM lifeboat.restore_operations GROUP BY 1")
    )
    snap.restores = {status: count for status, count in rows}
    last = (
        await session.execute(
            text(
                "SELECT extract(epoch FROM completed_at), "
                "extract(epoch FROM completed_at - started_at) FROM lifeboat.restore_operations "
                "WHERE status = 'completed' AND completed_at IS NOT NULL "
                "ORDER BY completed_at DESC LIMIT 1"
            )
        )
    ).first()
    snap.last_restore = (float(last[0]), float(last[1])) if last else None
    rows = await session.execute(
        text(
            "SELECT name, enabled, extract(epoch FROM next_run_at), "
            "extract(epoch FROM last_fired_at) FROM lifeboat.schedules ORDER BY name"
        )
    )
    snap.schedules = [
        (name, enabled, float(next_at), float(fired) if fired is not None else None)
        for name, enabled, next_at, fired in rows
    ]
    rows = await session.execute(
        text("SELECT status, count(*) FROM lifeboat.notification_deliveries GROUP BY 1")
    )
    snap.deliveries = {status: count for status, count in rows}
    now = await session.scalar(text("SELECT now()"))
    for job in await waiting_jobs(session):
        count, oldest = snap.waiting.get(job.kind, (0, 0.0))
        snap.waiting[job.kind] = (count + 1, max(oldest, (now - job.queued_at).total_seconds()))
    snap.unknown_messages = await unknown.counts(session)
    snap.drills = await drill_snapshot(session)
    return snap


class SnapshotCollector(Collector):
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[Metric]:
        snap = self.snap
        backups = GaugeMetricFamily(
            "lifeboat_backups", "Backups recorded, by type and status.", labels=["type", "status"]
        )
        for backup_type in BACKUP_TYPES:
            for status in BACKUP_STATUSES:
                count = snap.backups.get((backup_type, status), 0)
                backups.add_metric([backup_type, status], count)
        yield backups
        stored = GaugeMetricFamily(
            "lifeboat_backup_stored_bytes", "Bytes stored by completed backups.", labels=["type"]
        )
        last_at = GaugeMetricFamily(
            "lifeboat_backup_last_success_timestamp_seconds",
            "When the last completed backup of each type finished (Unix time).",
            labels=["type"],
        )
        last_duration = GaugeMetricFamily(
            "lifeboat_backup_last_duration_seconds",
            "How long the last completed backup of each type took.",
            labels=["type"],
        )
        last_size = GaugeMetricFamily(
            "lifeboat_backup_last_size_bytes",
            "Size of the last completed backup of each type.",
            labels=["type"],
        )
        for backup_type in BACKUP_TYPES:
            stored.add_metric([backup_type], snap.stored_bytes.get(backup_type, 0))
            if backup_type in snap.last_backup:
                at, duration, size = snap.last_backup[backup_type]
                last_at.add_metric([backup_type], at)
                last_duration.add_metric([backup_type], duration)
                last_size.add_metric([backup_type], size)
        yield from (stored, last_at, last_duration, last_size)
        yield from drill_metrics(snap.drills, BACKUP_TYPES)
        yield from self._restores()
        yield from self._schedules()
        deliveries = GaugeMetricFamily(
            "lifeboat_notification_deliveries",
            "Notification deliveries, by status.",
            labels=["status"],
        )
        for status in DELIVERY_STATUSES:
            deliveries.add_metric([status], snap.deliveries.get(status, 0))
        yield deliveries
        yield from self._jobs()

    def _jobs(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily(
            "lifeboat_jobs_waiting",
            "Backups, restores and drills requested that no worker has started yet.",
            labels=["kind"],
        )
        oldest = GaugeMetricFamily(
            "lifeboat_oldest_waiting_job_age_seconds",
            "How long the oldest job no worker has started has waited (0 when none waits).",
            labels=["kind"],
        )
        for kind in KINDS:
            count, age = self.snap.waiting.get(kind, (0, 0.0))
            waiting.add_metric([kind], count)
            oldest.add_metric([kind], age)
        yield from (waiting, oldest)
        unknown_messages = CounterMetricFamily(
            "lifeboat_unknown_job_messages",
            "Messages for a backup or restore the receiving worker's database does not hold "
            "(moved to the dead-letter queue).",
            labels=["actor"],
        )
        for actor in UNKNOWN_JOB_ACTORS:
            unknown_messages.add_metric([actor], self.snap.unknown_messages.get(actor, 0))
        yield unknown_messages

    def _restores(self) -> Iterator[Metric]:
        restores = GaugeMetricFamily(
            "lifeboat_restores", "Restore operations, by status.", labels=["status"]
        )
        for status in RESTORE_STATUSES:
            restores.add_metric([status], self.snap.restores.get(status, 0))
        yield restores
        if self.snap.last_restore is not None:
            at, duration = self.snap.last_restore
            yield GaugeMetricFamily(
                "lifeboat_restore_last_success_timestamp_seconds",
                "When the last completed restore finished (Unix time).",
                value=at,
            )
            yield GaugeMetricFamily(
                "lifeboat_restore_last_duration_seconds",
                "How long the last completed restore took.",
                value=duration,
            )

    def _schedules(self) -> Iterator[Metric]:
        enabled = GaugeMetricFamily(
            "lifeboat_schedule_enabled", "1 if the schedule is enabled.", labels=["schedule"]
        )
        next_run = GaugeMetricFamily(
            "lifeboat_schedule_next_run_timestamp_seconds",
            "The schedule's next due time (Unix time).",
            labels=["schedule"],
        )
        last_fired = GaugeMetricFamily(
            "lifeboat_schedule_last_fired_timestamp_seconds",
            "When the schedule last fired (Unix time).",
            labels=["schedule"],
        )
        for name, is_enabled, next_at, fired in self.snap.schedules:
            enabled.add_metric([name], 1 if is_enabled else 0)
            next_run.add_metric([name], next_at)
            if fired is not None:
                last_fired.add_metric([name], fired)
        yield from (enabled, next_run, last_fired)


def render(snap: Snapshot) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snap))
    return generate_latest(registry)
