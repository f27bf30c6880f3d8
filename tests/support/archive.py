"""Read an export's archive back in tests: raw COPY bytes, or loaded into another database."""

import asyncio
import io
import json

import asyncpg

from app.archive.manifest import Manifest, TableEntry
from app.archive.reader import read_object
from app.archive.sealing import open_manifest
from app.crypto.datakey import DataKey
from app.settings import get_settings
from app.storage.client import ObjectStore
from app.storage.keys import manifest_key, schema_key


def stored_manifest(archives: ObjectStore, backup_id: str) -> Manifest:
    """The stored manifest, opened (authenticated, data key unwrapped) with the test run's key."""
    return open_manifest(archives.get_bytes(manifest_key(backup_id)), get_settings().keyring)


def flip_one_byte(archives: ObjectStore, key: str) -> None:
    """Damage an object so that only reading it finds out: same size, its middle byte flipped."""
    data = bytearray(archives.get_bytes(key))
    data[len(data) // 2] ^= 0x01
    archives.put_bytes(key, bytes(data), content_type="application/zstd")


def damage_table(archives: ObjectStore, backup_id: str, table: str | None = None) -> TableEntry:
    """Flip one byte of a table's stored rows: the backup's first table, or the one named."""
    tables = stored_manifest(archives, backup_id).tables
    entry = tables[0] if table is None else next(t for t in tables if t.name == table)
    flip_one_byte(archives, entry.object)
    return entry


async def copy_bytes(archives: ObjectStore, entry: TableEntry, data_key: DataKey | None) -> bytes:
    """A table's decrypted, decompressed COPY stream, checksum verified."""

    def read() -> bytes:
        chunks = read_object(
            archives,
            entry.object,
            sha256=entry.sha256,
            stored_bytes=entry.stored_bytes,
            data_key=data_key,
        )
        return b"".join(chunks)

    return await asyncio.to_thread(read)


async def load_archive(conn: asyncpg.Connection, archives: ObjectStore, manifest: Manifest) -> None:
    """COPY every archived table into the same (empty) tables of `conn`'s database.

    Triggers and foreign keys are off for the load (session_replication_role = replica), as
    a restore runs; the manifest's session settings make the text COPY parse as written.
    """
    settings = {**manifest.session_settings, "session_replication_role": "replica"}
    async with conn.transaction():
        for name, value in settings.items():
            await conn.execute("SELECT set_config($1, $2, true)", name, value)
        for entry in manifest.tables:
            data = await copy_bytes(archives, entry, manifest.data_key)
            await conn.copy_to_table(
                entry.table,
                schema_name=entry.schema,
                columns=[column.name for column in entry.columns] or None,
                source=io.BytesIO(data),
            )


def as_format_version_1(archives: ObjectStore, backup_id: str) -> str:
    """Turn a plain (unencrypted) archive into one written before schemas were archived, as
    version 1 wrote it; returns its createdAt."""
    manifest = json.loads(archives.get_bytes(manifest_key(backup_id)))
    assert manifest.pop("encryption") is None, "version 1 archives were never encrypted"
    added_since = ("schema", "database", "requestedAt", "createdBy", "description", "metadata")
    for field in added_since:
        del manifest[field]
    for table in manifest["tables"]:
        del table["streamSha256"]
    manifest["formatVersion"] = 1
    archives.delete_prefix(schema_key(backup_id))
    archives.put_bytes(manifest_key(backup_id), json.dumps(manifest).encode())
    created_at: str = manifest["createdAt"]
    return created_at
