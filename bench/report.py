"""Figures → ratios against the goals, a printed table, and bench/results/latest.json."""

import json
from pathlib import Path
from typing import Any

from bench import drill_report, new_database_report
from bench.graphql import POLL_SECONDS
from bench.measure import MB

# (name, goal, where we mean to end up): every ratio is "lower is better".
GOALS = {
    "backup_wall / pg_dump_wall": (0.5, 0.3),
    "archive_size / dump_size": (1.0, None),
    "backup worker peak RSS MB": (200.0, None),
    "restore_without_snapshot / pg_restore_j2": (1.0, None),
    "restore_whole / pg_restore_j2": (1.5, None),
    "restore worker peak RSS MB": (200.0, None),
    **new_database_report.GOALS,
    **drill_report.GOALS,
}


def _get(results: Any, *path: str) -> Any:
    value: Any = results
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if not isinstance(numerator, int | float) or not isinstance(denominator, int | float):
        return None
    return round(numerator / denominator, 3) if denominator else None


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    pg_restore_j2 = _get(results, "pg_restore", "j2_into_schema", "seconds")
    return {
        "backup_wall / pg_dump_wall": _ratio(
            _get(results, "backup", "wall_seconds"), _get(results, "pg_dump", "seconds")
        ),
        "archive_size / dump_size": _ratio(
            _get(results, "backup", "size_bytes"), _get(results, "pg_dump", "size_bytes")
        ),
        "backup worker peak RSS MB": _get(results, "backup", "rss", "worker_peak_rss_mb"),
        "restore_without_snapshot / pg_restore_j2": _ratio(
            _get(results, "restore", "without_snapshot_seconds"), pg_restore_j2
        ),
        "restore_whole / pg_restore_j2": _ratio(
            _get(results, "restore", "wall_seconds"), pg_restore_j2
        ),
        "restore worker peak RSS MB": _get(results, "restore", "rss", "worker_peak_rss_mb"),
        **new_database_report.ratios(results),
        **drill_report.ratios(results),
    }


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _mb(value: Any) -> str:
    return _fmt(value / MB) if isinstance(value, int | float) else "n/a"


def _rate(size: Any, seconds: Any) -> str:
    ok = isinstance(size, int | float) and isinstance(seconds, int | float) and seconds
    return _fmt(size / MB / seconds) if ok else "n/a"


def _status(section: Any) -> str | None:
    """Why a section has no figures ("not available: …", "failed: …"), or None."""
    if not isinstance(section, dict):
        return "not run"
    if "not_available" in section:
        return f"not available: {section['not_available']}"
    if "error" in section:
        return f"failed: {section['error']}"
    return None


def render(results: dict[str, Any]) -> str:
    """The human-readable table printed at the end of `make bench`."""
    db_bytes = _get(results, "dataset", "database_bytes")
    raw_bytes = _get(results, "backup", "manifest", "raw_copy_bytes")
    floor = _get(results, "floor", "text_total_seconds")
    dump_s, dump_b = _get(results, "pg_dump", "seconds"), _get(results, "pg_dump", "size_bytes")
    backup = results.get("backup")
    restore = results.get("restore")
    rows = [
        ("BACKUP", "seconds", "MB/s db", "MB/s raw", "size MB", "peak RSS MB"),
        (
            "raw COPY text → /dev/null (floor)",
            _fmt(floor),
            _rate(db_bytes, floor),
            _rate(raw_bytes, floor),
            "",
            "",
        ),
        (
            "pg_dump -Fc → local file",
            _fmt(dump_s),
            _rate(db_bytes, dump_s),
            _rate(raw_bytes, dump_s),
            _mb(dump_b),
            "",
        ),
        (
            "Lifeboat FULL backup, mutation → COMPLETED",
            _fmt(_get(backup, "wall_seconds")),
            _rate(db_bytes, _get(backup, "wall_seconds")),
            _rate(raw_bytes, _get(backup, "wall_seconds")),
            _mb(_get(backup, "size_bytes")),
            _fmt(_get(backup, "rss", "worker_peak_rss_mb")),
        ),
        ("RESTORE", "seconds", "", "", "", ""),
        (
            "pg_restore -j 2, data + post-data into schema copy",
            _fmt(_get(results, "pg_restore", "j2_into_schema", "seconds")),
            "",
            "",
            "",
            "",
        ),
        (
            "pg_restore -j 2, whole dump into empty database",
            _fmt(_get(results, "pg_restore", "j2_whole", "seconds")),
            "",
            "",
            "",
            "",
        ),
        (
            "pg_restore -j 1, whole dump into empty database",
            _fmt(_get(results, "pg_restore", "j1_whole", "seconds")),
            "",
            "",
            "",
            "",
        ),
        (
            "Lifeboat restore, mutation → COMPLETED",
            _fmt(_get(restore, "wall_seconds")),
            "",
            "",
            "",
            _fmt(_get(restore, "rss", "worker_peak_rss_mb")),
        ),
        (
            "  of which pre-restore snapshot",
            _fmt(_get(restore, "snapshot_seconds")),
            "",
            "",
            _mb(_get(restore, "snapshot", "sizeBytes")),
            "",
        ),
        (
            "  restore without the snapshot",
            _fmt(_get(restore, "without_snapshot_seconds")),
            "",
            "",
            "",
            "",
        ),
        (
            "  its transaction's statements alone (floor)",
            _fmt(transaction_seconds(restore)),
            "",
            "",
            "",
            "",
        ),
    ]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = [
        f"Dataset {_get(results, 'dataset', 'name')}: {_mb(db_bytes)} MB (pg_database_size, "
        f"indexes included); raw COPY text {_mb(raw_bytes)} MB (sum of the manifest's tables)",
        "MB/s db = pg_database_size / seconds; MB/s raw = raw COPY bytes / seconds",
        f"load average before {results.get('load_before')}, after {results.get('load_after')}; "
        f"each figure the best of {results.get('repeat', 1)} run(s)",
        "",
    ]
    for row in rows:
        cells = [str(row[0]).ljust(widths[0])] + [
            str(c).rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    lines += ["", f"{'RATIO (lower is better)':44} {'value':>8}  goal"]
    for name, value in results["ratios"].items():
        goal, target = GOALS[name]
        verdict = "" if value is None else ("met" if value <= goal else "MISSED")
        aim = f"≤ {goal:g}" + (f" (target {target:g})" if target else "")
        lines.append(f"{name:44} {_fmt(value, 2):>8}  {aim}  {verdict}")
    floor_ratio = _ratio(
        transaction_seconds(restore), _get(results, "pg_restore", "j2_into_schema", "seconds")
    )
    lines.append(
        f"{'restore_transaction_floor / pg_restore_j2':44} {_fmt(floor_ratio, 2):>8}  "
        "(no goal: what one transaction on one connection cannot go below)"
    )
    lines += ["", "WHERE THE TIME GOES (CPU seconds per process group during the run)"]
    for label, section in (
        ("pg_dump -Fc", results.get("pg_dump")),
        ("pg_restore -j 2 into schema copy", _get(results, "pg_restore", "j2_into_schema")),
        ("Lifeboat backup", backup),
        ("Lifeboat restore", restore),
    ):
        cpu = _get(section, "cpu")
        if cpu:
            used = ", ".join(f"{name} {seconds}" for name, seconds in cpu["cpu_seconds"].items())
            lines.append(
                f"{label}: {used}; machine busy {cpu['machine_busy_percent']}% "
                f"of {cpu['cores']} cores over {cpu['wall_seconds']} s"
            )
        elif _get(section, "database"):
            lines.append(f"{label}:")
        exact = _step_times(section)
        timeline = _get(section, "timeline")
        if exact:
            lines.append(f"  Lifeboat's steps (the worker's own clock): {exact}")
        elif timeline:
            polled = f"polled every {POLL_SECONDS:g} s: ±{POLL_SECONDS:g} s"
            lines.append(f"  Lifeboat's steps ({polled}): {_steps(timeline)}")
        database = _get(section, "database")
        if database and database.get("statements"):
            ran = "; ".join(
                f"{_statement_label(s['query'])} {s['seconds']:.1f}s"
                for s in database["statements"]
            )
            idle = database["idle_in_transaction_seconds"]
            work = sum(s["seconds"] for s in database["statements"])
            connections = len({s["pid"] for s in database["statements"]})
            lines.append(
                f"  target's statements over 0.3 s: {ran}; idle in transaction {idle:.1f}s; "
                f"{work:.1f}s of statements on {connections} connection(s)"
            )
    lines += new_database_report.render(results)
    lines += drill_report.render(results)
    problems = [
        f"{name}: {status}"
        for name in ("dataset", "floor", "pg_dump", "pg_restore", "backup", "restore")
        if (status := _status(results.get(name)))
    ]
    if problems:
        lines += ["", *problems]
    return "\n".join(lines)


def transaction_seconds(restore: Any) -> float | None:
    """The restore transaction's long statements added up: its connection is the one that
    ran COPY … FROM. A floor: one connection runs them one after another, whatever Lifeboat
    does around them."""
    statements = _get(restore, "database", "statements") or []
    pids = {s["pid"] for s in statements if " FROM STDIN" in s["query"]}
    if not pids:
        return None
    return round(sum(s["seconds"] for s in statements if s["pid"] in pids), 2)


def _step_times(section: Any) -> str:
    """The finished job's own step clock (progress.stepTimes), when it reports one."""
    progress = _get(section, "final_progress") or _get(section, "final", "progress") or {}
    times = progress.get("stepTimes") if isinstance(progress, dict) else None
    if not times:
        return ""
    return "; ".join(f"{t['step']} {t['seconds']:.2f}s" for t in times if t["seconds"] >= 0.005)


def _steps(timeline: list[dict[str, Any]]) -> str:
    """Consecutive polled states → "step [tables] seconds; …"."""
    merged: list[list[Any]] = []
    for span in timeline:
        label = str(span.get("step") or span.get("status"))
        if span.get("current"):
            label += " " + str(span["current"])
        if merged and merged[-1][0] == label:
            merged[-1][1] += span["seconds"]
        else:
            merged.append([label, span["seconds"]])
    return "; ".join(f"{label} {seconds:.1f}s" for label, seconds in merged)


def _statement_label(query: str) -> str:
    """The gist of a statement: `COPY public.t TO`, `CREATE INDEX name ON`, and so on."""
    words = query.replace('"', "").split()
    if not words:
        return "?"
    if words[0].upper() == "COPY" and len(words) >= 2:
        direction = next((w.upper() for w in words if w.upper() in ("TO", "FROM")), "")
        return f"COPY {words[1].split('(')[0]} {direction}".strip()
    return " ".join(words[:6])[:80]


def write(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
