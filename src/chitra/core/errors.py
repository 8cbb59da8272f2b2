"""Errors in data are data (Problem); errors in use are typed (DomainError). STYLE §2."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value of an input, reported with the others."""

    row: int | None
    column: str
    value: str
    code: str
    message_vi: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_vi} / {self.message_en}"


class DomainError(Exception):
    """A refused use case. ``code`` maps to an HTTP status, a UI message and a CLI exit code."""

    http_status = 400

    def __init__(self, code: str, message_vi: str, message_en: str = "") -> None:
        super().__init__(f"{code}: {message_vi}" + (f" / {message_en}" if message_en else ""))
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en or message_vi


class NotInScope(DomainError):
    http_status = 404

    def __init__(self) -> None:
        super().__init__("not_in_scope", "Không tìm thấy hoặc không có quyền xem.",
                         "Not found or not permitted.")
