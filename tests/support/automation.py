"""Fixtures for automated backups: clean schedules, backup rows with objects, a real webhook
receiver and Dramatiq workers that also consume the notifications queue."""

import json
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dramatiq
import pytest
from sqlalchemy import delete, text

from app.auth import service as auth_service
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.db.models import SystemBackup
from app.db.schedule_models import NotificationDelivery, Schedule, Webhook
from app.notifications import service as notifications
from app.pipelines.context import PipelineContext
from app.settings import Settings
from app.storage import keys
from tests.support.worker import run_worker


class RecordingJobs:
    """The Jobs interface, remembering what it was asked instead of sending messages."""

    def __init__(self) -> None:
        self.exports: list[str] = []
        self.restores: list[str] = []
        self.drills: list[str] = []

    def export_backup(self, backup_id: str) -> None:
        self.exports.append(backup_id)

    def restore_backup(self, restore_id: str) -> None:
        self.restores.append(restore_id)

    def verify_backup(self, verification_id: str) -> None:
        self.drills.append(verification_id)


async def _clear(ctx: PipelineContext) -> None:
    async with transaction(ctx.sessions) as session:
        await session.execute(delete(Verification))
        await session.execute(delete(Schedule))
        await session.execute(delete(NotificationDelivery))
        await session.execute(delete(Webhook))


@pytest.fixture
async def automation(pipeline_context: PipelineContext) -> AsyncIterator[PipelineContext]:
    """A pipeline context with no schedules, drills, webhooks or deliveries before and after.

    The seed schedules would otherwise fire whenever a test's clock passes their due time.
    """
    await _clear(pipeline_context)
    yield pipeline_context
    await _clear(pipeline_context)


async def add_schedule(ctx: PipelineContext, **values: Any) -> Schedule:
    """A schedule row exactly as given (created_at and next_run_at included)."""
    values.setdefault("name", f"test-{uuid.uuid4().hex[:8]}")
    values.setdefault("timezone", "UTC")
    values.setdefault("backup_type", "scheduled")
    async with transaction(ctx.sessions) as session:
        schedule = Schedule(**values)
        session.add(schedule)
        await session.flush()
        await session.refresh(schedule)
    return schedule


async def add_backup(
    ctx: PipelineContext,
    created_at: datetime,
    status: str = "completed",
    metadata: dict[str, Any] | None = None,
    with_objects: bool = True,
    **values: Any,
) -> str:
    """A backup row at a chosen time, with two objects under its prefix when completed."""
    backup_id = f"bk_test_{uuid.uuid4().hex[:12]}"
    async with transaction(ctx.sessions) as session:
        admin = await auth_service.ensure_admin(session, "retention@test.local")
        session.add(
            SystemBackup(
                backup_id=backup_id,
                created_by=admin.id,
                backup_type=values.pop("backup_type", "scheduled"),
                status=status,
                metadata_=metadata or {},
                tables_included=[],
                created_at=created_at,
                completed_at=created_at if status != "creating" else None,
                file_path=keys.backup_prefix(backup_id) if status == "completed" else None,
                **values,
            )
        )
    if with_objects and status == "completed":
        ctx.archives.put_bytes(keys.table_key(backup_id, 0), b"rows", "application/zstd")
        ctx.archives.put_bytes(keys.manifest_key(backup_id), b"{}")
    return backup_id


async def backup_ids(ctx: PipelineContext, where: str, **params: Any) -> set[str]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            text(f"SELECT backup_id FROM lifeboat.system_backups WHERE {where}"), params
        )
    return {row[0] for row in rows}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on a free port; answers 500 to the first `fail_first` requests."""

    url: str
    fail_first: int = 0
    attempts: int = 0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.attempts += 1
                failing = state.attempts <= state.fail_first
                if not failing:
                    state.received.append(Received(dict(self.headers.items()), body))
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/lifeboat"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


async def subscribe(
    ctx: PipelineContext, receiver: Receiver, events: list[str]
) -> notifications.CreatedWebhook:
    """A webhook to `receiver` for `events`, committed so the worker delivering reads it."""
    async with transaction(ctx.sessions) as session:
        return await notifications.create_webhook(
            session, ctx.settings.keyring, receiver.url, events
        )


def all_queues(settings: Settings) -> set[str]:
    return {settings.queue(name) for name in ("backups", "restores", "drills", "notifications")}


@pytest.fixture
def full_worker(
    settings: Settings, databases: None, archives: Any, uploads: Any
) -> Iterator[dramatiq.Worker]:
    """A real in-process Dramatiq worker on backups, restores, drills and notifications."""
    yield from run_worker(all_queues(settings))


Enqueued = Callable[[str], None]
