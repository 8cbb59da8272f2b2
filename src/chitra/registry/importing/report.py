"""The error report: every problem of an import as an xlsx sheet, written streaming.

The values come from the uploaded file, so every cell goes through :mod:`chitra.core.tabular`
(a text that a spreadsheet would run as a formula gets a leading apostrophe)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from chitra.core.errors import Problem
from chitra.core.tabular import save_workbook, xlsx_row

HEADER = ("Dòng / Row", "Cột / Column", "Giá trị / Value", "Mã lỗi / Code",
          "Lỗi / Problem (VI)", "Problem (EN)")
MAX_ROWS = 1_000_000  # an xlsx sheet holds 1,048,576 rows


class ErrorReport:
    """``with ErrorReport(path) as r: r.add(problem)`` — the file exists only if a problem
    was added. Rows are streamed to disk (openpyxl write-only mode)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.first: list[Problem] = []  # the first problems, for display
        self._wb: Any = None  # openpyxl write-only Workbook, created at the first problem
        self._ws: Any = None

    def __enter__(self) -> ErrorReport:
        return self

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.first) < 100:
            self.first.append(problem)
        if self.count > MAX_ROWS:
            return
        if self._ws is None:
            import openpyxl

            self._wb = openpyxl.Workbook(write_only=True)
            self._ws = self._wb.create_sheet("Lỗi - Problems")
            self._ws.append(HEADER)
        self._ws.append(xlsx_row([problem.row, problem.column, problem.value, problem.code,
                                  problem.message_vi, problem.message_en]))

    def close(self) -> Path | None:
        """Write the file; its path, or None if there was nothing to report."""
        if self._wb is None:
            return None
        if self.count > MAX_ROWS:
            self._ws.append([None, "", "", "truncated",
                             f"Chỉ ghi {MAX_ROWS} lỗi đầu tiên trên tổng số {self.count}.",
                             f"Only the first {MAX_ROWS} of {self.count} problems are listed."])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_workbook(self._wb, self.path)
        self._wb = self._ws = None
        return self.path

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._wb = self._ws = None
