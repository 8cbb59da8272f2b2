"""Post-office cash results (xlsx/csv): paid / not collected per item (DESIGN §6).

Columns (header matched without accents or case): ``Mã giao dịch`` (the EndToEndId printed
on the cash list), ``Số tiền``, ``Kết quả`` (``Đã chi`` / ``Không nhận``), optional ``Lý do``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chitra.core.errors import Problem
from chitra.core.money import AmountError, parse_amount
from chitra.core.text import fold_key
from chitra.payments.status.transitions import CASH_NOT_COLLECTED, CASH_PAID
from chitra.registry.importing.reading import FileRefused, open_table

HEADERS = {
    "end_to_end_id": {"ma giao dich", "end_to_end_id", "endtoendid", "ma gd"},
    "amount": {"so tien", "amount", "so tien (dong)"},
    "result": {"ket qua", "result"},
    "reason": {"ly do", "reason"},
}
RESULTS = {
    "da chi": CASH_PAID, "da nhan": CASH_PAID, "paid": CASH_PAID,
    "khong nhan": CASH_NOT_COLLECTED, "chua nhan": CASH_NOT_COLLECTED,
    "not collected": CASH_NOT_COLLECTED, "not_collected": CASH_NOT_COLLECTED,
}


@dataclass(frozen=True)
class CashResult:
    row: int
    end_to_end_id: str
    code: str
    reason: str
    amount: int | None


class CashResultError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def read_cash_results(path: Path) -> Iterator[CashResult]:
    """Every row, validated; raises :class:`CashResultError` listing every problem.

    :func:`~chitra.registry.importing.reading.open_table` looks at an xlsx archive before
    any parser opens it: a zip bomb or a flood of shared strings is refused with its reason."""
    try:
        table = open_table(path)
    except FileRefused as e:
        raise CashResultError([Problem(None, "", "", e.code, e.message_vi, e.message_en)]) from e
    try:
        index: dict[str, int] = {}
        for i, cell in enumerate(table.header):
            for key, names in HEADERS.items():
                if fold_key(cell or "") in names:
                    index[key] = i
        missing = [k for k in ("end_to_end_id", "result") if k not in index]
        if missing:
            raise CashResultError([Problem(1, k, "", "column_missing",
                                           f"Thiếu cột {k}.", f"Column {k} is missing.")
                                   for k in missing])
        results: list[CashResult] = []
        problems: list[Problem] = []

        def value_of(cells: list[str], key: str) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        for row, cells in table.rows:
            e2e, result = value_of(cells, "end_to_end_id"), value_of(cells, "result")
            amount_text = value_of(cells, "amount")
            outcome = fold_key(result)
            if not e2e and not outcome:
                continue
            code = RESULTS.get(outcome)
            if code is None:
                problems.append(Problem(row, "result", result, "bad_result",
                                        "Kết quả phải là 'Đã chi' hoặc 'Không nhận'.",
                                        "Result must be 'Đã chi' (paid) or 'Không nhận'."))
                continue
            amount = None
            if amount_text:
                try:
                    amount = parse_amount(amount_text)
                except AmountError:
                    problems.append(Problem(row, "amount", amount_text, "bad_amount",
                                            "Số tiền không hợp lệ.", "Invalid amount."))
                    continue
            results.append(CashResult(row, e2e, code, value_of(cells, "reason")[:8], amount))
        if problems:
            raise CashResultError(problems)
        yield from results
    finally:
        table.close()
