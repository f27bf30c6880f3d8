"""The backups and restores lists: filters and cursor pages, as the API serves them."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.db.engine import transaction
from app.pipelines.context import PipelineContext
from tests.support.automation import add_backup
from tests.support.selenium_browser import Dashboard

ROWS = "#backups-table tbody tr"


def shown(dashboard: Dashboard) -> list[str]:
    script = "return [...document.querySelectorAll(arguments[0])].map(r => r.dataset.backupId)"
    return list(dashboard.js(script, ROWS))


def statuses(dashboard: Dashboard) -> set[str]:
    return texts(dashboard, f"{ROWS} td:nth-child(2) .badge:first-child")


def types(dashboard: Dashboard) -> set[str]:
    return texts(dashboard, f"{ROWS} td:nth-child(3)")


def texts(dashboard: Dashboard, css: str) -> set[str]:
    script = "return [...document.querySelectorAll(arguments[0])].map(c => c.innerText)"
    return set(dashboard.js(script, css))


def select(dashboard: Dashboard, css: str, value: str) -> None:
    dashboard.js(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1];"
        "s.dispatchEvent(new Event('change'));",
        css,
        value,
    )


async def test_backups_filter_by_status_and_type_and_page_by_cursor(
    dashboard: Dashboard, admin_token: str, pipeline_context: PipelineContext
) -> None:
    # 60 backups created in the same second: pages must still neither repeat nor skip one.
    moment = datetime.now(UTC) - timedelta(days=400)
    for n in range(60):
        status = "failed" if n % 5 == 0 else "completed"
        kind = "partial" if n % 2 else "full"
        await add_backup(
            pipeline_context, moment, status=status, backup_type=kind, with_objects=False
        )
    dashboard.open(f"#token={admin_token}")
    dashboard.wait(lambda: len(shown(dashboard)) == 50, "a first page of 50")
    first = shown(dashboard)

    seen = list(first)
    while dashboard.js("return !document.querySelector('.backups .pager .older').disabled"):
        before = shown(dashboard)
        dashboard.click(".backups .pager .older")
        dashboard.wait(lambda before=before: shown(dashboard) != before, "the older page")
        seen += shown(dashboard)
    assert len(seen) == len(set(seen)), "a backup was shown on two pages"
    assert len(seen) >= 60
    dashboard.click(".backups .pager .newer")
    dashboard.wait(lambda: shown(dashboard) != seen[-len(shown(dashboard)) :], "a newer page")

    select(dashboard, "#backup-filters [name=status]", "FAILED")
    dashboard.wait(lambda: statuses(dashboard) == {"failed"}, "only failed backups")
    assert dashboard.text(".backups .pager span") == "page 1"
    select(dashboard, "#backup-filters [name=type]", "PARTIAL")
    dashboard.wait(lambda: types(dashboard) == {"partial"}, "only partial ones")
    assert statuses(dashboard) == {"failed"}
    select(dashboard, "#backup-filters [name=status]", "")
    select(dashboard, "#backup-filters [name=type]", "")
    dashboard.wait(lambda: shown(dashboard) == first, "the unfiltered first page")


async def test_deleted_backups_show_only_when_asked(
    dashboard: Dashboard, admin_token: str, pipeline_context: PipelineContext
) -> None:
    tombstone = await add_backup(pipeline_context, datetime.now(UTC), with_objects=False)
    async with transaction(pipeline_context.sessions) as session:
        # What retention leaves of a backup that restores refer to (README, Retention).
        await session.execute(
            text(
                "UPDATE lifeboat.system_backups SET deleted_at = now(), file_path = NULL,"
                " file_size_bytes = NULL WHERE backup_id = :id"
            ),
            {"id": tombstone},
        )
    dashboard.open(f"#token={admin_token}")
    dashboard.wait(lambda: shown(dashboard), "the first page")
    assert tombstone not in shown(dashboard)
    dashboard.click("#backup-filters [name=includeDeleted]")
    dashboard.wait(lambda: tombstone in shown(dashboard), "the tombstone")
    assert "deleted" in dashboard.text(f"#backups-table tr[data-backup-id='{tombstone}']")
