"""A SeaweedFS of the test's own, to stop and start at will: the shared one (9000) stays up."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from app.devstack.seaweed import SeaweedProcess, free_port, start_seaweed
from app.pipelines.context import PipelineContext
from app.storage.client import ObjectStore, create_client
from tests.conftest import drop_bucket


@dataclass
class PrivateStorage:
    endpoint: str
    data_dir: Path
    access_key: str
    secret_key: str
    process: SeaweedProcess | None = None

    def start(self) -> None:
        self.process = start_seaweed(self.endpoint, self.access_key, self.secret_key, self.data_dir)

    def stop(self) -> None:
        """As abruptly as a crash or a lost server: SIGKILL."""
        if self.process is not None:
            self.process.process.kill()
            self.process.process.wait()
            self.process = None


@pytest.fixture
async def private_storage(
    pipeline_context: PipelineContext, tmp_path: Path
) -> AsyncIterator[tuple[PrivateStorage, PipelineContext]]:
    """SeaweedFS on a free port, and a pipeline context whose buckets live there."""
    settings = pipeline_context.settings
    storage = PrivateStorage(
        f"127.0.0.1:{free_port()}",
        tmp_path / "seaweedfs",
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
    )
    storage.start()
    private = settings.model_copy(update={"s3_endpoint": storage.endpoint})
    client = create_client(private)
    ctx = replace(
        pipeline_context,
        settings=private,
        archives=ObjectStore(client, settings.s3_bucket),
        uploads=ObjectStore(client, settings.uploads_bucket),
    )
    for store in (ctx.archives, ctx.uploads):
        store.ensure_bucket()
    yield storage, ctx
    if storage.process is None:
        storage.start()
    for store in (ctx.archives, ctx.uploads):
        drop_bucket(store)
    storage.stop()
