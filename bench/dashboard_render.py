"""First render of the dashboard's backups view with many backups recorded, in headless Chromium.

    .venv/bin/python -m bench.dashboard_render [--backups 10000] [--runs 5]

Builds its own Lifeboat database (10,000 backup rows by default, as three admins' full, partial
and scheduled backups), serves the real app with uvicorn, and opens `/#token=…` in a fresh
headless Chromium (Selenium, Debian's chromedriver) for each run. "First render" is the time
from the navigation's start until the backups table holds its first page of rows, read by a
MutationObserver installed before the page's first script; "painted" is the start of the next
animation frame after that. Printed with the load average; the database is dropped after.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from app.auth import service as auth_service
from app.db.engine import create_engine, session_factory, transaction
from app.db.migrate import migrate
from bench.dataset import database_url, psql
from tests.support.selenium_browser import dashboard_browser
from tests.support.server import running_server

PAGE_ROWS = 50  # the dashboard's page size (static/js/store.js PAGE_SIZE)

RECORD_FIRST_RENDER = """
window.__firstRender = null;
new MutationObserver((changes, observer) => {
  const rows = document.querySelectorAll("#backups-table tbody tr").length;
  if (rows < %(rows)d) return;
  observer.disconnect();
  const rendered = performance.now();
  // Where the time went: the last module fetched, and the API's answers received so far.
  const entries = performance.getEntriesByType("resource");
  const ended = (test) => Math.max(0, ...entries.filter(test).map((e) => e.responseEnd));
  const modules = ended((e) => e.name.endsWith(".js"));
  const api = ended((e) => e.name.endsWith("/graphql"));
  requestAnimationFrame((painted) => {
    window.__firstRender = { rendered, painted, rows, modules, api };
  });
}).observe(document, { childList: true, subtree: true });
"""

SEED = """
INSERT INTO lifeboat.system_backups
  (backup_id, created_by, backup_type, status, file_path, file_size_bytes, tables_included,
   description, metadata, created_at, completed_at, error_message)
SELECT 'bk_bench_' || lpad(i::text, 6, '0'),
       ($1::uuid[])[1 + i % 3],
       kind, state,
       CASE WHEN state = 'completed' THEN 'backups/bk_bench_' || i || '/' END,
       CASE WHEN state = 'completed' THEN 1048576 * (50 + i % 900) END,
       CASE WHEN kind = 'partial' THEN '["public.recipes", "public.meal_plans"]'::jsonb
            ELSE '["public.activity_log", "public.ingredients", "public.meal_plan_entries",
                   "public.meal_plans", "public.recipe_ingredients", "public.recipes",
                   "public.users"]'::jsonb END,
       'bench backup ' || i, '{}'::jsonb,
       now() - i * interval '1 hour',
       now() - i * interval '1 hour' + (30 + i % 300) * interval '1 second',
       CASE WHEN state = 'failed' THEN 'storage refused the upload' END
FROM generate_series(1, $2) AS i,
     LATERAL (SELECT (ARRAY['full', 'partial', 'scheduled'])[1 + i % 3] AS kind,
                     CASE WHEN i % 40 = 0 THEN 'failed' ELSE 'completed' END AS state) AS s
"""


async def seed(url: str, backups: int) -> str:
    """Three admins, `backups` backups spread over them; a token of the first admin."""
    engine = create_engine(url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            admins = [
                await auth_service.ensure_admin(session, f"bench{n}@lifeboat.local")
                for n in range(3)
            ]
            _, token = await auth_service.issue_token(session, admins[0])
    finally:
        await engine.dispose()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(SEED, [admin.id for admin in admins], backups)
        await conn.execute("ANALYZE lifeboat.system_backups")
    finally:
        await conn.close()
    return token


def measure(base_url: str, token: str, profile: Path) -> dict[str, float]:
    with dashboard_browser(base_url, profile) as page:
        page.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": RECORD_FIRST_RENDER % {"rows": PAGE_ROWS}},
        )
        page.open(f"#token={token}")
        result: dict[str, float] = page.wait(
            lambda: page.js("return window.__firstRender"), "the backups table's first page"
        )
        assert page.csp_violations() == [], page.csp_violations()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backups", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    name = f"lbbench_dashboard_{os.getpid()}"
    url = database_url(name)
    psql("postgres", f'CREATE DATABASE "{name}"')
    try:
        migrate(url)
        token = asyncio.run(seed(url, args.backups))
        count = psql(name, "SELECT count(*) FROM lifeboat.system_backups").strip()
        env = {"LIFEBOAT_DATABASE_URL": url, "LIFEBOAT_TARGET_DATABASE_URL": url}
        with tempfile.TemporaryDirectory() as work, running_server(Path(work), **env) as api:
            results = []
            for run in range(args.runs):
                started = time.perf_counter()
                result = measure(api, token, Path(work) / f"profile-{run}")
                results.append(result)
                print(
                    f"run {run + 1}: rows in the DOM {result['rendered']:.0f} ms, painted "
                    f"{result['painted']:.0f} ms after navigation start (modules all loaded "
                    f"{result['modules']:.0f} ms, API answers in {result['api']:.0f} ms; "
                    f"browser start to finish {time.perf_counter() - started:.1f} s)"
                )
        rendered = [r["rendered"] for r in results]
        painted = [r["painted"] for r in results]
        print(
            f"{count} backups recorded, {PAGE_ROWS} rows shown, {args.runs} cold runs: "
            f"first render median {statistics.median(rendered):.0f} ms, "
            f"worst {max(rendered):.0f} ms; painted median {statistics.median(painted):.0f} ms, "
            f"worst {max(painted):.0f} ms"
        )
        print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
