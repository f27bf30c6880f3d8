"""Token lifetimes as the CLI writes them: `90d`, `12h`, `30m` or `never`."""

import re
from datetime import timedelta

DEFAULT_EXPIRES_IN = "90d"
NEVER = "never"
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_PATTERN = re.compile(r"(\d{1,6})([dhm])")


def parse_expires_in(text: str) -> timedelta | None:
    """The lifetime `text` names; None for `never`; ValueError for anything else."""
    if text.strip().lower() == NEVER:
        return None
    match = _PATTERN.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a lifetime: use e.g. 90d, 12h, 30m or never")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
