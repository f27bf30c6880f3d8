"""The client's address: X-Forwarded-For is believed only from trusted proxies, hop by hop."""

from ipaddress import ip_network

from starlette.requests import Request

from app.http.client_address import client_address

PROXIES = [ip_network("10.0.0.0/8"), ip_network("127.0.0.1/32")]


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address(request("203.0.113.9", "198.51.100.1"), []) == "203.0.113.9"


def test_an_untrusted_peer_cannot_claim_another_address() -> None:
    assert client_address(request("203.0.113.9", "198.51.100.1"), PROXIES) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_address(request("127.0.0.1", "198.51.100.1"), PROXIES) == "198.51.100.1"


def test_each_trusted_hop_is_followed_and_what_the_client_wrote_is_not() -> None:
    # The client sent "X-Forwarded-For: 192.0.2.66" itself; two proxies appended behind it.
    forged = request("127.0.0.1", "192.0.2.66, 198.51.100.1, 10.1.2.3")
    assert client_address(forged, PROXIES) == "198.51.100.1"
    split_headers = request("127.0.0.1", "192.0.2.66, 198.51.100.1", "10.1.2.3")
    assert client_address(split_headers, PROXIES) == "198.51.100.1"


def test_garbage_stops_the_walk_at_the_last_trusted_hop() -> None:
    assert client_address(request("127.0.0.1", "not-an-ip"), PROXIES) == "127.0.0.1"
    assert client_address(request("127.0.0.1", "198.51.100.1, junk, 10.0.0.2"), PROXIES) == (
        "10.0.0.2"
    )


def test_a_request_without_a_peer_has_no_address() -> None:
    assert client_address(Request({"type": "http", "headers": []}), PROXIES) is None
