"""The archive's schema dump, read back by pg_restore: its entries with their SQL, and which
of them pg_restore runs after the data.

The object is downloaded (its SHA-256 checked, as every archive object's) into a temporary
file, because pg_restore reads a custom-format dump by seeking in it. It is small: a schema,
no rows.
"""

import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.archive.manifest import Manifest, SchemaEntry, require_schema
from app.archive.reader import read_object
from app.crypto.datakey import DataKey
from app.pgtools import find_program
from app.pipelines.restore.schema.select import SchemaGraph
from app.pipelines.restore.schema.toc import Script, TocEntry, parse_script
from app.settings import Settings
from app.storage.client import ObjectStore

STDERR_BYTES = 4096
# Run by pg_restore after everything else, in its grants pass and the pass after it.
_AFTER_DATA_KINDS = {"ACL", "DEFAULT ACL", "EVENT TRIGGER", "MATERIALIZED VIEW DATA"}


class SchemaUnreadable(Exception):
    """pg_restore could not read the archived schema."""


@dataclass(frozen=True)
class ArchivedSchema:
    script: Script
    # Entries pg_restore runs after the data: post-data (indexes, constraints, triggers, …),
    # then grants, then what needs grants first.
    after_data: frozenset[int]

    @property
    def graph(self) -> SchemaGraph:
        return SchemaGraph(self.script.entries)

    def before(self, chosen: set[int]) -> list[TocEntry]:
        """The chosen entries to run before the data, in pg_restore's order."""
        return [e for e in self.script.entries if e.id in chosen and e.id not in self.after_data]

    def after(self, chosen: set[int]) -> list[TocEntry]:
        """The chosen entries to run after the data, in pg_restore's order."""
        return [e for e in self.script.entries if e.id in chosen and e.id in self.after_data]


async def read_archived_schema(
    settings: Settings, archives: ObjectStore, manifest: Manifest, mode: str
) -> ArchivedSchema:
    """The backup's schema; PreconditionFailed if its archive has none (`mode` says why it is
    needed), SchemaUnreadable if pg_restore cannot read it."""
    entry = require_schema(manifest, mode)
    major = int(entry.pg_dump_version.split(".")[0] or 0) if entry.pg_dump_version else 0
    program = await asyncio.to_thread(find_program, "pg_restore", major, settings.pg_bin_dir)
    with tempfile.TemporaryDirectory(prefix="lifeboat-schema-") as folder:
        path = Path(folder) / "schema.dump"
        await asyncio.to_thread(_download, archives, entry, manifest.data_key, path)
        script = await _pg_restore(program.path, "--verbose", "--file=-", str(path))
        listing = await _pg_restore(program.path, "--list", "--section=post-data", str(path))
    post_data = {int(line.split(";", 1)[0]) for line in listing.splitlines() if line[:1].isdigit()}
    parsed = parse_script(script)
    after = post_data | {e.id for e in parsed.entries if e.kind in _AFTER_DATA_KINDS}
    return ArchivedSchema(parsed, frozenset(after))


def _download(
    archives: ObjectStore, entry: SchemaEntry, data_key: DataKey | None, path: Path
) -> None:
    with path.open("wb") as out:
        for block in read_object(
            archives,
            entry.object,
            sha256=entry.sha256,
            stored_bytes=entry.stored_bytes,
            data_key=data_key,
        ):
            out.write(block)


async def _pg_restore(program: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        program,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PGOPTIONS": ""},
    )
    try:
        out, err = await process.communicate()
    finally:
        if process.returncode is None:  # cancelled: pg_restore must not outlive us
            process.kill()
            await process.wait()
    if process.returncode != 0:
        said = err.decode(errors="replace").strip()[-STDERR_BYTES:].replace("\n", " / ")
        raise SchemaUnreadable(
            f"pg_restore could not read the archived schema (exit code {process.returncode}): "
            f"{said or 'no message'}"
        )
    return out.decode()
