"""Every GraphQL document the dashboard sends is valid against the schema the API serves."""

import json
import subprocess

import pytest
from graphql import parse, validate

from app.dashboard.assets import STATIC
from app.graphql.schema import schema

DOCUMENTS = STATIC / "js/api/documents.js"


def dashboard_documents() -> dict[str, str]:
    """The documents exactly as the browser gets them: node imports the same ES module."""
    script = f"import * as d from {json.dumps(DOCUMENTS.as_uri())}; console.log(JSON.stringify(d));"
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    documents: dict[str, str] = json.loads(result.stdout)
    return documents


DASHBOARD_DOCUMENTS = dashboard_documents()


def test_the_dashboard_has_its_documents() -> None:
    assert {"BACKUPS", "CREATE_BACKUP", "RESTORE_BACKUP", "SCHEDULES"} <= set(DASHBOARD_DOCUMENTS)


@pytest.mark.parametrize("name", sorted(DASHBOARD_DOCUMENTS))
def test_each_document_is_valid_against_the_schema(name: str) -> None:
    errors = validate(schema._schema, parse(DASHBOARD_DOCUMENTS[name]))
    assert errors == [], [error.message for error in errors]
