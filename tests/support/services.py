"""Find or start the real services the tests need; refuse to run without them."""

import socket
from pathlib import Path

from app.devstack.seaweed import SeaweedProcess, s3_accepts_keys, split_endpoint, start_seaweed


def tcp_answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def require(host: str, port: int, name: str, how: str) -> None:
    if not tcp_answers(host, port):
        raise RuntimeError(f"{name} is not answering on {host}:{port}; start it with: {how}")


def ensure_seaweed(
    endpoint: str, access: str, secret: str, data_dir: Path
) -> SeaweedProcess | None:
    """Reuse an S3 server answering at `endpoint` with these keys, or start SeaweedFS there."""
    host, port = split_endpoint(endpoint)
    if tcp_answers(host, port):
        if s3_accepts_keys(endpoint, access, secret):
            return None
        raise RuntimeError(f"{endpoint} answers but refuses Lifeboat's test keys")
    return start_seaweed(endpoint, access, secret, data_dir)
