"""`make chaos`: fault scenarios too long for `make test`, or that restart a server.

Every test here is marked `chaos`, which `make test` deselects (pyproject.toml).
"""

import pytest

from tests.devstack.conftest import stack_env  # noqa: F401  (a whole stack's environment)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/chaos/" in str(item.fspath):
            item.add_marker(pytest.mark.chaos)
