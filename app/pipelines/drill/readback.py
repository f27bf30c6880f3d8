"""Read-back step: every restored table's rows, `COPY … TO`, hashed, against the manifest.

The export wrote each table as one text COPY stream and recorded its SHA-256 (stream_sha256).
Read back in the same session settings, with the same columns and the same query, a table
freshly loaded by COPY yields the same bytes in the same order (a heap filled by one COPY is
read in the order it was written), so equal digests prove the rows are byte for byte the rows
written. Tables are read on several connections at once, largest first; each stream is hashed
in a thread, one block in flight, so memory stays flat whatever the table's size.
"""

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import asyncpg

from app.archive.manifest import Manifest, TableEntry
from app.tables.names import QualifiedName, quote_identifier, quoted_table

# Bytes gathered before one hand-off to the hashing thread.
BLOCK_BYTES = 1 << 20
_SESSION = {
    "application_name": "lifeboat-drill-read",
    # A synchronised scan may start mid-table; the stream must start at the first row.
    "synchronize_seqscans": "off",
    # Never filter rows silently: PostgreSQL raises instead of applying policies.
    "row_security": "off",
    "statement_timeout": "0",
}


class Digest(Protocol):
    """What hashlib's and hmac's objects share (an encrypted archive's digests are HMACs)."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


DigestFactory = Callable[[], Digest]


@dataclass(frozen=True)
class TableReadBack:
    name: str
    rows: int
    raw_bytes: int
    digest: str

    def problem(self, entry: TableEntry) -> str | None:
        """What differs from the manifest's entry, or None when the table is intact."""
        if self.rows != entry.rows:
            return f"{self.rows} rows read back, the backup wrote {entry.rows}"
        if self.raw_bytes != entry.raw_bytes or self.digest != entry.stream_sha256:
            return (
                "its rows read back differ from the rows the backup wrote (SHA-256 of the "
                f"COPY stream {self.digest[:16]}…, {self.raw_bytes} bytes; the backup wrote "
                f"{entry.stream_sha256[:16]}…, {entry.raw_bytes} bytes)"
            )
        return None


class _HashSink:
    """COPY output → a digest updated in a thread, one block in flight (back-pressure)."""

    def __init__(self, digest: Digest, hasher: ThreadPoolExecutor, on_bytes: Callable[[int], None]):
        self._digest = digest
        self._hasher = hasher
        self._on_bytes = on_bytes
        self._buffer = bytearray()
        self._in_flight: asyncio.Future[None] | None = None
        self.size = 0

    async def __call__(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= BLOCK_BYTES:
            await self._hand_off()

    async def _hand_off(self) -> None:
        block, self._buffer = bytes(self._buffer), bytearray()
        if self._in_flight is not None:
            await self._in_flight
        self._in_flight = asyncio.get_running_loop().run_in_executor(
            self._hasher, self._digest.update, block
        )
        self.size += len(block)
        self._on_bytes(len(block))

    async def finish(self) -> str:
        if self._buffer:
            await self._hand_off()
        if self._in_flight is not None:
            await self._in_flight
        return self._digest.hexdigest()

    async def abandon(self) -> None:
        if self._in_flight is not None:
            await asyncio.gather(self._in_flight, return_exceptions=True)


async def read_back_table(
    conn: asyncpg.Connection,
    entry: TableEntry,
    digest: Digest,
    hasher: ThreadPoolExecutor,
    on_bytes: Callable[[int], None] = lambda _: None,
) -> TableReadBack:
    """COPY one table out exactly as the export did, hashing the stream."""
    sink = _HashSink(digest, hasher, on_bytes)
    columns = [column.name for column in entry.columns]
    try:
        if entry.kind == "p":
            # As the export: COPY TO refuses a partitioned table, a query reads every partition.
            names = ", ".join(quote_identifier(name) for name in columns)
            query = f"SELECT {names} FROM {quoted_table(QualifiedName(entry.schema, entry.table))}"
            status = await conn.copy_from_query(query, output=sink)
        else:
            status = await conn.copy_from_table(
                entry.table, schema_name=entry.schema, columns=columns or None, output=sink
            )
        hexdigest = await sink.finish()
    except BaseException:
        await sink.abandon()
        raise
    rows = int(str(status).rsplit(" ", 1)[-1])
    return TableReadBack(entry.name, rows, sink.size, hexdigest)


async def read_back(
    dsn: str,
    manifest: Manifest,
    *,
    connections: int,
    digest: DigestFactory = hashlib.sha256,
    on_table: Callable[[TableReadBack], None] = lambda _: None,
    on_bytes: Callable[[int], None] = lambda _: None,
) -> dict[str, TableReadBack]:
    """Read every table of the manifest back from the database at `dsn`, `connections` at once."""
    pending = sorted(manifest.tables, key=lambda t: t.raw_bytes, reverse=True)
    results: dict[str, TableReadBack] = {}
    settings = {**manifest.session_settings, **_SESSION}

    async def reader() -> None:
        conn = await asyncpg.connect(dsn, server_settings=settings)
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="drill-hash") as hasher:
                while pending:
                    entry = pending.pop(0)
                    result = await read_back_table(conn, entry, digest(), hasher, on_bytes)
                    results[entry.name] = result
                    on_table(result)
        finally:
            await conn.close()

    if not pending:
        return results
    count = max(1, min(connections, len(pending)))
    tasks = [asyncio.create_task(reader()) for _ in range(count)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
