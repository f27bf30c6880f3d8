"""Everything `make run` sets up before it starts processes: storage, databases, the demo."""

import asyncio
import logging
from pathlib import Path

from app.db.migrate import create_database_if_missing, upgrade_to_head
from app.db.urls import database_name
from app.devstack.demo import ensure_demo_database, ensure_demo_uploads
from app.devstack.preflight import Unavailable
from app.devstack.seaweed import SeaweedProcess, launch_seaweed, split_endpoint, start_seaweed
from app.devstack.watchdog import Watchdog
from app.settings import Settings
from app.storage.client import ObjectStore, create_client

log = logging.getLogger("lifeboat.devstack")


def start_storage(settings: Settings, watchdog: Watchdog) -> SeaweedProcess:
    """SeaweedFS on exactly LIFEBOAT_S3_ENDPOINT, with one data folder per port."""
    data_dir = storage_dir(settings)
    log.info("starting SeaweedFS on %s (data in %s)", settings.s3_endpoint, data_dir)
    try:
        return start_seaweed(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key.get_secret_value(),
            data_dir,
            started=watchdog.watch,
        )
    except RuntimeError as error:
        raise Unavailable(f"could not start SeaweedFS on {settings.s3_endpoint}: {error}") from None


def restart_storage(settings: Settings, watchdog: Watchdog) -> SeaweedProcess:
    """SeaweedFS again on the same address and data, without waiting: the caller keeps
    supervising (and may be asked to stop) meanwhile."""
    handle = launch_seaweed(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        storage_dir(settings),
    )
    watchdog.watch(handle.process.pid)
    return handle


def storage_dir(settings: Settings) -> Path:
    _, port = split_endpoint(settings.s3_endpoint)
    return (Path(settings.devstack_dir) / "seaweedfs" / str(port)).resolve()


def prepare_data(settings: Settings) -> None:
    """Both buckets, Lifeboat's database migrated, and the demo when it is the target."""
    client = create_client(settings)
    ObjectStore(client, settings.s3_bucket).ensure_bucket()
    uploads = ObjectStore(client, settings.uploads_bucket)
    uploads.ensure_bucket()
    if asyncio.run(create_database_if_missing(settings.database_url)):
        log.info("created database %s", database_name(settings.database_url))
    upgrade_to_head(settings.database_url)
    if not settings.target_is_demo:
        return
    demo = database_name(settings.target_database_url)
    if asyncio.run(ensure_demo_database(settings.target_database_url)):
        put = ensure_demo_uploads(uploads)
        log.info("filled demo database %s; put %d files in %s", demo, put, uploads.bucket)
    else:
        log.info("demo database %s already holds tables; left as it is", demo)
