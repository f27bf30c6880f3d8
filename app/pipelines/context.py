"""What a pipeline needs from its host process (a worker, a test, a benchmark)."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.db.engine import create_engine, session_factory
from app.settings import Settings
from app.storage.client import ObjectStore, create_client


@dataclass
class PipelineContext:
    settings: Settings
    # Lifeboat's own database (system_backups, restore_operations).
    sessions: async_sessionmaker[AsyncSession]
    archives: ObjectStore
    uploads: ObjectStore


def open_context(settings: Settings) -> tuple[AsyncEngine, PipelineContext]:
    """A worker's or the scheduler's context; the caller disposes the engine when done."""
    engine = create_engine(settings.database_url, pool_size=2)
    client = create_client(settings)
    return engine, PipelineContext(
        settings=settings,
        sessions=session_factory(engine),
        archives=ObjectStore(client, settings.s3_bucket),
        uploads=ObjectStore(client, settings.uploads_bucket),
    )
