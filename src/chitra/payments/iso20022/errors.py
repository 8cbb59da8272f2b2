"""Errors of the ISO 20022 layer: one type, a message in Vietnamese and in English, a line."""

from __future__ import annotations


class Iso20022Error(Exception):
    """A file we write or read does not meet the format (or our safety rules).

    ``line`` is the source line in the XML document when known (readers), else ``None``.
    The caller maps it to a ``Problem`` or a ``DomainError`` at its edge.
    """

    def __init__(self, message_vi: str, message_en: str, line: int | None = None) -> None:
        super().__init__(message_en if line is None else f"{message_en} (line {line})")
        self.message_vi = message_vi
        self.message_en = message_en
        self.line = line


class Pain001Error(Iso20022Error):
    """The pain.001 writer refused its input; any bytes already written must be discarded."""
