"""Conversions of the plain postgresql:// URLs in settings for each driver."""

from urllib.parse import urlsplit, urlunsplit


def sqlalchemy_url(url: str) -> str:
    """postgresql://… → postgresql+asyncpg://… for SQLAlchemy's async engine."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


def asyncpg_dsn(url: str) -> str:
    """asyncpg accepts postgresql:// as is; normalise postgres:// too."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))
