"""The restore dialog asks restorePlan what a restore would do, again for each option chosen,
shows it (or why the API would refuse it, or the API's error for the options), and restores
with the options the plan was made for."""

import os

import asyncpg
import dramatiq
from selenium.webdriver.common.keys import Keys

from app.pipelines.context import PipelineContext
from app.settings import get_settings
from tests.dashboard.restore_dialog import OUTCOME, restore_outcome
from tests.restores.support import clear_running_restores, completed_backup
from tests.support.selenium_browser import Dashboard

RESTORE_BUTTON = "#restore-confirm button[type=submit]"


async def _backup(ctx: PipelineContext, target: asyncpg.Connection) -> str:
    await target.execute(
        "CREATE TABLE recipes (id int PRIMARY KEY, title text NOT NULL);"
        "INSERT INTO recipes SELECT i, 'recipe ' || i FROM generate_series(1, 500) i;"
        "CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1), (2), (3);"
    )
    backup_id = await completed_backup(ctx, target)
    await clear_running_restores(ctx.settings.database_url)
    return backup_id


def _open_dialog(dashboard: Dashboard, token: str, backup_id: str) -> None:
    dashboard.open(f"#token={token}")
    dashboard.click(f"#backups-table tr[data-backup-id='{backup_id}'] button.restore")
    _settled(dashboard)


def _answers(dashboard: Dashboard) -> int:
    found = dashboard.js("return document.querySelector('#restore-plan')?.dataset.answers")
    return int(found or 0)


def _settled(dashboard: Dashboard, after: int = 0) -> str:
    """Wait for restorePlan's answer number `after` + 1 or later, shown with nothing pending;
    the plan's state then (ready, refused or error)."""
    state: str = dashboard.wait(
        lambda: dashboard.js(
            "const plan = document.querySelector('#restore-plan');"
            "return plan && Number(plan.dataset.answers) > arguments[0]"
            " && plan.dataset.state !== 'planning' ? plan.dataset.state : null",
            after,
        ),
        "restorePlan's answer",
    )
    return state


def _choose(dashboard: Dashboard, css: str) -> None:
    before = _answers(dashboard)
    dashboard.click(css)
    _settled(dashboard, before)


def _restore_enabled(dashboard: Dashboard) -> bool:
    return not dashboard.js(f"return document.querySelector('{RESTORE_BUTTON}').disabled")


def _type_target_database(dashboard: Dashboard, name: str) -> None:
    field = dashboard.find("#restore-options [name=targetDatabase]")
    before = _answers(dashboard)
    field.clear()
    # Leaving the field is what fires its change, as when an admin moves on to the code.
    field.send_keys(name + Keys.TAB)
    _settled(dashboard, before)


async def test_the_plan_is_shown_asked_again_per_option_and_the_restore_uses_them(
    dashboard: Dashboard,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup(pipeline_context, target)
    await target.execute(
        "DELETE FROM recipes WHERE id > 100; DROP TABLE users;"
        "ALTER TABLE recipes ADD COLUMN note text; CREATE TABLE notes (id int)"
    )
    _open_dialog(dashboard, admin_token, backup_id)

    replaced = dashboard.text("#plan-replaced tr[data-table='public.recipes']")
    assert replaced.split() == ["public.recipes", "100", "500"], replaced
    assert dashboard.text("#plan-created") == "public.users"
    assert dashboard.text("#plan-columns-added") == "public.recipes.note"
    assert "a pre-restore snapshot" in dashboard.text("#restore-plan")
    assert _restore_enabled(dashboard)

    # BACKUP rewinds the schema: the table created since would go, which the plan now says.
    _choose(dashboard, "#restore-options input[value=BACKUP]")
    assert "notes" in dashboard.text("#plan-dropped")
    assert "Columns dropped" in dashboard.text("#restore-plan")

    # A subset of tables under BACKUP: the API's refusal of the options, shown as it says it.
    _choose(dashboard, "#restore-tables input[value='public.users']")
    error = dashboard.text("#restore-plan .error")
    assert "BAD_USER_INPUT" in error and "tables" in error, error
    assert not _restore_enabled(dashboard)

    _choose(dashboard, "#restore-options input[value=CURRENT]")
    assert "Tables (1 of 2)" in dashboard.text("#restore-tables")
    assert dashboard.text("#plan-created") == ""  # users is not asked for now
    assert _restore_enabled(dashboard)

    _type_target_database(dashboard, "postgres")
    assert "BAD_USER_INPUT" in dashboard.text("#restore-plan .error")
    assert not _restore_enabled(dashboard)
    _type_target_database(dashboard, "")
    assert _restore_enabled(dashboard)

    dashboard.find("#restore-confirm input").send_keys(
        dashboard.wait(lambda: dashboard.text("#confirmation-code").strip("…"), "the code")
    )
    dashboard.click(RESTORE_BUTTON)
    text = restore_outcome(dashboard)
    assert "completed" in text and "public.recipes 500" in text, text
    assert await target.fetchval("SELECT count(*) FROM recipes") == 500
    # Only the table chosen: users, not asked for, was not created.
    assert await target.fetchval("SELECT to_regclass('public.users')") is None
    assert dashboard.csp_violations() == []


async def test_a_refused_plan_says_why_and_offers_no_restore(
    dashboard: Dashboard,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    backup_id = await _backup(pipeline_context, target)
    await target.execute("ALTER TABLE recipes DROP COLUMN title")
    _open_dialog(dashboard, admin_token, backup_id)

    assert _settled(dashboard) == "refused"
    refusal = dashboard.text("#restore-refusal")
    assert "would refuse" in refusal and "title" in refusal, refusal
    assert dashboard.text("#plan-columns-lost") == "public.recipes.title"
    assert not _restore_enabled(dashboard)

    # BACKUP brings the lost column back, so the API would do that one.
    _choose(dashboard, "#restore-options input[value=BACKUP]")
    assert dashboard.text("#restore-refusal") == ""
    assert "Columns brought back" in dashboard.text("#restore-plan")
    assert _restore_enabled(dashboard)
    assert await target.fetchval("SELECT count(*) FROM recipes") == 500


async def test_a_restore_into_a_new_database_is_planned_done_and_listed_as_such(
    dashboard: Dashboard,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
    worker: dramatiq.Worker,
) -> None:
    backup_id = await _backup(pipeline_context, target)
    other = f"lbtest_dash_{os.getpid()}"
    try:
        _open_dialog(dashboard, admin_token, backup_id)
        _type_target_database(dashboard, other)
        plan = dashboard.text("#restore-plan")
        assert "No table there now would be replaced" in plan, plan
        assert dashboard.text("#plan-created").split() == ["public.recipes", "public.users"]
        assert "no pre-restore snapshot" in plan and "left as they are" in plan, plan

        dashboard.find("#restore-confirm input").send_keys(
            dashboard.wait(lambda: dashboard.text("#confirmation-code").strip("…"), "the code")
        )
        dashboard.click(RESTORE_BUTTON)
        outcome = dashboard.wait_for_text(OUTCOME, "completed", 60)
        assert f"into database {other}" in outcome, outcome

        dashboard.click("#restore-dialog button.close")
        dashboard.click("[data-tab=restores]")
        dashboard.wait_for_text("#restores-table", f"into database {other}")
        copy = await asyncpg.connect(target_url(other))
        try:
            assert await copy.fetchval("SELECT count(*) FROM recipes") == 500
        finally:
            await copy.close()
    finally:
        await target.execute(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')


def target_url(database: str) -> str:
    """The configured target's server, another database on it."""
    return get_settings().target_database_url.rsplit("/", 1)[0] + f"/{database}"


async def test_the_plan_warns_of_an_owner_that_no_longer_exists(
    dashboard: Dashboard,
    admin_token: str,
    pipeline_context: PipelineContext,
    target: asyncpg.Connection,
) -> None:
    gone = f"lbtest_dash_{os.getpid()}_owner"
    await target.execute(f"DROP ROLE IF EXISTS {gone}; CREATE ROLE {gone}")
    try:
        await target.execute(f"CREATE TABLE pantry (id int); ALTER TABLE pantry OWNER TO {gone}")
        backup_id = await _backup(pipeline_context, target)
        await target.execute(f"DROP TABLE pantry; DROP ROLE {gone}")

        _open_dialog(dashboard, admin_token, backup_id)

        assert dashboard.text("#plan-created") == "public.pantry"
        warning = dashboard.text("#plan-warnings")
        assert "public.pantry" in warning and f"role {gone} does not exist" in warning, warning
        assert _restore_enabled(dashboard)  # a warning does not refuse the restore
    finally:
        await target.execute(f"DROP TABLE IF EXISTS pantry; DROP ROLE IF EXISTS {gone}")
