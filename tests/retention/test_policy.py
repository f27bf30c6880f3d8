"""Retention selection, pure: which backups a policy keeps and why (restic's forget rules)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.retention.policy import Candidate, Policy, select, select_pre_restore

START = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)  # a Thursday


def daily(days: int, status: str = "completed", **flags: bool) -> list[Candidate]:
    """One backup a day at 02:00 UTC for `days` days, ids b000, b001, ... oldest first."""
    return [Candidate(f"b{i:03d}", status, START + timedelta(days=i), **flags) for i in range(days)]


def ids(n: int, *more: int) -> set[str]:
    return {f"b{i:03d}" for i in (n, *more)}


def test_keep_last_keeps_the_newest_n_and_forgets_the_rest() -> None:
    decision = select(daily(10), Policy(keep_last=3))
    assert set(decision.keep) == ids(9, 8, 7)
    assert set(decision.forget) == {f"b{i:03d}" for i in range(7)}
    assert "last" in decision.keep["b008"]


def test_keep_daily_keeps_the_newest_backup_of_each_recent_day() -> None:
    morning = daily(5)
    evening = [
        Candidate(f"e{i}", "completed", c.created_at + timedelta(hours=12))
        for i, c in enumerate(morning)
    ]
    decision = select(morning + evening, Policy(keep_daily=3))
    assert set(decision.keep) == {"e4", "e3", "e2"}
    assert "b004" in decision.forget


def test_keep_weekly_and_monthly_use_iso_weeks_and_calendar_months() -> None:
    backups = daily(70)  # 2026-01-01 .. 2026-03-11
    decision = select(backups, Policy(keep_weekly=2, keep_monthly=3))
    kept = {backup_id: why for backup_id, why in decision.keep.items()}
    newest = "b069"  # Wed 2026-03-11: newest of its week and of March
    assert "weekly" in kept[newest] and "monthly" in kept[newest]
    assert "weekly" in kept["b066"]  # Sun 2026-03-08 closes the previous ISO week
    assert "monthly" in kept["b058"]  # 2026-02-28, last of February
    assert "monthly" in kept["b030"]  # 2026-01-31, last of January
    assert len(decision.keep) == 4


def test_buckets_follow_the_schedules_time_zone() -> None:
    # Three backups on one UTC day fall on two different days in Tokyo (UTC+9).
    a = Candidate("a", "completed", datetime(2026, 1, 1, 14, 0, tzinfo=UTC))  # Jan 1 23:00 Tokyo
    b = Candidate("b", "completed", datetime(2026, 1, 1, 16, 0, tzinfo=UTC))  # Jan 2 01:00 Tokyo
    c = Candidate("c", "completed", datetime(2026, 1, 1, 20, 0, tzinfo=UTC))  # Jan 2 05:00 Tokyo
    in_utc = select([a, b, c], Policy(keep_daily=2))
    in_tokyo = select([a, b, c], Policy(keep_daily=2), ZoneInfo("Asia/Tokyo"))
    assert set(in_utc.keep) == {"c"}  # one UTC day only
    assert set(in_tokyo.keep) == {"c", "a"}


def test_the_newest_completed_backup_is_kept_even_with_tiny_rules() -> None:
    backups = [*daily(3), Candidate("failed", "failed", START + timedelta(days=5))]
    decision = select(backups, Policy(keep_monthly=0, keep_weekly=0, keep_daily=0, keep_last=0))
    # Every rule off means retention is off: nothing goes.
    assert decision.forget == []
    decision = select(daily(3), Policy(keep_last=1))
    assert set(decision.keep) == {"b002"}
    assert "newest completed" in decision.keep["b002"]


def test_failed_backups_never_fill_a_slot() -> None:
    backups = [
        *daily(4),
        Candidate("f1", "failed", START + timedelta(days=3, hours=1)),
        Candidate("f2", "failed", START + timedelta(days=3, hours=2)),
    ]
    decision = select(backups, Policy(keep_last=2))
    # The two newest are failures; the two newest *completed* ones are still kept.
    assert {"b003", "b002"} <= set(decision.keep)
    assert decision.keep["f1"] == ["recent failure"]


def test_old_failures_go_once_older_than_every_kept_backup() -> None:
    backups = [*daily(5), Candidate("old-failure", "failed", START + timedelta(hours=1))]
    decision = select(backups, Policy(keep_last=2))
    assert "old-failure" in decision.forget


def test_pinned_restoring_and_in_progress_backups_are_never_forgotten() -> None:
    backups = [
        Candidate("pinned", "completed", START, pinned=True),
        Candidate("restoring", "completed", START + timedelta(days=1), restoring=True),
        Candidate("creating", "creating", START + timedelta(days=2)),
        Candidate("plain", "completed", START + timedelta(days=3)),
        *[Candidate(f"n{i}", "completed", START + timedelta(days=10 + i)) for i in range(3)],
    ]
    decision = select(backups, Policy(keep_last=1))
    assert decision.keep["pinned"] == ["pinned"]
    assert decision.keep["restoring"] == ["being restored"]
    assert decision.keep["creating"] == ["in progress"]
    assert set(decision.forget) == {"plain", "n0", "n1"}


def test_the_newest_completed_backup_of_all_is_protected_across_schedules() -> None:
    decision = select(daily(3), Policy(keep_last=1), newest_completed_overall="b000")
    assert "newest completed backup" in decision.keep["b000"]
    assert decision.forget == ["b001"]


def test_pre_restore_snapshots_are_kept_for_their_time_then_forgotten() -> None:
    now = START + timedelta(days=30)
    snapshots = [
        Candidate("fresh", "completed", now - timedelta(days=6)),
        Candidate("old", "completed", now - timedelta(days=8)),
        Candidate("old-failed", "failed", now - timedelta(days=9)),
        Candidate("old-pinned", "completed", now - timedelta(days=40), pinned=True),
        Candidate("old-restoring", "completed", now - timedelta(days=40), restoring=True),
    ]
    decision = select_pre_restore(snapshots, timedelta(days=7), now)
    assert set(decision.forget) == {"old", "old-failed"}
    assert decision.keep["fresh"] == ["pre-restore snapshot younger than 7 days"]
    assert decision.keep["old-pinned"] == ["pinned"]
