"""Requesting a drill: only completed backups, one running drill per backup, race-free."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from app.auth.service import ensure_admin
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.drills.service import request_drill
from app.errors import NotFound, PreconditionFailed
from app.pipelines.context import PipelineContext
from tests.support.automation import add_backup

NOW = datetime.now(UTC)


async def ask(ctx: PipelineContext, backup_id: str) -> tuple[str, bool]:
    async with transaction(ctx.sessions) as session:
        admin = await ensure_admin(session, "driller@test.local")
        request = await request_drill(session, backup_id, admin.id, ctx.settings.keyring)
    return str(request.verification.id), request.created


async def test_a_completed_backup_gets_one_running_drill_asked_twice(
    automation: PipelineContext,
) -> None:
    backup_id = await add_backup(automation, NOW)

    first, created = await ask(automation, backup_id)
    again, created_again = await ask(automation, backup_id)

    assert (created, created_again) == (True, False)
    assert again == first


async def test_concurrent_requests_make_one_drill(automation: PipelineContext) -> None:
    backup_id = await add_backup(automation, NOW)

    answers = await asyncio.gather(*(ask(automation, backup_id) for _ in range(5)))

    assert len({drill_id for drill_id, _ in answers}) == 1
    assert sum(created for _, created in answers) == 1
    async with automation.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(Verification.backup_id == backup_id)
        )
    assert count == 1


async def test_unknown_backup_is_not_found(automation: PipelineContext) -> None:
    with pytest.raises(NotFound):
        await ask(automation, "bk_nope")


@pytest.mark.parametrize(
    ("status", "deleted", "said"),
    [
        ("creating", False, "is creating"),
        ("failed", False, "is failed"),
        ("completed", True, "deleted"),
    ],
)
async def test_a_backup_not_completed_or_deleted_cannot_be_drilled(
    automation: PipelineContext, status: str, deleted: bool, said: str
) -> None:
    backup_id = await add_backup(
        automation, NOW, status=status, deleted_at=NOW if deleted else None
    )

    with pytest.raises(PreconditionFailed, match=said):
        await ask(automation, backup_id)


async def test_a_backup_under_a_key_not_configured_is_refused_naming_it_and_nothing_recorded(
    automation: PipelineContext,
) -> None:
    encryption = {"algorithm": "aes-256-gcm", "keyId": "k_gone_0123"}
    backup_id = await add_backup(automation, NOW, metadata={"encryption": encryption})

    with pytest.raises(PreconditionFailed, match="k_gone_0123"):
        await ask(automation, backup_id)

    async with automation.sessions() as session:
        drills = await session.scalar(
            select(func.count()).where(Verification.backup_id == backup_id)
        )
    assert drills == 0


async def test_many_requests_in_a_row_keep_finding_the_partial_index(
    automation: PipelineContext,
) -> None:
    """PostgreSQL plans a prepared statement generically after five runs: the INSERT's
    ON CONFLICT must still name the one-running-drill index then."""
    for _ in range(8):
        backup_id = await add_backup(automation, NOW)
        async with automation.sessions() as session, session.begin():
            admin = await ensure_admin(session, "driller@test.local")
            await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
            request = await request_drill(session, backup_id, admin.id, automation.settings.keyring)
        assert request.created
