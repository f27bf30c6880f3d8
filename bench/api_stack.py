"""The API alone, on one uvicorn worker, over a Lifeboat database holding 10,000 backups.

`lifeboat serve` as a user starts it (one uvicorn worker, its access log on), on a database of
its own made for the run and dropped afterwards. The backups are recorded as a busy
installation's would be: a year of them, every type, some failed, each with its tables,
metadata and a finished progress report.
"""

import logging
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.devstack.seaweed import free_port
from app.settings import DEV_S3_ACCESS_KEY, DEV_S3_SECRET_KEY
from bench.dataset import database_url, psql
from bench.measure import run
from bench.stack import BIN, BROKER_URL, SHARED_S3, _api_answers, _start, _stop, _wait_until

log = logging.getLogger("bench.api")

BACKUPS = 10_000

_RECORD_BACKUPS = """
INSERT INTO lifeboat.system_backups
  (backup_id, created_by, backup_type, status, file_path, file_size_bytes, tables_included,
   description, metadata, created_at, completed_at, error_message, progress)
SELECT 'bk_' || to_char(at, 'YYYYMMDD"T"HH24MISS"Z"') || '_' || substr(md5(n::text), 1, 6),
       (SELECT id FROM lifeboat.admin_users WHERE email = 'bench@lifeboat.invalid'),
       (ARRAY['full', 'partial', 'scheduled'])[1 + n % 3],
       CASE WHEN n % 25 = 0 THEN 'failed' ELSE 'completed' END,
       CASE WHEN n % 25 = 0 THEN NULL ELSE 'backups/bk_' || n || '/' END,
       CASE WHEN n % 25 = 0 THEN NULL ELSE 50000000 + n * 1000 END,
       '["public.activity_log", "public.ingredients", "public.meal_plan_entries",
         "public.meal_plans", "public.recipe_ingredients", "public.recipes",
         "public.users"]'::jsonb,
       'backup number ' || n,
       jsonb_build_object('scheduleId', md5(n::text)),
       at, at + interval '95 seconds',
       CASE WHEN n % 25 = 0 THEN 'the worker exporting this backup stopped responding' END,
       '{"step": "completed", "percent": 100, "tablesDone": 7, "tablesTotal": 7,
         "rowsDone": 1350, "bytesDone": 104857600, "etaSeconds": 0,
         "stepTimes": [{"step": "snapshot", "seconds": 0.2}, {"step": "export", "seconds": 90.1},
                       {"step": "uploads", "seconds": 3.0}, {"step": "manifest", "seconds": 0.3}]
        }'::jsonb
  FROM generate_series(1, :count) AS n,
       LATERAL (SELECT now() - n * interval '53 minutes' AS at) AS t;
ANALYZE lifeboat.system_backups;
"""


@dataclass
class ApiStack:
    graphql_url: str
    token: str
    database_url: str
    env: dict[str, str]
    api_pid: int  # the uvicorn process (one worker: it serves every request)


@contextmanager
def api_stack(logs: Path, backups: int = BACKUPS) -> Iterator[ApiStack]:
    """A migrated Lifeboat database with `backups` recorded, served by `lifeboat serve`."""
    name = f"lifeboat_bench_api_{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        "LIFEBOAT_ENV": "dev",
        "LIFEBOAT_DATABASE_URL": database_url(name),
        # Only the list is measured: the target may be Lifeboat's own database.
        "LIFEBOAT_TARGET_DATABASE_URL": database_url(name),
        "LIFEBOAT_BROKER_URL": BROKER_URL,
        "LIFEBOAT_QUEUE_PREFIX": f"{name}_",
        "LIFEBOAT_S3_ENDPOINT": SHARED_S3,
        "LIFEBOAT_S3_ACCESS_KEY": DEV_S3_ACCESS_KEY,
        "LIFEBOAT_S3_SECRET_KEY": DEV_S3_SECRET_KEY,
        "LIFEBOAT_PORT": str(port),
    }
    with ExitStack() as exits:
        logs.mkdir(parents=True, exist_ok=True)
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        exits.callback(psql, "postgres", drop)
        # `admin create` creates and migrates the database, then makes the account.
        token = run([str(BIN / "lifeboat"), "admin", "create", "bench@lifeboat.invalid"], env=env)
        psql(name, _RECORD_BACKUPS.replace(":count", str(backups)))
        log.info("%s: %d backups recorded", name, backups)
        api_log = logs / "api-bench.log"
        api = _start([str(BIN / "lifeboat"), "serve", "--port", str(port)], env, api_log)
        exits.callback(_stop, api)
        url = f"http://127.0.0.1:{port}"
        _wait_until(lambda: _api_answers(url), "the API", api, api_log)
        token = token.strip().splitlines()[-1]
        yield ApiStack(f"{url}/graphql", token, database_url(name), env, api.pid)
