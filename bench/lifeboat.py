"""Lifeboat's side of the benchmark: a full backup and its restore, each mutation → COMPLETED.

Both go the way a user's script goes: a GraphQL mutation over HTTP to the API, a Dramatiq
message over Redis, the worker process, SeaweedFS; then `backup(backupId)` or
`restoreOperation(id)` is polled until it is finished. Its time runs from sending the mutation
to the job's own completion timestamp (`completedAt`), so the polls can be a second apart. The
worker's process tree is sampled for RSS all along, and every change of the reported progress
is kept as a timeline (where the time goes).
"""

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from app.archive.manifest import Manifest
from app.storage import keys
from bench.graphql import GraphQL, finished_seconds, poll
from bench.measure import MB, BenchError, CpuSampler, RssSampler
from bench.profile import profiling, summarize
from bench.stack import Stack
from bench.statements import StatementSampler

log = logging.getLogger("bench.lifeboat")

SCALAR_KINDS = {"SCALAR", "ENUM"}
# JobProgress, read with every poll: the timeline's steps and the final stepTimes.
PROGRESS = (
    "progress { step percent currentTable tablesDone tablesTotal rowsDone bytesDone "
    "etaSeconds stepTimes { step seconds } }"
)


class NotAvailable(Exception):
    """This part of Lifeboat has not landed yet: reported as such, the rest goes on."""


def scalar_fields(gql: GraphQL, type_name: str) -> list[str]:
    """Every scalar or enum field of a type, so the bench reads whatever the API offers."""
    query = """query($name: String!) { __type(name: $name) { fields {
        name type { kind ofType { kind ofType { kind } } } } } }"""
    found = gql(query, name=type_name)["__type"] or {}
    names = []
    for field in found.get("fields") or []:
        kind = field["type"]
        while kind["kind"] == "NON_NULL" and kind.get("ofType"):
            kind = kind["ofType"]
        if kind["kind"] in SCALAR_KINDS:
            names.append(field["name"])
    return names


class Timeline:
    """The distinct (status, step, current table) states seen while polling, with times."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def sample(self, elapsed: float, value: dict[str, Any]) -> None:
        progress = value.get("progress") or {}
        state = {
            "status": value.get("status"),
            "step": progress.get("step"),
            "current": progress.get("currentTable"),
        }
        if not self.events or {k: self.events[-1][k] for k in state} != state:
            self.events.append({"t": round(elapsed, 2), **state})

    def durations(self, end: float) -> list[dict[str, Any]]:
        """Seconds spent in each state (the poll interval bounds their precision)."""
        spans = []
        for event, after in zip(self.events, [*self.events[1:], {"t": end}], strict=True):
            spans.append({**event, "seconds": round(after["t"] - event["t"], 2)})
        return spans


@contextmanager
def observed(
    stack: Stack,
    profile: Path | None = None,
    *,
    database: str | None = None,
    statements: bool = True,
    api: bool = True,
) -> Iterator[dict[str, Any]]:
    """Sample the worker's RSS, everyone's CPU (the API's unless `api` is False), the
    statements on `database` (the stack's target by default; none if `statements` is False),
    and py-spy the worker, during the block. The dict it yields is filled when the block ends."""
    figures: dict[str, Any] = {}
    groups: dict[str, set[int] | str] = {"worker": {stack.worker.pid}}
    if api:
        groups["api"] = {stack.api.pid}
    groups.update({"postgres": "postgres", "seaweedfs": "weed"})
    with ExitStack() as exits:
        rss = exits.enter_context(RssSampler(stack.worker.pid))
        cpu = exits.enter_context(CpuSampler(groups))
        target = database or stack.settings.target_database_url.rsplit("/", 1)[1]
        activity = exits.enter_context(StatementSampler(target)) if statements else None
        if profile is not None:
            forked = psutil.Process(stack.worker.pid).children()
            if not forked:
                raise BenchError("the worker has no forked process to profile")
            exits.enter_context(profiling(forked[0].pid, profile))
        started = time.perf_counter()
        yield figures
        wall = time.perf_counter() - started
    figures["rss"] = rss.summary()
    figures["cpu"] = cpu.summary(wall)
    if activity is not None:
        figures["database"] = activity.summary()
    if profile is not None and profile.exists():
        figures["profile"] = {"collapsed_stacks": str(profile), **summarize(profile)}


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _manifest_summary(stack: Stack, backup_id: str) -> dict[str, Any]:
    manifest = Manifest.from_json(stack.archives.get_bytes(keys.manifest_key(backup_id)))
    tables = {
        table.name: {
            "rows": table.rows,
            "raw_mb": round(table.raw_bytes / MB, 1),
            "stored_mb": round(table.stored_bytes / MB, 1),
        }
        for table in manifest.tables
    }
    return {
        "copy_format": manifest.copy_format,
        "raw_copy_bytes": sum(table.raw_bytes for table in manifest.tables),
        "stored_bytes": manifest.stored_bytes,
        "tables": tables,
    }


def run_backup(
    stack: Stack, gql: GraphQL, timeout: float, profile: Path | None = None
) -> dict[str, Any]:
    """A FULL backup, mutation → COMPLETED; its wall time, size and the worker's peak RSS."""
    fields = " ".join([*scalar_fields(gql, "Backup"), PROGRESS])
    create = (
        f"mutation($input: CreateBackupInput!) {{ createBackup(input: $input) {{ {fields} }} }}"
    )
    get = f"query($id: String!) {{ backup(backupId: $id) {{ {fields} }} }}"
    timeline = Timeline()
    with observed(stack, profile) as figures:
        started, sent_at = time.perf_counter(), time.time()
        created = gql(create, input={"type": "FULL", "description": "make bench"})["createBackup"]
        backup_id = created["backupId"]
        log.info("backup %s requested; polling until it is finished", backup_id)
        final = poll(
            lambda: gql(get, id=backup_id)["backup"],
            lambda backup: backup["status"] != "CREATING",
            timeout,
            on_sample=timeline.sample,
        )
        noticed = time.perf_counter() - started
    wall = finished_seconds(sent_at, final.get("completedAt"), noticed)
    if final["status"] != "COMPLETED":
        raise BenchError(f"backup {backup_id} {final['status']}: {final.get('errorMessage')}")
    result: dict[str, Any] = {
        "backup_id": backup_id,
        "wall_seconds": round(wall, 2),
        "noticed_seconds": round(noticed, 2),
        "server_seconds": _seconds_between(final.get("createdAt"), final.get("completedAt")),
        "size_bytes": final.get("sizeBytes"),
        **figures,
        "timeline": timeline.durations(noticed),
        "final_progress": final.get("progress"),
    }
    try:
        result["manifest"] = _manifest_summary(stack, backup_id)
    except Exception as error:  # the figures above stand without it
        result["manifest"] = {"error": str(error)}
    return result


def _pre_restore_snapshot(gql: GraphQL, restore_id: str) -> dict[str, Any] | None:
    """The backup the restore took of the tables first (metadata.preRestoreFor = its id)."""
    query = (
        "{ backups(limit: 20) { backupId type status createdAt completedAt sizeBytes metadata } }"
    )
    for backup in gql(query)["backups"]:
        if (backup.get("metadata") or {}).get("preRestoreFor") == restore_id:
            seconds = _seconds_between(backup["createdAt"], backup["completedAt"])
            return {**backup, "seconds": seconds}
    return None


def restore_until_finished(
    gql: GraphQL,
    backup_id: str,
    timeout: float,
    watching: AbstractContextManager[dict[str, Any]],
    target_database: str | None = None,
) -> dict[str, Any]:
    """restoreBackup of the backup (into `target_database` if given), mutation → COMPLETED,
    under `watching` (the samplers); the confirmation code is asked first, off the clock.
    Returns restore_id, wall_seconds (unrounded), the samplers' figures, timeline and final."""
    fields = " ".join([*scalar_fields(gql, "RestoreOperation"), PROGRESS])
    mutation = (
        f"mutation($input: RestoreBackupInput!) {{ restoreBackup(input: $input) {{ {fields} }} }}"
    )
    get = f"query($id: ID!) {{ restoreOperation(id: $id) {{ {fields} }} }}"
    code_query = "query($id: String!) { restoreConfirmationCode(backupId: $id) }"
    code = gql(code_query, id=backup_id)["restoreConfirmationCode"]
    timeline = Timeline()
    with watching as figures:
        started, sent_at = time.perf_counter(), time.time()
        restore_input = {"backupId": backup_id, "confirmationCode": code}
        if target_database is not None:
            restore_input["targetDatabase"] = target_database
        operation = gql(mutation, input=restore_input)["restoreBackup"]
        log.info(
            "restore %s of %s requested; polling until it is finished", operation["id"], backup_id
        )
        final = poll(
            lambda: gql(get, id=operation["id"])["restoreOperation"],
            lambda op: op["status"] != "IN_PROGRESS",
            timeout,
            on_sample=timeline.sample,
        )
        noticed = time.perf_counter() - started
    wall = finished_seconds(sent_at, final.get("completedAt"), noticed)
    if final["status"] != "COMPLETED":
        raise BenchError(f"restore {operation['id']} {final['status']}: {final.get('errorLog')}")
    return {
        "restore_id": operation["id"],
        "wall_seconds": wall,
        "noticed_seconds": noticed,
        "figures": figures,
        "timeline": timeline.durations(noticed),
        "final": final,
    }


def run_restore(
    stack: Stack, gql: GraphQL, backup_id: str, timeout: float, profile: Path | None = None
) -> dict[str, Any]:
    """Restore the benchmark backup into the target, mutation → COMPLETED."""
    if "restoreBackup" not in gql.type_fields("Mutation"):
        raise NotAvailable("the restoreBackup mutation is not in the API yet")
    done = restore_until_finished(gql, backup_id, timeout, observed(stack, profile))
    wall, final = done["wall_seconds"], done["final"]
    snapshot = _pre_restore_snapshot(gql, done["restore_id"])
    snapshot_seconds = snapshot["seconds"] if snapshot else None
    return {
        "restore_id": done["restore_id"],
        "wall_seconds": round(wall, 2),
        "server_seconds": _seconds_between(final.get("startedAt"), final.get("completedAt")),
        "snapshot": snapshot,
        "snapshot_seconds": snapshot_seconds,
        "without_snapshot_seconds": round(wall - snapshot_seconds, 2)
        if snapshot_seconds is not None
        else None,
        **done["figures"],
        "timeline": done["timeline"],
        "final": final,
    }
