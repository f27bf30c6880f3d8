"""The drill comparison's lines in `make bench`'s printed report, and its ratios."""

from typing import Any

# (goal, target) as in report.GOALS: lower is better (issue 9, item 5).
GOALS = {
    "drill / pg_restore_j2_whole": (1.5, None),
    "drill worker peak RSS MB": (200.0, None),
}


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    section = results.get("drill")
    if not isinstance(section, dict):
        return {}
    return {
        # The median of the per-round ratios: each round's two runs share the machine's mood.
        "drill / pg_restore_j2_whole": section.get("median_ratio"),
        "drill worker peak RSS MB": section.get("worker_peak_rss_mb"),
    }


def render(results: dict[str, Any]) -> list[str]:
    section = results.get("drill")
    if not isinstance(section, dict):
        return []
    if "not_available" in section or "error" in section:
        return ["", f"DRILL: {section.get('not_available') or section.get('error')}"]
    lines = [
        "",
        "DRILL: verifyBackup (restore into a scratch database, read back, drop) against "
        "pg_restore -j 2 of the whole dump into a new empty database (seconds, load before)",
    ]
    for number, figures in enumerate(section.get("rounds") or [], 1):
        parts = []
        for side in figures["order"]:
            if side not in figures:
                continue
            own = figures[side]
            text = f"{side} {own['seconds']:.1f}s (load {own['load_before'][0]})"
            if side == "drill":
                text += (
                    f" = restore {own['restore_seconds']:.1f}s + read back "
                    f"{own['read_back_seconds']:.1f}s + drop {own['drop_seconds']:.1f}s, "
                    f"peak RSS {own['rss'].get('worker_peak_rss_mb')} MB"
                )
            parts.append(text)
        lines.append(f"  round {number}: " + "; ".join(parts) + f"; ratio {figures['ratio']}")
    lines.append(
        f"  ratios {section.get('ratios')}, median {section.get('median_ratio')}; "
        f"worker peak RSS {section.get('worker_peak_rss_mb')} MB"
    )
    return lines
