"""Table names as SQL writes them: `schema.table` or bare `table` (= public.table).

Unquoted parts fold to lower case; double-quoted parts keep their case and may hold any
character, with "" standing for one quote. Anything else is refused, which is also what
keeps a name from smuggling SQL into a statement.
"""

import re
from typing import NamedTuple

from app.errors import BadUserInput

_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
MAX_IDENTIFIER_BYTES = 63


class QualifiedName(NamedTuple):
    schema: str
    name: str


def _read_part(text: str, start: int, original: str) -> tuple[str, int]:
    """One identifier beginning at `start`; returns it and the index after it."""
    if start < len(text) and text[start] == '"':
        chars: list[str] = []
        i = start + 1
        while i < len(text):
            if text[i] == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    chars.append('"')
                    i += 2
                    continue
                part = "".join(chars)
                if not part:
                    raise BadUserInput(f"table name {original!r} has an empty quoted identifier")
                return part, i + 1
            chars.append(text[i])
            i += 1
        raise BadUserInput(f"table name {original!r} has an unterminated quoted identifier")
    match = _UNQUOTED.match(text, start)
    if match is None:
        raise BadUserInput(
            f'table name {original!r} is not a valid SQL name (quote unusual names with "…")'
        )
    return match.group(0).lower(), match.end()


def parse_table_name(text: str) -> QualifiedName:
    """Parse `schema.table`, `table` or quoted forms into (schema, table)."""
    stripped = text.strip()
    if not stripped:
        raise BadUserInput("a table name is empty")
    parts: list[str] = []
    i = 0
    while True:
        part, i = _read_part(stripped, i, text)
        if "\x00" in part or len(part.encode()) > MAX_IDENTIFIER_BYTES:
            raise BadUserInput(f"table name {text!r} has an identifier PostgreSQL cannot hold")
        parts.append(part)
        if i == len(stripped):
            break
        if stripped[i] != "." or len(parts) == 2:
            raise BadUserInput(f"table name {text!r} is not `schema.table` or `table`")
        i += 1
    if len(parts) == 1:
        return QualifiedName("public", parts[0])
    return QualifiedName(parts[0], parts[1])


_SAFE_UNQUOTED = re.compile(r"[a-z_][a-z0-9_$]*")


def quote_identifier(part: str) -> str:
    """Always-quoted identifier for building SQL (safe whatever the name holds)."""
    return '"' + part.replace('"', '""') + '"'


def quoted_table(name: QualifiedName) -> str:
    return f"{quote_identifier(name.schema)}.{quote_identifier(name.name)}"
