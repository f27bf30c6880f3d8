"""Retention dry runs and webhooks in the dashboard, against the real API."""

from datetime import UTC, datetime, timedelta

import dramatiq

from app.backups import repository
from app.notifications.service import notify_backup_finished
from app.pipelines.context import PipelineContext
from tests.support.automation import Receiver, add_backup, add_schedule
from tests.support.selenium_browser import Dashboard
from tests.support.worker import wait_for


async def test_a_retention_dry_run_lists_what_would_go_and_why_the_rest_stays(
    dashboard: Dashboard, admin_token: str, automation: PipelineContext
) -> None:
    now = datetime.now(UTC)
    schedule = await add_schedule(
        automation, name="keep-one", cron="0 2 * * *", next_run_at=now, keep_last=1
    )
    metadata = {"scheduleId": str(schedule.id)}
    old = await add_backup(automation, now - timedelta(days=2), metadata=metadata)
    new = await add_backup(automation, now - timedelta(days=1), metadata=metadata)

    dashboard.open(f"#token={admin_token}")
    dashboard.click("[data-tab=retention]")
    dashboard.find("#retention-form option")
    dashboard.click("#retention-form button[type=submit]")
    report = dashboard.wait_for_text("#retention-report", "would be deleted")
    assert "Schedule keep-one: 1 would be deleted" in report, report
    lines = {line.split()[0]: line for line in report.splitlines() if line.startswith("bk_")}
    assert "would be deleted" in lines[old], report
    assert "kept: last" in lines[new], report
    # A dry run deletes nothing.
    async with automation.sessions() as session:
        assert await repository.get_by_backup_id(session, old) is not None


def test_a_webhook_is_added_with_its_secret_shown_once_then_paused(
    dashboard: Dashboard, admin_token: str, automation: PipelineContext
) -> None:
    dashboard.open(f"#token={admin_token}")
    dashboard.click("[data-tab=webhooks]")
    dashboard.find("#webhook-form [name=url]").send_keys("ftp://example.invalid/hook")
    dashboard.click("#webhook-form button[type=submit]")
    dashboard.wait_for_text("#webhook-form .error", "BAD_USER_INPUT")

    url = dashboard.find("#webhook-form [name=url]")
    url.clear()
    url.send_keys("http://127.0.0.1:9/hooks/lifeboat")
    dashboard.click("#webhook-form [value='backup.failed']")
    dashboard.click("#webhook-form [value='backup.verification_failed']")
    dashboard.click("#webhook-form button[type=submit]")
    secret = dashboard.wait_for_text("#webhook-form .secret", "shown only now")
    assert len(dashboard.text("#webhook-form .secret code")) >= 16, secret
    dashboard.wait_for_text("#webhooks-table", "backup.failed, backup.verification_failed")
    dashboard.click("#webhooks-table td.actions button")  # Pause
    dashboard.wait_for_text("#webhooks-table", "paused")


async def test_a_webhook_added_here_gets_a_delivery_listed_with_its_status(
    dashboard: Dashboard,
    admin_token: str,
    automation: PipelineContext,
    receiver: Receiver,
    full_worker: dramatiq.Worker,
) -> None:
    from workers.actors.notifications import send_delivery

    dashboard.open(f"#token={admin_token}")
    dashboard.click("[data-tab=webhooks]")
    dashboard.find("#webhook-form [name=url]").send_keys(receiver.url)
    dashboard.click("#webhook-form [value='backup.completed']")
    dashboard.click("#webhook-form button[type=submit]")
    dashboard.wait_for_text("#webhooks-table", receiver.url)

    backup_id = await add_backup(automation, datetime.now(UTC), with_objects=False)
    await notify_backup_finished(automation.sessions, automation.settings, backup_id, send_delivery)
    await wait_for(lambda: receiver.received, timeout=30, message="the receiver's POST")

    def delivered() -> str:
        dashboard.click(".webhooks .toolbar button")  # Refresh: deliveries are not live
        return (
            dashboard.text("#deliveries-table tbody")
            if "delivered" in dashboard.text("#deliveries-table tbody")
            else ""
        )

    row = dashboard.wait(delivered, "the delivery, delivered")
    assert backup_id in row and "backup.completed" in row and receiver.url in row, row
