"""The backups list shows each backup's latest restore drill (verification) and lets an
operator start one with Verify, its status updating on the page until the drill is over."""

import asyncpg
import dramatiq

from app.pipelines.context import PipelineContext
from tests.conftest import make_admin
from tests.restores.support import completed_backup
from tests.support.archive import damage_table
from tests.support.selenium_browser import Dashboard

DRILL_SECONDS = 120


def _row(backup_id: str) -> str:
    return f"#backups-table tr[data-backup-id='{backup_id}']"


def _verification(dashboard: Dashboard, backup_id: str) -> str | None:
    found: str | None = dashboard.js(
        "return document.querySelector(arguments[0])?.dataset.verification",
        f"{_row(backup_id)} td.verified [data-verification]",
    )
    return found


async def _backups(ctx: PipelineContext, target: asyncpg.Connection) -> tuple[str, str]:
    """A sound backup and a damaged one (a byte of its table's data flipped)."""
    await target.execute(
        "CREATE TABLE recipes (id int PRIMARY KEY, title text NOT NULL);"
        "INSERT INTO recipes SELECT i, 'recipe ' || i FROM generate_series(1, 300) i;"
    )
    sound = await completed_backup(ctx, target, "partial", ["recipes"])
    damaged = await completed_backup(ctx, target, "partial", ["recipes"])
    damage_table(ctx.archives, damaged)
    return sound, damaged


async def test_verify_shows_the_drill_running_then_passed_or_damaged(
    dashboard: Dashboard,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    sound, damaged = await _backups(pipeline_context, target)
    dashboard.open(f"#token={admin_token}")
    dashboard.wait(lambda: _verification(dashboard, sound) == "NONE", "a never-verified row")
    assert "never" in dashboard.text(f"{_row(sound)} td.verified")

    dashboard.click(f"{_row(sound)} button.verify")
    # The page was not reloaded: the row follows the drill to its end.
    dashboard.wait(
        lambda: _verification(dashboard, sound) == "PASSED", "the drill to pass", DRILL_SECONDS
    )
    assert "verified" in dashboard.text(f"{_row(sound)} td.verified")

    dashboard.click(f"{_row(damaged)} button.verify")
    dashboard.wait(
        lambda: _verification(dashboard, damaged) in ("FAILED", "ERROR"),
        "the damaged backup's drill to end",
        DRILL_SECONDS,
    )
    cell = dashboard.text(f"{_row(damaged)} td.verified")
    assert _verification(dashboard, damaged) == "FAILED", cell
    assert "damaged" in cell and "recipes" in cell, cell  # the API's error, as it says it
    assert dashboard.csp_violations() == []


async def test_a_viewer_sees_verification_but_is_offered_no_verify(
    dashboard: Dashboard, pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    sound, _ = await _backups(pipeline_context, target)
    _, token = await make_admin(role="viewer")
    dashboard.open(f"#token={token}")
    dashboard.wait_for_text("#me", "(viewer")
    dashboard.wait(lambda: _verification(dashboard, sound) == "NONE", "the row's verification")
    assert dashboard.js("return document.querySelector('button.verify')") is None
