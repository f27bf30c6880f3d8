"""Headless Chromium for tests: one-shot captures and a small DevTools-protocol driver."""

import itertools
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from app.devstack.processes import stop_process

# Quiet, offline, reproducible: no sandbox (root in CI), no GPU, no Google services.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,800",
]
DEADLINE = 30.0


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is missing: `make test` installs it (apt-get install chromium)"
    return path


def capture(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Chromium once on `url` (with --dump-dom or --screenshot=... in `args`)."""
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000"]
    return subprocess.run(
        [*command, *args, url], capture_output=True, text=True, timeout=120, check=True
    )


class Page:
    """One browser tab driven over the DevTools protocol; keeps the console errors it sees."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.errors: list[str] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=DEADLINE))
            if message.get("id") == message_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result
            self._record(message)

    def _record(self, event: dict[str, Any]) -> None:
        params = event.get("params", {})
        if event.get("method") == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"])
        elif event.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
            self.errors.append(" ".join(str(a.get("value", "")) for a in params["args"]))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait_for(self, expression: str) -> Any:
        """Poll `expression` until it is truthy; its value."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"still falsy after {DEADLINE}s: {expression}")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    # Chromium writes the port it picked for --remote-debugging-port=0 into the profile.
    active = profile / "DevToolsActivePort"
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert process.poll() is None, "chromium exited early"
        if active.is_file() and active.read_text().strip():
            return int(active.read_text().split()[0])
        time.sleep(0.1)
    raise AssertionError("chromium did not open its DevTools port")


@contextmanager
def browser_page(profile: Path) -> Iterator[Page]:
    """A fresh headless Chromium (its own profile) and its first tab."""
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0"]
    process = subprocess.Popen(
        [*command, "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        port = _devtools_port(profile, process)
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=DEADLINE).json()
        tab = next(t for t in targets if t["type"] == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=None) as socket:
            page = Page(socket)
            for domain in ("Page", "Runtime", "Log"):
                page.call(f"{domain}.enable")
            yield page
    finally:
        stop_process(process)
