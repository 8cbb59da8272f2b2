"""Status lines read from bank files, without the database (DESIGN §6, §8).

Pure (no Django): a worker process can read the next file into ``COPY`` text while the main
process applies the one before (:func:`read_for_copy`, used by
:func:`chitra.payments.status.batch.ingest_status_files`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chitra.payments.iso20022 import Iso20022Error, camt054, pain002
from chitra.payments.iso20022.ids import item_id_part

# One status about one item, whatever the file format: (line, EndToEndId, code, reason,
# amount, OrgnlMsgId, group). code is an ISO status (ACSC, RJCT…) or BOOKED / RTRN /
# CASH_PAID / CASH_NOT_COLLECTED; a group line stands for every item of its msg id's file.
Line = tuple[int | None, str, str, str, int | None, str | None, bool]
PAIN002, CAMT054 = "pain002", "camt054"  # the StatusSource values of the XML files
MAX_STATUS_FILE_BYTES = 200 * 1024 * 1024


def read_xml_lines(path: Path, source: str) -> Iterator[Line]:
    """All status lines of a pain.002 or camt.054 file, streaming; group lines come last."""
    with path.open("rb") as f:
        if source == PAIN002:
            group_status: dict[str, tuple[str, str]] = {}
            for s in pain002.read_pain002(f, max_bytes=MAX_STATUS_FILE_BYTES):
                if s.level == "transaction":
                    if not s.original_end_to_end_id:
                        raise Iso20022Error("Thiếu OrgnlEndToEndId.", "OrgnlEndToEndId missing.",
                                            s.line)
                    yield (s.line, s.original_end_to_end_id, s.status, s.reason_code or "",
                           s.amount, s.original_msg_id, False)
                elif s.status not in ("PART",):
                    group_status[s.original_msg_id] = (s.status, s.reason_code or "")
            # A group/payment status (other than PART: "see each transaction") applies to
            # every item of the file the transaction lines do not name: a rejected batch
            # that lists one transaction rejects the others too.
            for msg, (code, reason) in group_status.items():
                yield None, f"*{msg}", code, reason, None, msg, True
        elif source == CAMT054:
            for n in camt054.read_camt054(f, max_bytes=MAX_STATUS_FILE_BYTES):
                if not n.end_to_end_id:
                    continue  # entries of other payments on the account are not ours
                code = "RTRN" if n.is_return else ("BOOKED" if n.confirms_payment else "")
                if code:
                    yield n.line, n.end_to_end_id, code, n.reason_code or "", n.amount, None, False
        else:
            raise ValueError(source)


@dataclass
class Staged:
    """What reading learnt about the lines on the way (no second pass over them)."""

    lines: int = 0
    msg_ids: dict[str, int] = field(default_factory=dict)  # OrgnlMsgId → lines naming it
    codes: set[str] = field(default_factory=set)
    ordered: bool = True  # item ids strictly increasing: no item is named twice
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # (msg id, code, reason)


def rows(lines: Iterable[Line], staged: Staged) -> Iterator[tuple[Any, ...]]:
    """The staging rows ``(n, line, EndToEndId, item id, code, reason, amount, msg id,
    group)`` of ``lines``; group lines are kept aside in ``staged``."""
    last = 0
    codes, msg_ids = staged.codes, staged.msg_ids
    for row, e2e, code, reason, amount, msg_id, group in lines:
        staged.lines += 1
        if group:
            staged.groups.append((msg_id or "", code, reason))
            continue
        item_id = item_id_part(e2e)
        if item_id is not None:
            if item_id <= last:
                staged.ordered = False
            last = item_id
        codes.add(code)
        if msg_id is not None:
            msg_ids[msg_id] = msg_ids.get(msg_id, 0) + 1
        yield staged.lines, row, e2e, item_id, code, reason, amount, msg_id, False


@dataclass(frozen=True)
class Parsed:
    """A file read ahead: its staging rows as ``COPY`` text, or why it cannot be read."""

    staged: Staged
    copy: bytes
    error: tuple[str, str, int | None] | None = None  # an Iso20022Error: (vi, en, line)


_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def read_for_copy(path: str, source: str) -> Parsed:
    """Read a pain.002 or camt.054 file into ``COPY`` text (PostgreSQL's text format)."""
    staged = Staged()
    out: list[str] = []
    escaped: dict[str | None, str] = {None: _NULL}  # code, reason, msg id: a few values
    try:
        for n, row, e2e, item_id, code, reason, amount, msg_id, _ in rows(
                read_xml_lines(Path(path), source), staged):
            c, r, m = escaped.get(code), escaped.get(reason), escaped.get(msg_id)
            if c is None or r is None or m is None:
                for v in (code, reason, msg_id):
                    if v not in escaped:
                        escaped[v] = v.translate(_ESCAPES)
                c, r, m = escaped[code], escaped[reason], escaped[msg_id]
            if item_id is None:  # else the id has our shape: nothing to escape
                e2e = e2e.translate(_ESCAPES)
            out.append(f"{n}\t{_NULL if row is None else row}\t{e2e}\t"
                       f"{_NULL if item_id is None else item_id}\t{c}\t{r}\t"
                       f"{_NULL if amount is None else amount}\t{m}\tf\n")
    except Iso20022Error as e:  # sent back as data: the exception does not pickle
        return Parsed(staged, b"", (e.message_vi, e.message_en, e.line))
    return Parsed(staged, "".join(out).encode())
