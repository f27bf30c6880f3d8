"""Retention of a schedule that drills its backups: only PASSED backups fill the slots."""

from dataclasses import replace

from app.retention.policy import Candidate, Policy, select
from tests.retention.test_policy import daily, ids


def drilled(days: int, *statuses: str | None) -> list[Candidate]:
    """`daily(days)` whose newest backups' latest drills are `statuses`, newest first."""
    backups = daily(days)
    for age, status in enumerate(statuses):
        i = days - 1 - age
        backups[i] = replace(backups[i], verification=status)
    return backups


def test_only_passed_backups_fill_the_keep_slots() -> None:
    # b009 FAILED (newest), b008 b007 b006 PASSED, b005 PASSED.
    backups = drilled(10, "failed", "passed", "passed", "passed", "passed")

    decision = select(backups, Policy(keep_last=3, verify=True))

    assert set(decision.keep) == ids(9, 8, 7, 6)
    assert decision.keep["b009"] == ["newest completed (drill failed)"]
    assert "last" in decision.keep["b006"]
    assert "b005" in decision.forget


def test_a_failed_backup_never_counts_as_kept_once_no_longer_the_newest() -> None:
    backups = drilled(4, "passed", "failed", "passed", "passed")

    decision = select(backups, Policy(keep_last=3, verify=True))

    assert set(decision.keep) == ids(3, 1, 0)
    assert decision.forget == ["b002"]


def test_without_verify_the_drills_change_nothing() -> None:
    backups = drilled(4, "passed", "failed", "error", "passed")

    decision = select(backups, Policy(keep_last=2))

    assert set(decision.keep) == ids(3, 2)


def test_error_and_never_drilled_backups_are_kept_as_they_would_be_without_drills() -> None:
    # Drills cannot run (no CREATEDB): nothing is verified, retention behaves as before.
    backups = drilled(6, "error", "error", "error")

    decision = select(backups, Policy(keep_last=3, verify=True))

    assert set(decision.keep) == ids(5, 4, 3)
    assert decision.keep["b004"] == ["last (unverified)"]


def test_unverified_backups_do_not_take_verified_slots() -> None:
    backups = drilled(6, "error", "passed", "error", "passed", "passed")

    decision = select(backups, Policy(keep_last=2, verify=True))

    # Verified slots: b004, b002; without drills the last two are b005, b004 (b005 unverified).
    assert set(decision.keep) == ids(5, 4, 2)
    assert "b003" in decision.forget


def test_a_backup_is_never_deleted_while_its_drill_runs() -> None:
    backups = drilled(5, "passed", "passed")
    backups[0] = replace(backups[0], verification="running")

    for policy in (Policy(keep_last=1, verify=True), Policy(keep_last=1)):
        decision = select(backups, policy)
        assert decision.keep["b000"] == ["drill running"]
