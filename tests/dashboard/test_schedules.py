"""Schedules in the dashboard: create, a bad cron with the API's message, disable, edit."""

from app.pipelines.context import PipelineContext
from tests.support.selenium_browser import Dashboard


def fill(dashboard: Dashboard, name: str, value: str) -> None:
    field = dashboard.find(f"#schedule-form [name={name}]")
    field.clear()
    field.send_keys(value)


def row_text(dashboard: Dashboard, name: str) -> str:
    return dashboard.text(f"#schedules-table tr[data-schedule='{name}']")


def test_a_schedule_is_created_refused_for_a_bad_cron_disabled_and_edited(
    dashboard: Dashboard, admin_token: str, automation: PipelineContext
) -> None:
    dashboard.open(f"#token={admin_token}")
    dashboard.click("[data-tab=schedules]")
    dashboard.click("section.schedules .toolbar button")
    fill(dashboard, "name", "nightly-ui")
    fill(dashboard, "cron", "61 * * * *")
    dashboard.click("#schedule-form button[type=submit]")
    error = dashboard.wait_for_text("#schedule-form .error", "BAD_USER_INPUT")
    assert "61" in error or "cron" in error.lower(), error
    assert row_text(dashboard, "nightly-ui") == "", "a refused schedule must not be listed"

    fill(dashboard, "cron", "30 3 * * *")
    dashboard.click("#schedule-form button[type=submit]")
    dashboard.wait(lambda: row_text(dashboard, "nightly-ui"), "the new schedule's row")
    assert "30 3 * * *" in row_text(dashboard, "nightly-ui")
    assert "enabled" in row_text(dashboard, "nightly-ui")
    assert "not drilled" not in row_text(dashboard, "nightly-ui")  # verify defaults to true
    assert "03:30:00" in row_text(dashboard, "nightly-ui")  # its next run, in UTC here

    row = "#schedules-table tr[data-schedule='nightly-ui']"
    dashboard.click(f"{row} td.actions button")  # Disable
    dashboard.wait(lambda: "disabled" in row_text(dashboard, "nightly-ui"), "disabled")

    dashboard.click(f"{row} td.actions button:nth-child(2)")  # Edit
    fill(dashboard, "cron", "every day")
    dashboard.click("#schedule-form button[type=submit]")
    dashboard.wait_for_text("#schedule-form .error", "BAD_USER_INPUT")
    fill(dashboard, "cron", "15 4 * * *")
    dashboard.click("#schedule-form [name=enabled]")  # enable it again
    dashboard.click("#schedule-form [name=verify]")  # and stop drilling its backups
    dashboard.click("#schedule-form button[type=submit]")
    dashboard.wait(lambda: "04:15:00" in row_text(dashboard, "nightly-ui"), "the new next run")
    assert "enabled" in row_text(dashboard, "nightly-ui")
    assert "not drilled" in row_text(dashboard, "nightly-ui")
    assert dashboard.csp_violations() == []
