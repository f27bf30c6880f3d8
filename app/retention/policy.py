"""Which backups a retention policy keeps: pure selection, like restic's `forget`.

Rules, over one schedule's backups (newest first, by creation time):
- keep-last N keeps the N newest completed backups;
- keep-daily / keep-weekly / keep-monthly N keep the newest completed backup of each of the N
  most recent days / ISO weeks / months that have one (calendar of the schedule's time zone);
- whatever else happens, the newest completed backup, pinned backups, backups being restored
  and backups still being created are kept;
- failed backups never fill a slot; they are kept while newer than the oldest completed backup
  kept (so recent failures stay visible) and go with the rest after that;
- a policy with every rule off keeps everything (like restic, which refuses an empty policy);
- a backup whose restore drill is running is kept.
With `verify` (a schedule that drills its backups), retention waits for the drills:
- only backups whose latest drill PASSED fill the keep slots;
- one whose drill FAILED (damaged) never fills a slot and never counts as kept: it stays only
  while it is the newest completed backup (or pinned, or being restored);
- one whose drill gave ERROR, or that was never drilled, is unverified: it is kept if the
  rules would keep it without drills (over every completed backup not FAILED), without
  taking a verified backup's slot.
Pre-restore snapshots follow their own rule (`select_pre_restore`): kept for a fixed time.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Latest drill statuses that leave a backup unverified (None: never drilled).
UNVERIFIED = (None, "error")


@dataclass(frozen=True)
class Policy:
    keep_last: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0
    # The schedule drills its backups: only PASSED ones fill the slots (see above).
    verify: bool = False

    @property
    def keeps_everything(self) -> bool:
        return not (self.keep_last or self.keep_daily or self.keep_weekly or self.keep_monthly)


@dataclass(frozen=True)
class Candidate:
    backup_id: str
    status: str  # creating, completed or failed
    created_at: datetime
    pinned: bool = False
    restoring: bool = False
    # Status of its latest restore drill (running, passed, failed, error), None if never drilled.
    verification: str | None = None


@dataclass
class Decision:
    # backup id → why it stays (one or more reasons), in the order backups were given.
    keep: dict[str, list[str]] = field(default_factory=dict)
    forget: list[str] = field(default_factory=list)


def _newest_first(candidates: Sequence[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: (c.created_at, c.backup_id), reverse=True)


def _buckets(
    completed: list[Candidate], count: int, bucket: Callable[[datetime], Hashable]
) -> list[str]:
    """The newest backup of each of the `count` most recent buckets that hold one."""
    kept: list[str] = []
    seen: set[Hashable] = set()
    for candidate in completed:
        if len(seen) >= count:
            break
        key = bucket(candidate.created_at)
        if key not in seen:
            seen.add(key)
            kept.append(candidate.backup_id)
    return kept


def _protections(candidate: Candidate, newest_overall: str | None) -> list[str]:
    reasons = []
    if candidate.status == "creating":
        reasons.append("in progress")
    if candidate.pinned:
        reasons.append("pinned")
    if candidate.restoring:
        reasons.append("being restored")
    if candidate.backup_id == newest_overall:
        reasons.append("newest completed backup")
    if candidate.verification == "running":
        reasons.append("drill running")
    return reasons


def select(
    candidates: Sequence[Candidate],
    policy: Policy,
    zone: ZoneInfo | None = None,
    newest_completed_overall: str | None = None,
) -> Decision:
    """Split one schedule's backups into kept (with reasons) and forgotten."""
    tz = zone or ZoneInfo("UTC")
    ordered = _newest_first(candidates)
    completed = [c for c in ordered if c.status == "completed"]
    reasons: dict[str, list[str]] = {c.backup_id: [] for c in ordered}
    if policy.keeps_everything:
        for candidate in ordered:
            reasons[candidate.backup_id].append("no retention rule")
    if policy.verify:
        passed = [c for c in completed if c.verification == "passed"]
        _fill_slots(reasons, passed, policy, tz)
        # Unverified backups keep what they would keep without drills, in their own slots.
        without_drills = [c for c in completed if c.verification != "failed"]
        unverified = {c.backup_id for c in completed if c.verification in UNVERIFIED}
        _fill_slots(reasons, without_drills, policy, tz, only=unverified, tag=" (unverified)")
    else:
        _fill_slots(reasons, completed, policy, tz)
    if completed:
        damaged = policy.verify and completed[0].verification == "failed"
        reasons[completed[0].backup_id].append(
            "newest completed (drill failed)" if damaged else "newest completed"
        )
    for candidate in ordered:
        reasons[candidate.backup_id] += _protections(candidate, newest_completed_overall)
    _keep_recent_failures(ordered, reasons, policy.verify)
    decision = Decision()
    for candidate in ordered:
        if reasons[candidate.backup_id]:
            decision.keep[candidate.backup_id] = _unique(reasons[candidate.backup_id])
        else:
            decision.forget.append(candidate.backup_id)
    return decision


def _fill_slots(
    reasons: dict[str, list[str]],
    completed: list[Candidate],
    policy: Policy,
    tz: ZoneInfo,
    only: set[str] | None = None,
    tag: str = "",
) -> None:
    """Apply keep-last/daily/weekly/monthly over `completed` (newest first); give the reasons
    to every backup chosen, or only to those in `only`."""

    def local(moment: datetime) -> datetime:
        return moment.astimezone(tz)

    chosen: list[tuple[str, str]] = [(c.backup_id, "last") for c in completed[: policy.keep_last]]
    rules: list[tuple[str, int, Callable[[datetime], Hashable]]] = [
        ("daily", policy.keep_daily, lambda m: local(m).date()),
        ("weekly", policy.keep_weekly, lambda m: local(m).isocalendar()[:2]),
        ("monthly", policy.keep_monthly, lambda m: (local(m).year, local(m).month)),
    ]
    for name, count, bucket in rules:
        chosen += [(backup_id, name) for backup_id in _buckets(completed, count, bucket)]
    for backup_id, why in chosen:
        if only is None or backup_id in only:
            reasons[backup_id].append(why + tag)


def _keep_recent_failures(
    ordered: list[Candidate], reasons: dict[str, list[str]], verify: bool
) -> None:
    # A backup whose drill failed never counts as kept, even while it is kept as the newest.
    kept_completed = [
        c.created_at
        for c in ordered
        if c.status == "completed"
        and reasons[c.backup_id]
        and not (verify and c.verification == "failed")
    ]
    oldest_kept = min(kept_completed) if kept_completed else None
    for candidate in ordered:
        recent = oldest_kept is None or candidate.created_at > oldest_kept
        if candidate.status == "failed" and recent:
            reasons[candidate.backup_id].append("recent failure")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def select_pre_restore(
    candidates: Sequence[Candidate],
    keep_for: timedelta,
    now: datetime | None = None,
    newest_completed_overall: str | None = None,
) -> Decision:
    """Pre-restore snapshots: kept for `keep_for` after they were taken, then forgotten."""
    moment = now or datetime.now(UTC)
    decision = Decision()
    for candidate in _newest_first(candidates):
        reasons = _protections(candidate, newest_completed_overall)
        if candidate.created_at > moment - keep_for:
            reasons.append(f"pre-restore snapshot younger than {_days(keep_for)}")
        if reasons:
            decision.keep[candidate.backup_id] = reasons
        else:
            decision.forget.append(candidate.backup_id)
    return decision


def _days(span: timedelta) -> str:
    days = span.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"
