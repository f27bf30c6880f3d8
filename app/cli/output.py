"""What a command prints: one JSON document on stdout with --json, else rich text.

With --json stdout holds exactly one document (the object, a list as one array, or
{"error": {"code", "message"}}); everything for people (notes, progress, prompts) goes to
stderr, so `lifeboat … --json | jq` always reads clean JSON.
"""

import json
import sys
from typing import Any

from rich.console import Console
from rich.markup import escape


class Output:
    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
        self.err = Console(stderr=True, highlight=False)

    def document(self, value: Any) -> None:
        """The command's JSON document (call once)."""
        sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def error(self, code: str, message: str) -> None:
        if self.as_json:
            self.document({"error": {"code": code, "message": message}})
        else:
            self.err.print(f"[bold red]error[/] {escape(message)} [dim]({code})[/]")

    def note(self, text: str) -> None:
        """A remark for people, on stderr (markup allowed)."""
        self.err.print(text)
