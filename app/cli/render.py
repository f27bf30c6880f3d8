"""How backups and restores look on a terminal (rich tables); --json prints them as they are."""

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.cli.follow import describe

STATUS_STYLE = {
    "COMPLETED": "green",
    "PASSED": "green",
    "FAILED": "red",
    "ERROR": "red",
    "RUNNING": "yellow",
    "CREATING": "yellow",
    "IN_PROGRESS": "yellow",
}


def size(value: int | None) -> str:
    if value is None:
        return ""
    amount = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if amount < 1000 or unit == "TB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    return ""


def duration(start: str | None, end: str | None) -> str:
    if not start or not end:
        return ""
    seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{seconds:.1f}s"


def when(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def status(value: str) -> str:
    return f"[{STATUS_STYLE.get(value, 'white')}]{value}[/]"


def backups_table(console: Console, backups: list[dict[str, Any]]) -> None:
    table = Table(
        "backup", "type", "status", "created", "took", "size", "tables", "verified", "description"
    )
    for backup in backups:
        tables = backup["tablesIncluded"]
        table.add_row(
            backup["backupId"],
            backup["type"],
            status(backup["status"]),
            when(backup["createdAt"]),
            duration(backup["createdAt"], backup["completedAt"]),
            size(backup["sizeBytes"]),
            str(len(tables)),
            status((backup.get("verification") or {}).get("status") or ""),
            escape(backup["description"] or ""),
        )
    console.print(table)


def _details(console: Console, title: str, rows: list[tuple[str, str]]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for name, value in rows:
        if value:
            table.add_row(name, value)
    console.print(table)


def backup_details(console: Console, backup: dict[str, Any]) -> None:
    progress = backup.get("progress") or {}
    _details(
        console,
        f"backup {backup['backupId']}",
        [
            ("type", backup["type"]),
            ("status", status(backup["status"])),
            ("created", f"{when(backup['createdAt'])} by {backup['createdBy']['email']}"),
            ("completed", when(backup["completedAt"])),
            ("took", duration(backup["createdAt"], backup["completedAt"])),
            ("size", size(backup["sizeBytes"])),
            ("tables", escape(", ".join(backup["tablesIncluded"]))),
            ("description", escape(backup["description"] or "")),
            ("error", escape(backup["errorMessage"] or "")),
            ("deleted", when(backup["deletedAt"])),
            ("progress", escape(describe(progress)) if backup["status"] == "CREATING" else ""),
            ("verified", verification(backup.get("verification"))),
        ],
    )


def verification(drill: dict[str, Any] | None) -> str:
    """The latest drill in one line: its status, when, what it checked, or why it did not pass."""
    if not drill:
        return "never (lifeboat verify ID)"
    line = f"{status(drill['status'])} {when(drill['finishedAt'] or drill['startedAt'])}"
    if drill["status"] == "RUNNING":
        line += f" {escape(describe(drill.get('progress')))}"
    if drill.get("tablesChecked") is not None:
        line += f", {drill['tablesChecked']} tables, {drill.get('rowsChecked') or 0} rows checked"
    if drill.get("error"):
        line += f"\n{escape(drill['error'])}"
    return line


def restore_details(console: Console, operation: dict[str, Any]) -> None:
    counts = operation.get("recordsCount") or {}
    restored = [
        f"{name} ({counts.get(name, '?')} rows)" for name in operation["tablesRestored"] or []
    ]
    _details(
        console,
        f"restore {operation['id']}",
        [
            ("backup", operation["backupId"]),
            ("status", status(operation["status"])),
            ("into", operation.get("targetDatabase") or "the configured target"),
            ("started", f"{when(operation['startedAt'])} by {operation['initiatedBy']['email']}"),
            ("took", duration(operation["startedAt"], operation["completedAt"])),
            ("restored", escape(", ".join(restored))),
            ("undo with", operation["preRestoreBackupId"] or ""),
            ("warnings", escape("\n".join(operation.get("warnings") or []))),
            ("error", escape(operation["errorLog"] or "")),
            (
                "progress",
                escape(describe(operation.get("progress")))
                if operation["status"] == "IN_PROGRESS"
                else "",
            ),
        ],
    )


def restore_plan(console: Console, backup_id: str, plan: dict[str, Any]) -> None:
    """What a restore would do: tables replaced (rows now → in the backup), created, columns."""
    replaced = plan["tablesReplaced"]
    if replaced:
        table = Table("table replaced", "rows now", "rows in the backup", title_justify="left")
        table.title = f"restoring {backup_id}"
        for item in replaced:
            table.add_row(escape(item["name"]), str(item["rowsNow"]), str(item["rowsInBackup"]))
        console.print(table)
    rows = [
        ("tables created", ", ".join(plan["tablesCreated"])),
        ("columns added", ", ".join(plan["columnsAdded"])),
        ("columns lost", ", ".join(plan["columnsLost"])),
        ("objects dropped", ", ".join(plan["objectsDropped"])),
        ("uploads", "replaced" if plan["uploadsReplaced"] else "left as they are"),
        (
            "first",
            "a pre-restore snapshot (restoring it undoes this)"
            if plan["preRestoreSnapshot"]
            else "no pre-restore snapshot",
        ),
        ("warnings", "\n".join(plan["warnings"])),
    ]
    for name, value in rows:
        if value:
            console.print(f"[bold]{name}[/]: {escape(value)}")
    if plan["refusal"]:
        console.print(f"[bold red]refused[/]: {escape(plan['refusal'])}")
