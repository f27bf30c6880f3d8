"""Backup ids sort as their creation times do."""

from datetime import UTC, datetime, timedelta

from app.backups.ids import new_backup_id


def test_backup_ids_sort_by_creation_time() -> None:
    start = datetime(2026, 11, 25, 2, 0, 0, tzinfo=UTC)
    moments = [start + timedelta(seconds=s) for s in (0, 1, 59, 3600, 86400 * 40)]
    ids = [new_backup_id(moment) for moment in moments]
    assert sorted(ids) == ids
    assert ids[0].startswith("bk_20261125T020000Z_")
