"""Restore drills in /metrics: how fresh the proof is, and how the backups stand.

Both count only backups retention has not deleted, and each backup by its latest drill: an
alert on "no backup proven restorable for a day" must not be satisfied by a backup that is
gone, or by an old PASSED drill of a backup a newer drill found damaged.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# "none": completed backups never drilled, so unverified ones are visible next to the others.
VERIFICATION_STATUSES = ("running", "passed", "failed", "error", "none")

_LATEST = (
    "SELECT DISTINCT ON (v.backup_id) v.backup_id, v.status, v.finished_at, b.backup_type "
    "FROM lifeboat.verifications v JOIN lifeboat.system_backups b USING (backup_id) "
    "WHERE b.deleted_at IS NULL ORDER BY v.backup_id, v.started_at DESC, v.id DESC"
)


@dataclass
class DrillSnapshot:
    by_status: dict[str, int] = field(default_factory=dict)
    # backup type → when the newest drill that PASSED (a backup's latest) finished, Unix time
    last_verified: dict[str, float] = field(default_factory=dict)


async def drill_snapshot(session: AsyncSession) -> DrillSnapshot:
    snap = DrillSnapshot()
    rows = await session.execute(text(f"SELECT status, count(*) FROM ({_LATEST}) l GROUP BY 1"))
    snap.by_status = {status: count for status, count in rows}
    snap.by_status["none"] = int(
        await session.scalar(
            text(
                "SELECT count(*) FROM lifeboat.system_backups b WHERE b.status = 'completed' "
                "AND b.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM lifeboat.verifications "
                "v WHERE v.backup_id = b.backup_id)"
            )
        )
        or 0
    )
    rows = await session.execute(
        text(
            f"SELECT backup_type, extract(epoch FROM max(finished_at)) FROM ({_LATEST}) l "
            "WHERE status = 'passed' GROUP BY 1"
        )
    )
    snap.last_verified = {backup_type: float(at) for backup_type, at in rows}
    return snap


def drill_metrics(snap: DrillSnapshot, backup_types: tuple[str, ...]) -> Iterator[Metric]:
    verifications = GaugeMetricFamily(
        "lifeboat_backup_verifications",
        "Backups (not deleted) by the status of their latest restore drill; none: completed "
        "and never drilled.",
        labels=["status"],
    )
    for status in VERIFICATION_STATUSES:
        verifications.add_metric([status], snap.by_status.get(status, 0))
    yield verifications
    last = GaugeMetricFamily(
        "lifeboat_backup_last_verified_timestamp_seconds",
        "When the newest PASSED restore drill of a backup of each type finished (Unix time).",
        labels=["type"],
    )
    for backup_type in backup_types:
        if backup_type in snap.last_verified:
            last.add_metric([backup_type], snap.last_verified[backup_type])
    yield last
