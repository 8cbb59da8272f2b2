"""The post office's payment day, pure (issue 13 point 5): the marks a phone sends, checked
for shape; the results file they become; the totals of a payment point's day.

No Django here: :mod:`chitra.payments.services.payment_day` looks the items up, writes the
file and applies it through the status ingest, as an uploaded results file.

A mark says of one item: paid (``Đã chi``), or not collected (``Không nhận``) for a reason.
The results file is what :mod:`chitra.payments.status.cashresults` reads (the columns of
:mod:`chitra.payments.cashform`: ``Mã giao dịch``, ``Số tiền (đồng)``, ``Kết quả``, ``Lý do``),
one line per item in item order, so the same marks always give the same bytes (and the
ingest recognises a file sent twice by its SHA-256).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from chitra.core.errors import Problem
from chitra.payments import cashform

MAX_MARKS = 5_000  # a payment point's day is a few hundred people, a few thousand at most
MAX_NOTE = 500
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class MarkResult(StrEnum):
    PAID = "paid"
    NOT_COLLECTED = "not_collected"


class CashReason(StrEnum):
    """Why a person did not collect: three of the reasons of the filled-in cash list
    (:data:`cashform.REASONS`), whose label and code come from there. Deceased is
    ``cashform.DECEASED``, so the ingest stops the person's payments as for any death."""

    ABSENT = "absent"
    DECEASED = "deceased"
    REFUSED = "refused"

    @property
    def code(self) -> str:
        return _REASONS[self][1]

    @property
    def label(self) -> str:
        return _REASONS[self][0]


def _in_cashform(reason: CashReason) -> tuple[str, str]:
    """(label, code) of the list's reason that has ``reason`` among its spellings."""
    found = [(label, code) for label, code, spellings in cashform.REASONS
             if reason.value in spellings]
    if len(found) != 1:
        raise ImportError(f"cashform.REASONS must spell {reason.value!r} exactly once")
    return found[0]


_REASONS = {reason: _in_cashform(reason) for reason in CashReason}
if _REASONS[CashReason.DECEASED][1] != cashform.DECEASED:
    raise ImportError("the payment day's deceased reason must be cashform.DECEASED")
REASON_OF_CODE = {code: reason for reason, (_label, code) in _REASONS.items()}

# The columns and answers of the cash list the post office fills in (what cashresults reads).
CSV_HEADER = (cashform.CODE, cashform.AMOUNT, cashform.RESULT, cashform.REASON)
CSV_RESULT = {MarkResult.PAID: cashform.PAID, MarkResult.NOT_COLLECTED: cashform.NOT_COLLECTED}


@dataclass(frozen=True)
class Mark:
    client_id: str  # made by the phone; the page finds its answer by it
    item_id: int
    result: MarkResult
    reason: CashReason | None = None  # set exactly when not collected

    @property
    def reason_code(self) -> str:
        return self.reason.code if self.reason is not None else ""


@dataclass(frozen=True)
class Closing:
    """The officer closes the day (``Chốt``): the cash handed back, and why it differs from
    what the marks say should come back, if it does."""

    client_id: str
    cash_returned: int  # đồng
    note: str = ""


@dataclass(frozen=True)
class Posted:
    marks: list[Mark]
    closing: Closing | None


def _p(column: str, value: object, code: str, vi: str, en: str, row: int | None = None
       ) -> Problem:
    return Problem(row, column, str(value)[:100], code, vi, en)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_posted(body: object) -> tuple[Posted | None, list[Problem]]:
    """What a phone posted (decoded JSON), checked for shape: every problem at once, and
    nothing to apply unless there is none. Rows are 1-based positions in ``marks``."""
    if not isinstance(body, dict) or set(body) - {"marks", "close"}:
        return None, [_p("", "", "bad_shape", "Dữ liệu gửi lên không đúng dạng.",
                         "The data sent is not in the expected shape.")]
    raw = body.get("marks", [])
    if not isinstance(raw, list):
        return None, [_p("marks", "", "bad_shape", "Danh sách đánh dấu không đúng dạng.",
                         "The list of marks is not a list.")]
    if len(raw) > MAX_MARKS:
        return None, [_p("marks", len(raw), "too_many",
                         f"Quá nhiều dòng (tối đa {MAX_MARKS}).",
                         f"Too many marks (at most {MAX_MARKS}).")]
    problems: list[Problem] = []
    marks: list[Mark] = []
    seen_ids: set[str] = set()
    seen_items: set[int] = set()
    for row, entry in enumerate(raw, 1):
        mark = _mark(row, entry, problems)
        if mark is None:
            continue
        if mark.client_id in seen_ids:
            problems.append(_p("id", mark.client_id, "duplicate_id", "Mã dòng bị trùng.",
                               "The same mark id twice.", row))
        elif mark.item_id in seen_items:
            problems.append(_p("item", mark.item_id, "duplicate_item",
                               "Một người được đánh dấu hai lần.",
                               "The same person is marked twice.", row))
        else:
            seen_ids.add(mark.client_id)
            seen_items.add(mark.item_id)
            marks.append(mark)
    closing = _closing(body.get("close"), problems)
    if problems:
        return None, problems
    return Posted(marks, closing), []


def _mark(row: int, entry: object, problems: list[Problem]) -> Mark | None:
    if not isinstance(entry, dict) or set(entry) - {"id", "item", "result", "reason"}:
        problems.append(_p("", "", "bad_shape", "Dòng không đúng dạng.",
                           "The mark is not in the expected shape.", row))
        return None
    client_id, item = entry.get("id"), entry.get("item")
    result, reason = entry.get("result"), entry.get("reason") or None
    before = len(problems)
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        problems.append(_p("id", client_id, "bad_id", "Mã dòng không hợp lệ.",
                           "Invalid mark id.", row))
    if not _is_int(item) or not 0 < item < 2**63:  # type: ignore[operator]
        problems.append(_p("item", item, "bad_item", "Mã người nhận không hợp lệ.",
                           "Invalid item id.", row))
    if result not in set(MarkResult):
        problems.append(_p("result", result, "bad_result",
                           "Kết quả phải là 'Đã chi' hoặc 'Không nhận'.",
                           "Result must be paid or not collected.", row))
    elif result == MarkResult.NOT_COLLECTED and reason not in set(CashReason):
        problems.append(_p("reason", reason, "bad_reason",
                           "Không nhận: lý do phải là vắng mặt, đã chết hoặc từ chối.",
                           "Not collected: the reason must be absent, deceased or refused.",
                           row))
    elif result == MarkResult.PAID and reason is not None:
        problems.append(_p("reason", reason, "reason_when_paid",
                           "Đã chi thì không có lý do.", "A paid mark has no reason.", row))
    if len(problems) > before:
        return None
    assert isinstance(client_id, str)  # checked above, told to mypy
    assert isinstance(item, int)
    assert isinstance(result, str)
    return Mark(client_id, item, MarkResult(result),
                CashReason(reason) if isinstance(reason, str) else None)


def _closing(raw: object, problems: list[Problem]) -> Closing | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"id", "cash_returned", "note"}:
        problems.append(_p("close", "", "bad_shape", "Phần chốt ngày không đúng dạng.",
                           "The closing is not in the expected shape."))
        return None
    client_id, cash, note = raw.get("id"), raw.get("cash_returned"), raw.get("note", "")
    before = len(problems)
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        problems.append(_p("close.id", client_id, "bad_id", "Mã chốt không hợp lệ.",
                           "Invalid closing id."))
    if not _is_int(cash) or not 0 <= cash <= 10**15:  # type: ignore[operator]
        problems.append(_p("close.cash_returned", cash, "bad_amount",
                           "Số tiền nộp lại phải là số đồng, không âm.",
                           "The cash handed back must be a whole, non-negative number of đồng."))
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        problems.append(_p("close.note", "", "bad_note",
                           f"Giải thích tối đa {MAX_NOTE} ký tự.",
                           f"The explanation has at most {MAX_NOTE} characters."))
    if len(problems) > before:
        return None
    assert isinstance(client_id, str)  # checked above, told to mypy
    assert isinstance(cash, int)
    assert isinstance(note, str)
    return Closing(client_id, cash, note.strip())


def results_csv(marks: Iterable[Mark], items: Mapping[int, tuple[str, int]]) -> bytes:
    """The results file of ``marks`` (``items``: item id → (EndToEndId, amount)), lines in
    item order: the same marks give the same bytes."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for m in sorted(marks, key=lambda m: m.item_id):
        e2e, amount = items[m.item_id]
        w.writerow((e2e, amount, CSV_RESULT[m.result], m.reason_code))
    return out.getvalue().encode("utf-8")


# --- totals ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayTotals:
    people: int = 0
    amount: int = 0  # đồng handed to the point for the day
    paid: int = 0
    paid_amount: int = 0
    not_collected: int = 0
    not_collected_amount: int = 0

    @property
    def unmarked(self) -> int:
        return self.people - self.paid - self.not_collected

    @property
    def to_hand_back(self) -> int:
        """The cash that must come back: all that was not paid out (unmarked included)."""
        return self.amount - self.paid_amount


def day_totals(lines: Iterable[tuple[int, MarkResult | None]]) -> DayTotals:
    """Totals of (amount, result or None when unmarked) lines."""
    people = amount = paid = paid_amount = nc = nc_amount = 0
    for value, result in lines:
        people += 1
        amount += value
        if result == MarkResult.PAID:
            paid += 1
            paid_amount += value
        elif result == MarkResult.NOT_COLLECTED:
            nc += 1
            nc_amount += value
    return DayTotals(people, amount, paid, paid_amount, nc, nc_amount)


def closing_problems(totals: DayTotals, closing: Closing) -> list[Problem]:
    """Why the day cannot be closed yet: someone unmarked, or cash that differs from what
    should come back without a word of explanation."""
    problems: list[Problem] = []
    if totals.unmarked:
        problems.append(_p("close", totals.unmarked, "unmarked",
                           f"Còn {totals.unmarked} người chưa đánh dấu.",
                           f"{totals.unmarked} people are not marked yet."))
    if closing.cash_returned != totals.to_hand_back and not closing.note:
        problems.append(_p("close.cash_returned", closing.cash_returned, "cash_mismatch",
                           "Tiền mặt nộp lại khác số phải nộp lại; hãy giải thích chênh lệch.",
                           "The cash handed back differs from what must come back; explain "
                           "the difference."))
    return problems
