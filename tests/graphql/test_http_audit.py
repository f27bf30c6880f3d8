"""The endpoint passes graphql-http's GraphQL over HTTP audit with no errors and no warnings."""

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

AUDIT = Path(__file__).parent / "http_audit" / "audit.mjs"


def run_audit(url: str, token: str) -> list[dict[str, object]]:
    node = shutil.which("node")
    assert node, "node is not installed"
    assert (AUDIT.parent / "node_modules").is_dir(), "run `make install` (npm ci of http_audit/)"
    done = subprocess.run(
        [node, str(AUDIT), f"{url}/graphql", token],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: list[dict[str, object]] = json.loads(done.stdout)
    return results


def test_graphql_http_audit_has_no_errors_or_warnings(live_server: str, admin_token: str) -> None:
    results = run_audit(live_server, admin_token)
    failed = [r for r in results if r["status"] in ("error", "warn")]
    assert not failed, json.dumps(failed, indent=2)
    # The audit list is long; an empty one would pass vacuously.
    assert Counter(r["status"] for r in results)["ok"] >= 50, results


def test_the_audit_sees_auth_failures_without_a_token(live_server: str) -> None:
    # The same audit with a bad token must fail: proves the token really reaches the server.
    results = run_audit(live_server, "lb_not-a-real-token")
    assert any(r["status"] == "error" for r in results)
