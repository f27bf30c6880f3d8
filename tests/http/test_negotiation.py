"""Choosing the response media type from an Accept header."""

from app.http.negotiation import negotiate

JSON = "application/json"
GRAPHQL = "application/graphql-response+json"
OFFERS = (JSON, GRAPHQL)


def test_missing_or_blank_accept_gets_the_default() -> None:
    assert negotiate(None, OFFERS) == JSON
    assert negotiate("  ", OFFERS) == JSON


def test_wildcards_get_the_default() -> None:
    assert negotiate("*/*", OFFERS) == JSON
    assert negotiate("application/*", OFFERS) == JSON


def test_an_exact_type_beats_a_wildcard() -> None:
    assert negotiate(f"*/*, {GRAPHQL}", OFFERS) == GRAPHQL


def test_equal_types_go_to_the_one_listed_first() -> None:
    assert negotiate(f"{GRAPHQL}, {JSON}", OFFERS) == GRAPHQL
    assert negotiate(f"{JSON}, {GRAPHQL}", OFFERS) == JSON


def test_quality_wins_over_order() -> None:
    assert negotiate(f"{GRAPHQL};q=0.5, {JSON}", OFFERS) == JSON
    assert negotiate(f"{JSON}; q=0.9, {GRAPHQL}; charset=utf-8", OFFERS) == GRAPHQL


def test_q_zero_excludes_a_type_even_under_a_wildcard() -> None:
    assert negotiate(f"*/*, {JSON};q=0", OFFERS) == GRAPHQL


def test_nothing_acceptable_is_none() -> None:
    assert negotiate("text/html", OFFERS) is None
    assert negotiate("application/xml;q=1, */*;q=0", OFFERS) is None
    assert negotiate("garbage", OFFERS) is None
