"""The dashboard's main path: paste a token, create a backup and watch its bar reach the end,
restore it by typing its code, and see the outcome and the snapshot that undoes it."""

from collections.abc import Callable

import asyncpg

from tests.dashboard.restore_dialog import OUTCOME, restore_outcome
from tests.support.selenium_browser import Dashboard
from tests.support.worker import WorkerProcess

JOB = "#jobs [data-job='{}']"


def bar(dashboard: Dashboard, job: str) -> tuple[str | None, float | None]:
    """The job's status and its progress bar's value (None while indeterminate)."""
    found = dashboard.js(
        "const job = document.querySelector(arguments[0]);"
        "if (!job) return null;"
        "const bar = job.querySelector('progress');"
        "return [job.dataset.status, bar.hasAttribute('value') ? bar.value : null];",
        job,
    )
    return (found[0], found[1]) if found else (None, None)


def plan_state(dashboard: Dashboard) -> str | None:
    state: str | None = dashboard.js(
        "return document.querySelector('#restore-plan')?.dataset.state"
    )
    return state


async def test_create_a_backup_watch_it_live_then_restore_it_by_typing_the_code(
    dashboard: Dashboard,
    admin_token: str,
    target: asyncpg.Connection,
    worker_processes: Callable[..., WorkerProcess],
) -> None:
    await target.execute(
        "CREATE TABLE recipes (id int PRIMARY KEY, title text NOT NULL);"
        "INSERT INTO recipes SELECT i, 'recipe ' || i FROM generate_series(1, 500) i;"
        "CREATE TABLE users (id int PRIMARY KEY);"
    )
    await target.execute("ANALYZE")
    dashboard.open()
    dashboard.find("#token-input").send_keys(admin_token)
    dashboard.click(".token button[type=submit]")

    dashboard.click("#create-backup input[value=PARTIAL]")
    dashboard.click("#table-picker input[value='public.recipes']")
    assert "public.users" in dashboard.text("#table-picker")
    dashboard.find("#create-backup [name=description]").send_keys("before the import")
    dashboard.click("#create-backup button[type=submit]")
    backup_id = dashboard.find("#created-backup code").text
    job = JOB.format(f"backups:{backup_id}")

    # No worker yet: the backup waits, followed live; then a worker takes it, and the page
    # (untouched from here on) shows the bar reach its end.
    dashboard.wait(lambda: bar(dashboard, job)[0] == "CREATING", "the running backup")
    assert "live" in dashboard.text(job)
    worker_processes()
    dashboard.wait(lambda: bar(dashboard, job) == ("COMPLETED", 100), "the bar's end", 60)
    assert "dismiss" in dashboard.text(job)  # the subscription completed after the final state
    row = f"#backups-table tr[data-backup-id='{backup_id}']"
    dashboard.wait_for_text(row, "completed")
    assert "public.recipes" in dashboard.text(row)
    assert "before the import" in dashboard.text(row)

    await target.execute("DELETE FROM recipes WHERE id > 100")
    dashboard.click(f"{row} button.restore")
    dashboard.wait_for_text("#restore-dialog", "public.recipes")
    code = dashboard.wait(lambda: dashboard.text("#confirmation-code").strip("…"), "the code")
    # Restore is offered once restorePlan answered without refusal; it shows the rows at stake.
    dashboard.wait(lambda: plan_state(dashboard) == "ready", "the restore's plan")
    assert dashboard.text("#plan-replaced tr[data-table='public.recipes']").split()[1:] == [
        "100",
        "500",
    ]

    dashboard.find("#restore-confirm input").send_keys("WRONG-CODE")
    dashboard.click("#restore-confirm button[type=submit]")
    dashboard.wait_for_text("#restore-dialog .error", "UNAUTHORIZED")
    assert await target.fetchval("SELECT count(*) FROM recipes") == 100

    field = dashboard.find("#restore-confirm input")
    field.clear()
    field.send_keys(code)
    dashboard.click("#restore-confirm button[type=submit]")
    text = restore_outcome(dashboard)
    assert "completed" in text, text
    assert "public.recipes 500" in text, text
    assert bar(dashboard, OUTCOME)[1] == 100
    assert await target.fetchval("SELECT count(*) FROM recipes") == 500
    snapshot = dashboard.text("#pre-restore-snapshot")
    assert snapshot.startswith("bk_"), text

    # Undo: the pre-restore snapshot opens in the same dialog, with its own code.
    dashboard.click("#undo-restore")
    dashboard.wait_for_text("#restore-title", snapshot)
    dashboard.wait(lambda: dashboard.text("#confirmation-code").strip("…"), "the snapshot's code")
    dashboard.click("#restore-dialog button.close")

    dashboard.click("[data-tab=restores]")
    dashboard.wait_for_text("#restores-table", backup_id)
    assert snapshot in dashboard.text("#restores-table")
    assert dashboard.csp_violations() == []
