"""Headless Chromium driven by Selenium through Debian's chromedriver, for the dashboard's tests.

The page's own events are recorded from before its first script runs: Content-Security-Policy
violations (a `securitypolicyviolation` listener installed over the DevTools protocol, which
the page's CSP does not apply to) and every network request (Chrome's performance log).
"""

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.support.browser import FLAGS, chromium

T = TypeVar("T")
DEADLINE = 30.0

RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


class Dashboard:
    """One Chromium window on the dashboard, with waits that say what they waited for."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self._requests: list[str] = []

    def open(self, fragment: str = "") -> None:
        self.driver.get(f"{self.base_url}/{fragment}")
        self.wait(lambda: self.js("return document.readyState") == "complete", "page load")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def wait(self, condition: Callable[[], T], what: str, timeout: float = DEADLINE) -> T:
        """Poll `condition` until truthy; its value. Fails naming `what`."""
        waiting = WebDriverWait(self.driver, timeout, poll_frequency=0.1)
        value: T = waiting.until(lambda _: condition(), message=f"waited {timeout}s for {what}")
        return value

    def find(self, css: str) -> WebElement:
        return self.wait(lambda: self._first(css), f"an element {css!r}")

    def click(self, css: str) -> None:
        """Click the element once it exists. Dispatched by the page itself: a panel appearing
        above it (a running job found on load) must not move it from under the pointer."""
        self.driver.execute_script("arguments[0].click()", self.find(css))

    def _first(self, css: str) -> WebElement | None:
        found = self.driver.find_elements("css selector", css)
        return found[0] if found else None

    def text(self, css: str) -> str:
        """The first match's visible text, "" if none. The page may re-render between finding
        the element and reading it (an error replaced once data loads): then it looks again."""
        for attempt in range(10):
            element = self._first(css)
            try:
                return element.text if element is not None else ""
            except StaleElementReferenceException:
                if attempt == 9:  # a page that never stops re-rendering fails here
                    raise
        raise AssertionError("unreachable")

    def wait_for_text(self, css: str, expected: str, timeout: float = DEADLINE) -> str:
        self.wait(lambda: expected in self.text(css), f"{expected!r} in {css!r}", timeout)
        return self.text(css)

    def csp_violations(self) -> list[str]:
        return list(self.js("return window.__cspViolations || []"))

    def requested_urls(self) -> list[str]:
        """Every URL the dashboard requested so far (HTTP and websockets), in order."""
        for entry in self.driver.get_log("performance"):  # type: ignore[no-untyped-call]
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            # Chromium's own pages (the first tab's new-tab page) are not the dashboard's doing.
            if not params.get("documentURL", self.base_url).startswith(self.base_url):
                continue
            if message["method"] == "Network.requestWillBeSent":
                self._requests.append(params["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                self._requests.append(params["url"])
        return list(self._requests)

    def console_errors(self) -> list[str]:
        logs = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return [entry["message"] for entry in logs if entry["level"] == "SEVERE"]


@contextmanager
def dashboard_browser(base_url: str, profile: Path) -> Iterator[Dashboard]:
    """A fresh headless Chromium with its own profile; quit afterwards."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    chromedriver = shutil.which("chromedriver")
    assert chromedriver, "chromedriver is missing: `make test` installs it (chromium-driver)"
    # Times on the page are the browser's local time: UTC here, whatever the machine's zone.
    service = Service(chromedriver, env={**os.environ, "TZ": "UTC"})
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_CSP_VIOLATIONS}
        )
        yield Dashboard(driver, base_url)
    finally:
        driver.quit()


def wait_until(condition: Callable[[], T], what: str, timeout: float = DEADLINE) -> T:
    """Poll a condition outside the browser (the database, the API)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"waited {timeout}s for {what}"
        time.sleep(0.1)
