"""Job changes fanned out to subscribers: one read per change, delivered to each in order.

Every change to a job's row NOTIFYs its key (`backup:<backupId>`, `restore:<id>`). One task,
the dispatcher, handles keys one at a time: it reads the job's state once and hands it to every
subscriber watching that key. A new subscriber joins through the same task, which reads its
first state and only then adds it to the watchers, so each subscriber receives states in the
order they were read, and none older than one it already has. Changes that arrive faster than
they are read are merged (the next read sees them all); a subscriber that falls behind gets the
latest state, never a queue: memory stays constant, and the final state is never dropped.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from app.live.listener import Listener

logger = logging.getLogger("lifeboat.live")

Fetch = Callable[[str], Awaitable[Any]]
# A read that takes longer than this fails the joining subscriber (or is retried for watchers).
FETCH_TIMEOUT_SECONDS = 10.0
RETRY_READ_SECONDS = 1.0


class Watch:
    """What one subscriber receives: each state read for its key, the newest winning."""

    def __init__(self) -> None:
        self._state: Any = None
        self._error: BaseException | None = None
        self._ready = asyncio.Event()
        self.closed = False

    def deliver(self, state: Any) -> None:
        self._state = state
        self._ready.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._ready.set()

    def __aiter__(self) -> "Watch":
        return self

    async def __anext__(self) -> Any:
        await self._ready.wait()
        self._ready.clear()
        if self._error is not None:
            raise self._error
        return self._state


class JobFeed:
    """Subscribers of one API process, and the one LISTEN connection that serves them all."""

    def __init__(self, dsn: str, fetch: Fetch) -> None:
        self._fetch = fetch
        self._watchers: dict[str, set[Watch]] = {}
        self._queue: asyncio.Queue[tuple[str, Watch | None]] = asyncio.Queue()
        self._queued_reads: set[str] = set()
        self.listener = Listener(dsn, self.changed, self._reread_all)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.listener.run(), name="lifeboat-listen"),
            asyncio.create_task(self._dispatch(), name="lifeboat-feed"),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def watch(self, key: str) -> AsyncIterator[Watch]:
        """Watch one job: the first state comes at once, then each change, until the block ends."""
        watch = Watch()
        self._queue.put_nowait((key, watch))
        try:
            yield watch
        finally:
            watch.closed = True
            watchers = self._watchers.get(key)
            if watchers is not None:
                watchers.discard(watch)
                if not watchers:
                    del self._watchers[key]

    def changed(self, key: str) -> None:
        """A job changed (a notification): read it again if anyone watches it."""
        if key in self._watchers and key not in self._queued_reads:
            self._queued_reads.add(key)
            self._queue.put_nowait((key, None))

    def _reread_all(self) -> None:
        # Called once LISTEN is (again) in place: what changed while it was not is read now.
        for key in list(self._watchers):
            self.changed(key)

    async def _dispatch(self) -> None:
        while True:
            key, joining = await self._queue.get()
            if joining is None:
                self._queued_reads.discard(key)
                targets = [w for w in self._watchers.get(key, ()) if not w.closed]
            else:
                targets = [] if joining.closed else [joining]
            if not targets:
                continue
            try:
                async with asyncio.timeout(FETCH_TIMEOUT_SECONDS):
                    state = await self._fetch(key)
            except Exception as error:
                if joining is not None:
                    joining.fail(error)
                else:
                    logger.warning("could not read %s for its subscribers: %s", key, error)
                    asyncio.get_running_loop().call_later(RETRY_READ_SECONDS, self.changed, key)
                continue
            for watch in targets:
                watch.deliver(state)
            if joining is not None:
                self._watchers.setdefault(key, set()).add(joining)
