"""The demo application `make run` provides when no target is configured: tables and uploads.

Filled once: a demo database that already holds tables is left as it is, so whatever a user
restored into it survives a restart.
"""

import struct
import zlib
from pathlib import Path

import asyncpg

from app.db.migrate import create_database_if_missing
from app.storage.client import ObjectStore

DEMO_SQL = Path(__file__).with_name("demo.sql").read_text()
# Serialises two stacks that share one demo database and start at the same moment.
FILL_LOCK = 0x6C6264656D6F  # "lbdemo"

_HAS_TABLES = """
SELECT EXISTS (
    SELECT 1 FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('information_schema', 'lifeboat')
      AND n.nspname NOT LIKE 'pg\\_%'
)
"""


async def ensure_demo_database(url: str) -> bool:
    """Create the demo database and fill it unless it holds tables; True if filled now."""
    await create_database_if_missing(url)
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():  # all or nothing: a half-filled demo is never left
            await conn.execute("SELECT pg_advisory_xact_lock($1)", FILL_LOCK)
            if await conn.fetchval(_HAS_TABLES):
                return False
            await conn.execute(DEMO_SQL)
        return True
    finally:
        await conn.close()


def demo_uploads() -> dict[str, tuple[bytes, str]]:
    """The files of the demo's uploads bucket: key → (bytes, content type)."""
    files: dict[str, tuple[bytes, str]] = {}
    for recipe in range(1, 7):  # demo.sql gives recipes 1-6 these photo_key values
        colour = (40 * recipe % 256, 90 + 20 * recipe, 200 - 25 * recipe)
        files[f"recipes/{recipe}/photo.png"] = (png(48, 32, colour), "image/png")
    for user in (1, 2):
        files[f"users/{user}/avatar.png"] = (png(16, 16, (200, 80 * user, 60)), "image/png")
    menu = "day,slot,recipe\n2025-01-06,dinner,Hearty soup\n2025-01-07,lunch,Quick salad\n"
    files["users/1/exports/menu-2025-01.csv"] = (menu.encode(), "text/csv")
    return files


def ensure_demo_uploads(store: ObjectStore) -> int:
    """Put the demo files that are missing (never overwrite one); return how many were put."""
    store.ensure_bucket()
    put = 0
    for key, (data, content_type) in demo_uploads().items():
        if not store.exists(key):
            store.put_bytes(key, data, content_type)
            put += 1
    return put


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid PNG of one colour: real image bytes without an imaging library."""
    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then RGB pixels

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
