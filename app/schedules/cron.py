"""Cron expressions evaluated on the wall clock of a time zone, answered in UTC.

Daylight saving time follows common cron practice: a time skipped when clocks go forward
(02:30 on a spring-forward night) runs at the same wall-clock time in the old offset, i.e. one
hour later, and a time repeated when clocks go back runs once, at its first occurrence.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

from app.errors import BadUserInput

MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name; BAD_USER_INPUT if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise BadUserInput(f"unknown time zone {name!r} (use an IANA name like UTC)") from error


def validate(expression: str, timezone: str) -> str:
    """The expression, trimmed, if it is a 5-field cron or a macro that fires at some time."""
    expression = " ".join(expression.split())
    if not (len(expression.split(" ")) == 5 or expression in MACROS):
        raise BadUserInput(
            f"invalid cron expression {expression!r}: use 5 fields "
            "(minute hour day-of-month month day-of-week) or one of " + ", ".join(MACROS)
        )
    try:
        if not croniter.is_valid(expression):
            raise CroniterBadCronError(expression)
        next_after(expression, timezone, datetime.now(UTC))
    except (CroniterBadCronError, CroniterBadDateError, ValueError, KeyError) as error:
        raise BadUserInput(f"invalid cron expression {expression!r}") from error
    return expression


def _as_utc(local_naive: datetime, tz: ZoneInfo) -> datetime:
    # fold=0: the first of a repeated time; a skipped time is read in the offset before the gap.
    return local_naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def next_after(expression: str, timezone: str, moment: datetime) -> datetime:
    """The first due time strictly after `moment` (UTC)."""
    tz = zone(timezone)
    local = moment.astimezone(tz).replace(tzinfo=None)
    times = croniter(expression, local)
    while True:
        candidate = _as_utc(times.get_next(datetime), tz)
        if candidate > moment:
            return candidate


def latest_at_or_before(expression: str, timezone: str, moment: datetime) -> datetime:
    """The last due time at or before `moment` (UTC)."""
    tz = zone(timezone)
    # A hair past the moment so that a due time exactly at `moment` counts.
    local = (moment.astimezone(tz) + timedelta(microseconds=1)).replace(tzinfo=None)
    times = croniter(expression, local)
    while True:
        candidate = _as_utc(times.get_prev(datetime), tz)
        if candidate <= moment:
            return candidate
