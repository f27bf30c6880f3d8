"""The drill's restore: the restore pipeline's restore into a new database, nothing else.

A drill must prove that a backup restores the way an operator would restore it, so it uses
the very code restoreBackup(targetDatabase) runs (schema, rows, indexes, constraints, foreign
keys, sequences), not a look-alike; only the verdict on what went wrong is the drill's own.
"""

from app.archive.manifest import Manifest
from app.pipelines.context import PipelineContext
from app.pipelines.drill.pipeline import Loader
from app.pipelines.drill.progress import DrillProgress
from app.pipelines.restore.newdb import restore_into_new_database
from app.storage.client import ObjectStore


def new_database_loader(ctx: PipelineContext) -> Loader:
    """A Loader restoring with the restore pipeline, under `ctx`'s settings."""

    async def load(
        archives: ObjectStore,
        manifest: Manifest,
        server_url: str,
        database: str,
        progress: DrillProgress,
        *,
        jobs: int,
    ) -> dict[str, int]:
        # One COPY per table (the restore's way): the read-back hashes each table in its
        # physical order, which is then the archive's.
        loaded = await restore_into_new_database(
            ctx, manifest, server_url, database, progress, jobs=jobs
        )
        return loaded.records_count

    return load
