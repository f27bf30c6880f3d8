"""What a pipeline needs from its host process (a worker, a test, a benchmark)."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.settings import Settings
from app.storage.client import ObjectStore


@dataclass
class PipelineContext:
    settings: Settings
    # Lifeboat's own database (system_backups, restore_operations).
    sessions: async_sessionmaker[AsyncSession]
    archives: ObjectStore
    uploads: ObjectStore
