"""The dashboard in a real headless Chromium; a screenshot is kept when a browser test fails."""

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.support.selenium_browser import Dashboard, dashboard_browser


@pytest.fixture
def dashboard(live_server: str, tmp_path: Path) -> Iterator[Dashboard]:
    with dashboard_browser(live_server, tmp_path / "chromium-profile") as browser:
        yield browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    browser = getattr(item, "funcargs", {}).get("dashboard")
    if report.when != "call" or not report.failed or not isinstance(browser, Dashboard):
        return
    folder: Path = item.funcargs.get("tmp_path") or Path.cwd()  # type: ignore[attr-defined]
    screenshot = folder / "failure.png"
    browser.driver.save_screenshot(str(screenshot))
    console = "\n".join(browser.console_errors()) or "(none)"
    report.sections.append(("dashboard", f"screenshot: {screenshot}\nconsole errors:\n{console}"))
    print(f"\ndashboard screenshot kept at {screenshot}")
