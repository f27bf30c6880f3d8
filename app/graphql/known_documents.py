"""Validation remembered per document text: the same queries arrive again and again.

Validating a document against the schema costs more than running a small query (the backups
list measured about a third of its CPU in validation). The result depends only on the
document's text, the schema and the validation rules, which are fixed for a process, so a text
that validated once is not validated again. Only successes are remembered: an invalid document
is validated (and reported) every time. Strawberry's own ValidationCache keys on the parsed
document, new at each request unless its ParserCache is used, and that one lets a syntax error
escape the error handling.
"""

from collections import OrderedDict
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 512


class KnownDocuments(SchemaExtension):
    _valid: "OrderedDict[str, None]" = OrderedDict()

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        known = text is not None and text in self._valid
        if known:
            assert text is not None
            self._valid.move_to_end(text)
            context.pre_execution_errors = []  # Strawberry skips validation when set
        yield
        if text is not None and not known and context.pre_execution_errors == []:
            self._valid[text] = None
            if len(self._valid) > MAX_DOCUMENTS:
                self._valid.popitem(last=False)
