"""Load step: each table's archive object → download → SHA-256 → zstd → COPY FROM, streamed.

Runs inside the restore's transaction. read_object raises ArchiveCorrupted before it yields an
object's last bytes, so COPY never completes on a corrupted object and the transaction rolls
back. A damaged object can also feed COPY garbage that PostgreSQL rejects first; such an
error is told apart by checking the object's checksum, so the message says what is wrong.
"""

import asyncio
import threading
from collections.abc import Callable, Iterator

import asyncpg

from app.archive.manifest import TableEntry
from app.archive.reader import ArchiveCorrupted, read_object
from app.pipelines.restore_errors import TableRestoreError
from app.pipelines.restore_progress import RestoreProgress
from app.pipelines.restore_validate import RestorePlan
from app.storage.client import ObjectStore


class ArchiveStream:
    """An async iterable over an object's verified, decompressed bytes, one chunk read ahead.

    The blocking download and decompression run in a thread while COPY sends the previous
    chunk, and at most two chunks are held, whatever the table's size.
    """

    def __init__(
        self, archives: ObjectStore, entry: TableEntry, on_bytes: Callable[[int], None]
    ) -> None:
        self._chunks: Iterator[bytes] = read_object(
            archives, entry.object, sha256=entry.sha256, stored_bytes=entry.stored_bytes
        )
        self._on_bytes = on_bytes
        self._pending: asyncio.Future[bytes | None] | None = None
        # A generator must not be closed while a thread runs it (even one whose await was
        # cancelled): next and close take turns.
        self._turn = threading.Lock()

    def _next(self) -> bytes | None:
        with self._turn:
            return next(self._chunks, None)

    def _close(self) -> None:
        with self._turn:
            self._chunks.close()  # type: ignore[attr-defined]

    def _fetch(self) -> "asyncio.Future[bytes | None]":
        return asyncio.get_running_loop().run_in_executor(None, self._next)

    def __aiter__(self) -> "ArchiveStream":
        return self

    async def __anext__(self) -> bytes:
        chunk = await (self._pending or self._fetch())
        if chunk is None:
            self._pending = None
            raise StopAsyncIteration
        self._pending = self._fetch()
        self._on_bytes(len(chunk))
        return chunk

    async def close(self) -> None:
        """Stop reading and release the download."""
        if self._pending is not None:
            await asyncio.gather(self._pending, return_exceptions=True)
            self._pending = None
        await asyncio.to_thread(self._close)


def checksum_problem(archives: ObjectStore, entry: TableEntry) -> str | None:
    """Why the object fails its checks, or None when it is sound (blocking call)."""
    try:
        for _ in read_object(
            archives, entry.object, sha256=entry.sha256, stored_bytes=entry.stored_bytes
        ):
            pass
    except ArchiveCorrupted as error:
        return str(error)
    return None


async def load_table(
    conn: asyncpg.Connection,
    archives: ObjectStore,
    entry: TableEntry,
    copy_format: str,
    progress: RestoreProgress,
) -> int:
    """COPY one archived table into its (emptied) table; returns the rows PostgreSQL loaded."""
    stream = ArchiveStream(archives, entry, progress.add_bytes)
    try:
        status = await conn.copy_to_table(
            entry.table,
            schema_name=entry.schema,
            # No list for a table without copyable columns, as the export wrote it.
            columns=[column.name for column in entry.columns] or None,
            source=stream,
            format=copy_format,
        )
    except ArchiveCorrupted as error:
        raise TableRestoreError(entry.name, error) from error
    except asyncpg.PostgresError as error:
        problem = await asyncio.to_thread(checksum_problem, archives, entry)
        cause: BaseException = ArchiveCorrupted(problem) if problem else error
        raise TableRestoreError(entry.name, cause) from error
    finally:
        await stream.close()
    rows = int(str(status).rsplit(" ", 1)[-1])
    progress.rows += rows
    return rows


async def load_tables(
    conn: asyncpg.Connection, archives: ObjectStore, plan: RestorePlan, progress: RestoreProgress
) -> dict[str, int]:
    """Load every table of the plan; returns rows loaded per table (display names)."""
    loaded: dict[str, int] = {}
    for table in plan.tables:
        progress.current = table.entry.name
        loaded[table.entry.name] = await load_table(
            conn, archives, table.entry, plan.manifest.copy_format, progress
        )
        progress.tables_done += 1
    progress.current = None
    return loaded
