"""Post-office cash results (xlsx/csv): paid / not collected per item (DESIGN §6, §8).

The post office may send back the cash list chitra printed, filled in, as it is: the header
row is found by its labels among the first :data:`HEADER_SEARCH_ROWS` rows (title rows
above it are skipped), and rows that name no transaction and give no result (the total,
the signatures) are skipped too, as are lines not filled in yet. Labels and answers are
matched without accents, case or extra spaces (:func:`~chitra.core.text.fold_key`),
whatever their Unicode form. The columns (:mod:`chitra.payments.cashform`):

- ``Mã giao dịch`` — the EndToEndId printed on the list (required);
- ``Kết quả`` — ``Đã chi`` / ``Chưa nhận`` (``Không nhận`` too) (required);
- ``Số tiền`` (``Số tiền (đồng)``) — checked against the item by the ingest;
- ``Lý do`` — why not collected: ``Vắng mặt``, ``Đã chết``, ``Từ chối nhận``, ``Khác``,
  or the code itself (``ABSENT``, ``DEATH``, ``REFUSED``, ``OTHER``); ``Đã chết`` becomes
  ``DEATH``, held for BHXH to confirm before the person's payments stop;
- ``Ngày chi`` — the day paid, dd/mm/yyyy, not in the future (kept on the item's event).

This module reads and checks the file's shape and each cell; whether the codes and amounts
are the uploader's own items is the ingest's business. Rows stream out as they are read (a
results file of a million rows is never held in memory); any problem refuses the file with
every problem listed (row and column) once the file is read — the ingest's transaction then
rolls back what the rows before it staged, nothing applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.utils import timezone

from chitra.core.errors import Problem
from chitra.core.money import AmountError, parse_amount
from chitra.core.tabular import FORMULA_STARTS
from chitra.core.text import fold_key
from chitra.payments import cashform
from chitra.payments.status.transitions import CASH_NOT_COLLECTED, CASH_PAID
from chitra.registry.importing.reading import FileRefused, open_table

HEADER_SEARCH_ROWS = 30
MAX_PROBLEMS = 1000  # a file that bad is reported by its first problems
HEADERS = {
    "end_to_end_id": {fold_key(cashform.CODE), "end_to_end_id", "endtoendid", "ma gd"},
    "amount": {"so tien", "amount", fold_key(cashform.AMOUNT)},
    "result": {fold_key(cashform.RESULT), "result"},
    "reason": {fold_key(cashform.REASON), "reason"},
    "paid_on": {fold_key(cashform.PAID_ON), "ngay chi tra", "paid on", "date paid"},
}
RESULTS = {
    fold_key(cashform.PAID): CASH_PAID, "da nhan": CASH_PAID, "paid": CASH_PAID,
    fold_key(cashform.NOT_COLLECTED): CASH_NOT_COLLECTED, "khong nhan": CASH_NOT_COLLECTED,
    "not collected": CASH_NOT_COLLECTED, "not_collected": CASH_NOT_COLLECTED,
}
REASONS = {key: code for label, code, aliases in cashform.REASONS
           for key in (fold_key(label), fold_key(code), *aliases)}
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{2})-(\d{2})")
_LABELS = {"end_to_end_id": cashform.CODE, "amount": cashform.AMOUNT,
           "result": cashform.RESULT, "reason": cashform.REASON, "paid_on": cashform.PAID_ON}


@dataclass(frozen=True)
class CashResult:
    row: int
    end_to_end_id: str
    code: str
    reason: str  # a code of cashform.REASON_CODES, or "" (paid, or no reason given)
    amount: int | None
    paid_on: date | None = None


class CashResultError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _columns(cells: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, cell in enumerate(cells):
        folded = fold_key(cell or "")
        for key, names in HEADERS.items():
            if folded in names and key not in index:
                index[key] = i
    return index


def _header_not_found() -> CashResultError:
    return CashResultError([Problem(
        None, "", "", "header_missing",
        f"Không tìm thấy dòng tiêu đề có cột '{cashform.CODE}' và '{cashform.RESULT}' "
        f"trong {HEADER_SEARCH_ROWS} dòng đầu. Không có gì được thay đổi.",
        f"No header row with the columns '{cashform.CODE}' (transaction code) and "
        f"'{cashform.RESULT}' (result) in the first {HEADER_SEARCH_ROWS} rows. "
        "Nothing was changed.")])


class _Row:
    """One data row's cells by column key, and the problems found in it."""

    def __init__(self, row: int, cells: list[str], index: dict[str, int],
                 labels: dict[str, str], problems: list[Problem]) -> None:
        self.row, self.cells, self.index, self.problems = row, cells, index, problems
        self.labels = labels

    def value(self, key: str) -> str:
        i = self.index.get(key)
        return self.cells[i].strip() if i is not None and i < len(self.cells) else ""

    def problem(self, key: str, value: str, code: str, vi: str, en: str) -> None:
        self.problems.append(Problem(self.row, self.labels[key], value[:100], code, vi, en))


def _reason(r: _Row) -> str:
    text = r.value("reason")
    if not text:
        return ""
    code = REASONS.get(fold_key(text))
    if code is None:
        choices = ", ".join(cashform.REASON_CHOICES)
        r.problem("reason", text, "bad_reason", f"Lý do không hợp lệ; chọn một trong: {choices}.",
                  f"Unknown reason; use one of: {choices} (absent, deceased, refused, other).")
        return ""
    return code


def _paid_on(r: _Row) -> date | None:
    text = r.value("paid_on")
    if not text:
        return None
    m = _DATE.fullmatch(text.split(" ")[0])
    try:
        if m is None:
            raise ValueError(text)
        d, mo, y = (m.group(1, 2, 3) if m.group(1) else m.group(6, 5, 4))
        day = date(int(y), int(mo), int(d))
    except ValueError:
        r.problem("paid_on", text, "bad_date", "Ngày chi phải có dạng dd/mm/yyyy.",
                  "The date paid must be dd/mm/yyyy.")
        return None
    if day > timezone.localdate():
        r.problem("paid_on", text, "future_date", "Ngày chi ở tương lai.",
                  "The date paid is in the future.")
        return None
    return day


def _read_row(r: _Row) -> CashResult | None:
    """The row's result, None if it has none (or a problem, recorded)."""
    e2e, result = r.value("end_to_end_id"), r.value("result")
    for key in ("end_to_end_id", "result", "amount", "reason", "paid_on"):
        text = r.value(key)
        if text.startswith(FORMULA_STARTS) and not (key == "amount" and text[1:].isdigit()):
            r.problem(key, text, "formula", "Ô chứa công thức hoặc ký tự lạ ở đầu; hãy nhập giá "
                      "trị.", "The cell holds a formula or starts oddly; type the value.")
            return None
    if not result:
        if e2e and (r.value("reason") or r.value("paid_on")):
            r.problem("result", "", "result_missing", "Thiếu kết quả (Đã chi / Chưa nhận).",
                      "The result is missing (Đã chi = paid / Chưa nhận = not collected).")
        return None  # a title, total or signature row, or a line not filled in yet
    code = RESULTS.get(fold_key(result))
    if not e2e:
        if code is not None:
            r.problem("end_to_end_id", "", "code_missing", "Thiếu mã giao dịch.",
                      "The transaction code (EndToEndId) is missing.")
        return None  # a note or signature under the result column, not a result
    if code is None:
        r.problem("result", result, "bad_result",
                  f"Kết quả phải là '{cashform.PAID}' hoặc '{cashform.NOT_COLLECTED}'.",
                  f"Result must be '{cashform.PAID}' (paid) or '{cashform.NOT_COLLECTED}' "
                  "(not collected).")
        return None
    amount = None
    if amount_text := r.value("amount"):
        try:
            amount = parse_amount(amount_text)
        except AmountError:
            r.problem("amount", amount_text, "bad_amount",
                      "Số tiền không hợp lệ (số nguyên đồng).", "Invalid amount (whole đồng).")
            return None
    if code == CASH_PAID:
        return CashResult(r.row, e2e, code, "", amount, _paid_on(r))
    return CashResult(r.row, e2e, code, _reason(r), amount)


def read_cash_results(path: Path) -> Iterator[CashResult]:
    """Every result row, validated, streaming; after the last row raises
    :class:`CashResultError` listing every problem (if any), so the caller must not commit
    what it did with the rows before that.

    :func:`~chitra.registry.importing.reading.open_table` looks at an xlsx archive before
    any parser opens it: a zip bomb or a flood of shared strings is refused with its reason."""
    try:
        table = open_table(path)
    except FileRefused as e:
        raise CashResultError([Problem(None, "", "", e.code, e.message_vi, e.message_en)]) from e
    try:
        index, rows, heads = _columns(table.header), table.rows, table.header
        while "end_to_end_id" not in index or "result" not in index:
            found = next(rows, None)
            if found is None or found[0] > HEADER_SEARCH_ROWS:
                raise _header_not_found()
            heads = found[1]
            index = _columns(heads)
        # Problems name a column as the file does.
        labels = {**_LABELS, **{k: heads[i].strip() for k, i in index.items()}}
        problems: list[Problem] = []
        try:
            for row, cells in rows:
                read = _read_row(_Row(row, cells, index, labels, problems))
                if read is not None and not problems:  # a refused file needs no more rows
                    yield read
                if len(problems) >= MAX_PROBLEMS:
                    break
        except FileRefused as e:  # damaged further down: the whole file is refused
            raise CashResultError([*problems, Problem(None, "", "", e.code, e.message_vi,
                                                      e.message_en)]) from e
        if problems:
            raise CashResultError(problems)
    except FileRefused as e:
        raise CashResultError([Problem(None, "", "", e.code, e.message_vi, e.message_en)]) from e
    finally:
        table.close()
