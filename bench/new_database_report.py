"""The new-database comparison's lines in `make bench`'s printed report, and its ratios."""

from typing import Any

# (goal, target) as in report.GOALS: lower is better.
GOALS = {
    "new_database / pg_restore_j2_whole": (0.9, None),
    "new_database worker peak RSS MB": (200.0, None),
}


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    section = results.get("new_database")
    if not isinstance(section, dict):
        return {}
    return {
        # The median of the per-round ratios: each round's two runs share the machine's mood.
        "new_database / pg_restore_j2_whole": section.get("median_ratio"),
        "new_database worker peak RSS MB": section.get("worker_peak_rss_mb"),
    }


def render(results: dict[str, Any]) -> list[str]:
    section = results.get("new_database")
    if not isinstance(section, dict):
        return []
    if "not_available" in section or "error" in section:
        why = section.get("not_available") or section.get("error")
        return ["", f"NEW DATABASE: {why}"]
    lines = [
        "",
        "NEW DATABASE: restoreBackup(targetDatabase) against pg_restore -j 2 of the whole dump "
        "into a new empty database (seconds, load average before)",
    ]
    for number, figures in enumerate(section.get("rounds") or [], 1):
        parts = [
            f"{side} {figures[side]['seconds']:.1f}s (load {figures[side]['load_before'][0]}"
            + _wal(figures[side])
            + ")"
            for side in figures["order"]
            if side in figures
        ]
        rss = (figures.get("lifeboat") or {}).get("rss") or {}
        # The worker's RSS when the round began too: backups before it may have left it high.
        held = (
            f"; worker RSS {rss.get('worker_rss_at_start_mb')} → {rss.get('worker_peak_rss_mb')} MB"
        )
        lines.append(
            f"  round {number}: "
            + ", ".join(parts)
            + f"; ratio {figures['ratio']}"
            + (held if rss else "")
        )
    lines.append(
        f"  ratios {section.get('ratios')}, median {section.get('median_ratio')}; "
        f"worker peak RSS {section.get('worker_peak_rss_mb')} MB; rows match "
        f"{section.get('row_counts_match')}; schema equal to pg_restore's "
        f"{section.get('schema_equal_to_pg_restore')}"
    )
    schema_step = _backup_schema_step(results)
    if schema_step is not None:
        lines.append(f"  the backup's schema step (pg_dump --schema-only): {schema_step:.2f}s")
    rounds = section.get("rounds") or []
    for side in ("lifeboat", "pg_restore"):
        best = min((r[side] for r in rounds if side in r), key=lambda f: f["seconds"], default=None)
        if best is None:
            continue
        if best.get("step_times"):
            steps = "; ".join(
                f"{t['step']} {t['seconds']:.2f}s" for t in best["step_times"] if t["seconds"]
            )
            lines.append(f"  {side} steps: {steps}")
        statements = (best.get("database") or {}).get("statements") or []
        if not statements:
            continue
        top = sorted(statements, key=lambda s: -s["seconds"])[:8]
        work = sum(s["seconds"] for s in statements)
        connections = len({s["pid"] for s in statements})
        lines.append(
            f"  {side} slowest statements: "
            + "; ".join(f"{_gist(s['query'])} {s['seconds']:.1f}s" for s in top)
            + f" ({work:.1f}s of statements over 0.3 s on {connections} connection(s))"
        )
        longest = top[0]
        if longest.get("waits"):
            lines.append(
                f"    its longest, {_gist(longest['query'])}, sampled: "
                + ", ".join(
                    f"{event} {seconds:.1f}s" for event, seconds in longest["waits"].items()
                )
            )
    return lines


def _backup_schema_step(results: dict[str, Any]) -> float | None:
    backup = results.get("backup")
    progress = backup.get("final_progress") if isinstance(backup, dict) else None
    for step in (progress or {}).get("stepTimes") or []:
        if step["step"] == "schema":
            return float(step["seconds"])
    return None


def _wal(figures: dict[str, Any]) -> str:
    wal = figures.get("wal")
    return f", WAL {wal['mb']:.0f} MB, {wal['fpi']:.0f} full pages" if wal else ""


def _gist(query: str) -> str:
    words = query.replace('"', "").split()
    if words[:1] == ["COPY"] and len(words) > 1:
        return f"COPY {words[1].split('(')[0]}"
    return " ".join(words[:5])[:60]
