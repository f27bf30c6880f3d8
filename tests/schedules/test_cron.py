"""Cron times on a time zone's wall clock, answered in UTC."""

from datetime import UTC, datetime

import pytest

from app.errors import BadUserInput
from app.schedules.cron import latest_at_or_before, next_after, validate, zone


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_next_due_time_is_strictly_after_the_moment() -> None:
    assert next_after("0 2 * * *", "UTC", utc(2026, 1, 1, 1, 59)) == utc(2026, 1, 1, 2, 0)
    assert next_after("0 2 * * *", "UTC", utc(2026, 1, 1, 2, 0)) == utc(2026, 1, 2, 2, 0)


def test_latest_due_time_includes_the_moment_itself() -> None:
    assert latest_at_or_before("0 2 * * *", "UTC", utc(2026, 1, 1, 2, 0)) == utc(2026, 1, 1, 2)
    assert latest_at_or_before("0 2 * * *", "UTC", utc(2026, 1, 1, 1, 59)) == utc(2025, 12, 31, 2)


def test_seed_weekly_schedule_fires_on_sunday_at_one() -> None:
    # 2026-11-25 is a Wednesday.
    assert next_after("0 1 * * 0", "UTC", utc(2026, 11, 25, 12)) == utc(2026, 11, 29, 1, 0)


def test_cron_is_read_on_the_time_zone_wall_clock() -> None:
    # 02:00 in Paris is 01:00 UTC in winter and 00:00 UTC in summer.
    assert next_after("0 2 * * *", "Europe/Paris", utc(2026, 1, 10)) == utc(2026, 1, 10, 1)
    assert next_after("0 2 * * *", "Europe/Paris", utc(2026, 7, 9, 12)) == utc(2026, 7, 10, 0)


def test_a_time_skipped_by_daylight_saving_runs_once_an_hour_later() -> None:
    # 2026-03-29 02:30 does not exist in Paris; it runs at 03:30 CEST (01:30 UTC).
    first = next_after("30 2 * * *", "Europe/Paris", utc(2026, 3, 28, 12))
    assert first == utc(2026, 3, 29, 1, 30)
    assert next_after("30 2 * * *", "Europe/Paris", first) == utc(2026, 3, 30, 0, 30)


def test_a_time_repeated_by_daylight_saving_runs_once() -> None:
    # 2026-10-25 02:30 happens twice in Paris; only the first (00:30 UTC) fires.
    first = next_after("30 2 * * *", "Europe/Paris", utc(2026, 10, 24, 12))
    assert first == utc(2026, 10, 25, 0, 30)
    assert next_after("30 2 * * *", "Europe/Paris", first) == utc(2026, 10, 26, 1, 30)


@pytest.mark.parametrize(
    "expression",
    ["0 2 * *", "0 0 2 * * *", "61 * * * *", "a b c d e", "0 0 30 2 *", "@reboot", ""],
)
def test_invalid_cron_expressions_are_bad_user_input(expression: str) -> None:
    with pytest.raises(BadUserInput):
        validate(expression, "UTC")


def test_macros_and_extra_spaces_are_accepted() -> None:
    assert validate("@daily", "UTC") == "@daily"
    assert validate(" 0  2 * * * ", "UTC") == "0 2 * * *"


@pytest.mark.parametrize("name", ["Mars/Olympus", "../../etc/passwd", "", "utc+2"])
def test_unknown_time_zones_are_bad_user_input(name: str) -> None:
    with pytest.raises(BadUserInput):
        zone(name)
