"""The client's address: the peer, or what trusted proxies say it is (X-Forwarded-For)."""

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import HTTPConnection

Network = IPv4Network | IPv6Network


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def client_address(connection: HTTPConnection, proxies: Sequence[Network]) -> str | None:
    """The address that made the request.

    X-Forwarded-For is read right to left, one hop per trusted proxy: each proxy appends the
    address it saw, so the first address not itself a trusted proxy is the client. Anything the
    client wrote further left is ignored, and without a trusted peer the header is not read.
    """
    current = connection.client.host if connection.client else None
    if current is None or not proxies:
        return current
    hops = [
        hop.strip()
        for header in connection.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    for hop in reversed(hops):
        if not _trusted(current, proxies):
            break
        try:
            current = str(ip_address(hop))
        except ValueError:
            break  # garbage: the last trusted hop is as far as the chain can be believed
    return current
