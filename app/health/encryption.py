"""Readiness of encryption: the configured keys open the newest backup's manifest.

What it catches is a key replaced by mistake (a typo, a regenerated dev key, the wrong secret
deployed): every backup made before would be lost the day it is needed, and new ones made
under a key nobody kept. A deliberate rotation keeps the previous key in
LIFEBOAT_ENCRYPTION_OLD_KEYS, which opens it, so /readyz stays up while `lifeboat keys
rewrap` is pending (its detail says so). A manifest that opened once is not read again until
a newer backup or other keys come.
"""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.archive.manifest import Manifest
from app.archive.sealing import open_manifest
from app.errors import PreconditionFailed
from app.retention.repository import newest_completed_id
from app.settings import Settings
from app.storage.client import ObjectStore
from app.storage.keys import manifest_key

_opened: dict[tuple[str, tuple[str, ...]], str] = {}


async def newest_backup_opens(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], archives: ObjectStore
) -> str:
    """A one-line detail; raises when the newest backup's manifest does not open."""
    async with sessions() as session:
        backup_id = await newest_completed_id(session)
    if backup_id is None:
        return "no backup yet"
    keyring = settings.keyring
    cache_key = (backup_id, (keyring.current_id or "", *sorted(keyring.ids)))
    if cache_key in _opened:
        return _opened[cache_key]
    key = manifest_key(backup_id)
    if not await asyncio.to_thread(archives.exists, key):
        # Not a key problem (a restore of it says what is): nothing to judge the keys by.
        return f"newest backup {backup_id} has no manifest to open"
    stored = await asyncio.to_thread(archives.get_bytes, key)
    try:
        Manifest.from_json(stored)
    except PreconditionFailed as error:
        # Damaged, not a key problem: a restore of it says so; the keys cannot be judged by it.
        return f"newest backup {backup_id}: {error.message}"
    manifest = open_manifest(stored, keyring)  # KeyNotConfigured names the key it needs
    entry = manifest.encryption
    if entry is None:
        detail = f"newest backup {backup_id} is not encrypted"
    elif entry.key_id == keyring.current_id:
        detail = f"newest backup {backup_id} opens with the current key {entry.key_id}"
    else:
        detail = (
            f"newest backup {backup_id} opens with old key {entry.key_id}; run `lifeboat keys "
            "rewrap` before dropping it"
        )
    _opened[cache_key] = detail
    return detail
