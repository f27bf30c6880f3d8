"""The dashboard's main path: paste a token, create a backup, restore it by typing its code."""

import asyncpg
import dramatiq

from tests.support.selenium_browser import Dashboard

ROW = "#backups-table tr[data-backup-id='{}']"


async def test_create_a_backup_then_restore_it_by_typing_the_code(
    dashboard: Dashboard,
    admin_token: str,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    await target.execute(
        "CREATE TABLE recipes (id int PRIMARY KEY, title text NOT NULL);"
        "INSERT INTO recipes SELECT i, 'recipe ' || i FROM generate_series(1, 500) i;"
    )
    dashboard.open()
    dashboard.find("#token-input").send_keys(admin_token)
    dashboard.find(".token button[type=submit]").click()

    dashboard.find("#create-backup input[value=PARTIAL]").click()
    dashboard.find("#create-backup textarea[name=tables]").send_keys("recipes")
    dashboard.find("#create-backup [name=description]").send_keys("before the import")
    dashboard.find("#create-backup button[type=submit]").click()
    backup_id = dashboard.find("#created-backup code").text
    row = ROW.format(backup_id)

    def completed() -> bool:
        dashboard.find("section.backups .toolbar button").click()  # Refresh
        return "completed" in dashboard.text(row)

    dashboard.wait(completed, "the backup to complete")
    assert "public.recipes" in dashboard.text(row)
    assert "before the import" in dashboard.text(row)

    await target.execute("DELETE FROM recipes WHERE id > 100")
    dashboard.find(f"{row} button.restore").click()
    dashboard.wait_for_text("#restore-dialog", "public.recipes")
    code = dashboard.wait(lambda: dashboard.text("#confirmation-code").strip("…"), "the code")

    dashboard.find("#restore-confirm input").send_keys("WRONG-CODE")
    dashboard.find("#restore-confirm button[type=submit]").click()
    dashboard.wait_for_text("#restore-dialog .error", "UNAUTHORIZED")
    assert await target.fetchval("SELECT count(*) FROM recipes") == 100

    field = dashboard.find("#restore-confirm input")
    field.clear()
    field.send_keys(code)
    dashboard.find("#restore-confirm button[type=submit]").click()

    def restored() -> str:
        if dashboard.text("#restore-outcome").startswith("in progress"):
            dashboard.find("#refresh-restore").click()
        return dashboard.js("return document.getElementById('restore-outcome')?.dataset.status")

    assert dashboard.wait(lambda: restored() not in (None, "IN_PROGRESS"), "the outcome")
    outcome = dashboard.text("#restore-outcome")
    assert dashboard.js("return document.getElementById('restore-outcome').dataset.status") == (
        "COMPLETED"
    ), outcome
    assert "public.recipes 500" in outcome, outcome
    assert await target.fetchval("SELECT count(*) FROM recipes") == 500
    snapshot = dashboard.text("#pre-restore-snapshot")
    assert snapshot.startswith("bk_"), outcome

    # Undo: the pre-restore snapshot opens in the same dialog, with its own code.
    dashboard.find("#undo-restore").click()
    dashboard.wait_for_text("#restore-title", snapshot)
    dashboard.wait(lambda: dashboard.text("#confirmation-code").strip("…"), "the snapshot's code")
    dashboard.find("#restore-dialog button.close").click()

    dashboard.find("[data-tab=restores]").click()
    dashboard.wait_for_text("#restores-table", backup_id)
    assert snapshot in dashboard.text("#restores-table")
    assert dashboard.csp_violations() == []
