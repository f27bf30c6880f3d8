"""Which database a restore may write, and how one-restore-at-a-time is keyed."""

import pytest

from app.errors import BadUserInput
from app.restores.targets import configured_target, database_key, restore_target
from app.settings import Settings


def test_the_key_is_server_and_database_whatever_the_spelling() -> None:
    assert database_key("postgresql://root@LocalHost/app") == "localhost:5432/app"
    assert database_key("postgres://u:p@127.0.0.1:5433/app") == "127.0.0.1:5433/app"


def test_no_target_database_means_the_configured_target(settings: Settings) -> None:
    target = restore_target(settings, None)
    assert target == configured_target(settings)
    assert not target.other and target.url == settings.target_database_url


def test_another_database_is_on_the_targets_server(settings: Settings) -> None:
    target = restore_target(settings, "copy_of_app_2")
    assert target.other and target.name == "copy_of_app_2"
    assert target.url.rsplit("/", 1) == [
        settings.target_database_url.rsplit("/", 1)[0],
        target.name,
    ]
    assert target.key != configured_target(settings).key


@pytest.mark.parametrize(
    "name", ["", "Upper", "1starts_with_digit", "has-dash", "has space", "x" * 64, 'q"uote']
)
def test_names_that_need_quoting_are_refused(settings: Settings, name: str) -> None:
    with pytest.raises(BadUserInput, match="not a valid name"):
        restore_target(settings, name)


def test_reserved_databases_are_refused(settings: Settings) -> None:
    own = settings.database_url.rsplit("/", 1)[1]
    configured = settings.target_database_url.rsplit("/", 1)[1]
    for name in ("postgres", "template0", "template1", own, configured):
        with pytest.raises(BadUserInput, match=" is "):
            restore_target(settings, name)
