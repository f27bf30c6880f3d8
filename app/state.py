"""Resources built at start-up (in the lifespan) and shared by requests: the typed app state."""

from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.jobs import Jobs
from app.live.feed import JobFeed
from app.settings import Settings
from app.storage.client import ObjectStore


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    # A small pool on the application database, for checking table names in requests.
    target_pool: asyncpg.Pool
    archives: ObjectStore
    jobs: Jobs
    # Backups and restores as they change, for subscriptions (one LISTEN connection).
    live: JobFeed
