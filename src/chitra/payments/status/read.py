"""Status lines read from bank files, without the database (DESIGN §6, §8).

Pure (no Django): a worker process can read the next file into ``COPY`` text while the main
process applies the one before (:func:`read_for_copy`, used by
:func:`chitra.payments.status.batch.ingest_status_files`).

Every line of a file comes out, ours or not: the stage applies what names one of our items
and sets the rest aside with what the bank said about it (``detail``). Only a file that
cannot be trusted at all — unsafe or malformed XML, not valid against its XSD, about an
account that is not the office's — raises :class:`Iso20022Error`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chitra.core.money import format_vnd
from chitra.payments.iso20022 import Iso20022Error, camt054, pain002
from chitra.payments.iso20022.ids import item_id_part
from chitra.payments.iso20022.text import DETAIL_MAX, clean_text

# One status about one item, whatever the file format:
# (line, EndToEndId, code, reason, amount, OrgnlMsgId, group, detail, entry_no, entry_total).
# code is an ISO status (ACSC, RJCT…), BOOKED / RTRN / CRDT / PDNG / INFO (camt.054, below)
# or CASH_PAID / CASH_NOT_COLLECTED; a group line stands for every item of its msg id's
# file. EndToEndId is as the file gives it ("" when the line names nothing, "NOTPROVIDED", a
# foreign id…). detail: the bank's own words, at most DETAIL_MAX characters, "" if none.
# entry_no / entry_total: for the lines of a camt.054 batch entry whose transactions carry no
# amount (amount is None): the entry's number in the file and the amount those lines share.
Line = tuple[int | None, str, str, str, int | None, str | None, bool, str, int | None,
             int | None]
PAIN002, CAMT054 = "pain002", "camt054"  # the StatusSource values of the XML files
MAX_STATUS_FILE_BYTES = 200 * 1024 * 1024

# camt.054 lines: a booked debit of a transfer (paid), a booked return, and the codes of
# what is never a status of ours — a booked credit that is not a return, an entry not (yet)
# booked (pending, future) and an information-only one. Not ISO payment statuses: the stage
# sets such lines aside, or holds them when they name one of our items.
BOOKED, RETURNED, CREDIT, NOT_BOOKED, INFO_ONLY = "BOOKED", "RTRN", "CRDT", "PDNG", "INFO"


def read_xml_lines(path: Path, source: str,
                   office_accounts: frozenset[str] | None = None) -> Iterator[Line]:
    """All status lines of a pain.002 or camt.054 file, streaming; group lines come last.

    ``office_accounts``: the accounts a camt.054 may notify (all of its notifications must
    be about one of them), ``None`` not to check.
    """
    with path.open("rb") as f:
        if source == PAIN002:
            yield from _pain002_lines(f)
        elif source == CAMT054:
            yield from _camt054_lines(f, office_accounts)
        else:
            raise ValueError(source)


def _pain002_lines(f: Any) -> Iterator[Line]:
    group_status: dict[str, tuple[str, str, str]] = {}
    for s in pain002.read_pain002(f, max_bytes=MAX_STATUS_FILE_BYTES):
        if s.level == "transaction":
            e2e = s.original_end_to_end_id
            if e2e is None or e2e == pain002.NOT_PROVIDED:
                # Banks that drop the EndToEndId echo our InstrId (the same id) or quote it.
                instr = s.original_instr_id
                e2e = (instr if instr and instr != pain002.NOT_PROVIDED
                       else s.referenced_id) or ""
            yield (s.line, e2e, s.status, s.reason_code or "", s.amount, s.original_msg_id,
                   False, s.detail, None, None)
        elif s.status != "PART":
            group_status[s.original_msg_id] = (s.status, s.reason_code or "", s.detail)
    # A group/payment status (other than PART: "see each transaction") applies to
    # every item of the file the transaction lines do not name: a rejected batch
    # that lists one transaction rejects the others too.
    for msg, (code, reason, detail) in group_status.items():
        yield None, f"*{msg}", code, reason, None, msg, True, detail, None, None


def _camt054_lines(f: Any, office_accounts: frozenset[str] | None) -> Iterator[Line]:
    for n in camt054.read_camt054(f, max_bytes=MAX_STATUS_FILE_BYTES,
                                  accounts=office_accounts):
        if not n.is_booked:
            code = INFO_ONLY if n.entry_status == INFO_ONLY else NOT_BOOKED
        elif n.is_return:
            code = RETURNED
        else:
            code = BOOKED if n.credit_debit == "DBIT" else CREDIT
        yield (n.line, n.end_to_end_id or "", code, n.reason_code or "", n.amount, None, False,
               _describe(n), n.entry_no, n.entry_total)


def _describe(n: camt054.Notification) -> str:
    """What the bank says about a camt.054 line, for a person: for a line not ours
    "DBIT 15.000 ₫ PMNT/ICDT/DMCT <reference> <text>", for ours the return's words if any."""
    if n.end_to_end_id is not None and item_id_part(n.end_to_end_id) is not None:
        return clean_text(n.info, max_len=DETAIL_MAX) if n.info else ""
    parts = (n.credit_debit, None if n.amount is None else format_vnd(n.amount), n.bank_code,
             n.reference and f"Ref {n.reference}", n.info)
    return clean_text(" ".join(p for p in parts if p), max_len=DETAIL_MAX)


@dataclass
class Staged:
    """What reading learnt about the lines on the way (no second pass over them)."""

    lines: int = 0
    msg_ids: dict[str, int] = field(default_factory=dict)  # OrgnlMsgId → lines naming it
    codes: set[str] = field(default_factory=set)
    ordered: bool = True  # item ids strictly increasing: no item is named twice
    # (msg id, code, reason, detail): a group line, the bank's words for each of its items
    groups: list[tuple[str, str, str, str]] = field(default_factory=list)


def rows(lines: Iterable[Line], staged: Staged) -> Iterator[tuple[Any, ...]]:
    """The staging rows ``(n, line, EndToEndId, item id, code, reason, amount, msg id,
    group, detail, entry_no, entry_total)`` of ``lines``; group lines are kept aside in
    ``staged``."""
    last = 0
    codes, msg_ids = staged.codes, staged.msg_ids
    for row, e2e, code, reason, amount, msg_id, group, detail, entry_no, entry_total in lines:
        staged.lines += 1
        if group:
            staged.groups.append((msg_id or "", code, reason, detail))
            continue
        item_id = item_id_part(e2e)
        if item_id is not None:
            if item_id <= last:
                staged.ordered = False
            last = item_id
        codes.add(code)
        if msg_id is not None:
            msg_ids[msg_id] = msg_ids.get(msg_id, 0) + 1
        yield (staged.lines, row, e2e, item_id, code, reason, amount, msg_id, False, detail,
               entry_no, entry_total)


@dataclass(frozen=True)
class Parsed:
    """A file read ahead: its staging rows as ``COPY`` text, or why it cannot be read."""

    staged: Staged
    copy: bytes
    error: tuple[str, str, int | None] | None = None  # an Iso20022Error: (vi, en, line)


_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def read_for_copy(path: str, source: str,
                  office_accounts: frozenset[str] | None = None) -> Parsed:
    """Read a pain.002 or camt.054 file into ``COPY`` text (PostgreSQL's text format), the
    twelve columns of :func:`rows` in that order."""
    staged = Staged()
    out: list[str] = []
    escaped: dict[str | None, str] = {None: _NULL, "": ""}  # code, reason, msg id: a few values
    try:
        for n, row, e2e, item_id, code, reason, amount, msg_id, _, detail, entry_no, total in (
                rows(read_xml_lines(Path(path), source, office_accounts), staged)):
            c, r, m = escaped.get(code), escaped.get(reason), escaped.get(msg_id)
            if c is None or r is None or m is None:
                for v in (code, reason, msg_id):
                    if v not in escaped:
                        escaped[v] = v.translate(_ESCAPES)
                c, r, m = escaped[code], escaped[reason], escaped[msg_id]
            if item_id is None:  # else the id has our shape: nothing to escape
                e2e = e2e.translate(_ESCAPES)
            if detail:
                detail = detail.translate(_ESCAPES)
            out.append(f"{n}\t{_NULL if row is None else row}\t{e2e}\t"
                       f"{_NULL if item_id is None else item_id}\t{c}\t{r}\t"
                       f"{_NULL if amount is None else amount}\t{m}\tf\t{detail}\t"
                       f"{_NULL if entry_no is None else entry_no}\t"
                       f"{_NULL if total is None else total}\n")
    except Iso20022Error as e:  # sent back as data: the exception does not pickle
        return Parsed(staged, b"", (e.message_vi, e.message_en, e.line))
    return Parsed(staged, "".join(out).encode())
