"""What the dashboard tests that restore through the dialog share."""

from tests.support.selenium_browser import Dashboard

OUTCOME = "#restore-outcome"


def restore_outcome(dashboard: Dashboard) -> str:
    """Wait until the restore just asked for has finished (COMPLETED or FAILED); the outcome's
    text. A restore runs in the worker, so it may take longer than a page's usual wait."""
    dashboard.wait(
        lambda: (
            dashboard.js(f"return document.querySelector('{OUTCOME}')?.dataset.status")
            in ("COMPLETED", "FAILED")
        ),
        "the restore's outcome",
        60,
    )
    return dashboard.text(OUTCOME)
