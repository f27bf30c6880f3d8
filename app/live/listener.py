"""One connection LISTENing on Lifeboat's database, kept alive and reconnected when lost.

Notifications sent while the connection is down are gone for good, so after every (re)connect
`on_connected` runs once LISTEN is in place: the hub re-reads what its subscribers watch, and
no change made during the outage is missed.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

logger = logging.getLogger("lifeboat.live")

CHANNEL = "lifeboat_jobs"  # what the trigger of migration 0008 notifies
APPLICATION_NAME = "lifeboat-listen"
# A connection that died without a word (a dropped network path) is found by this ping.
PING_SECONDS = 10.0
PING_TIMEOUT_SECONDS = 5.0
RETRY_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)


class Listener:
    def __init__(
        self,
        dsn: str,
        on_notify: Callable[[str], None],
        on_connected: Callable[[], None],
    ) -> None:
        self._dsn = dsn
        self._on_notify = on_notify
        self._on_connected = on_connected
        self.connected = asyncio.Event()

    async def run(self) -> None:
        """Listen until cancelled, reconnecting (with growing pauses) whenever the link drops."""
        failures = 0
        while True:
            try:
                await self._listen_once()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as err:
                if self.connected.is_set():
                    failures = 0  # it was up: start the pauses from the shortest again
                if failures == 0:
                    logger.warning("progress listener: %s; reconnecting", err)
            self.connected.clear()
            await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
            failures += 1

    async def _listen_once(self) -> None:
        conn = await asyncpg.connect(
            self._dsn, server_settings={"application_name": APPLICATION_NAME}
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._notified)
            self.connected.set()
            self._on_connected()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(PING_SECONDS):
                        await lost.wait()
                if not lost.is_set():
                    async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                        await conn.execute("SELECT 1")
            raise ConnectionError("the server closed the listening connection")
        finally:
            conn.terminate()

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self._on_notify(payload)
