"""Status in: pain.002, camt.054 and post-office cash results → item statuses (DESIGN §8).

Apply what is ours, set aside what is not, hold contradictions for a person. Each line about
one of our items applies (or is recorded as changing nothing); a line that is not about our
items (an EndToEndId no item of the uploader's scope has, a status this kind of file may not
carry, a line without its amount) is set aside with its reason and counted on the status
file; a line about our item that cannot apply by itself (a status contradicting a final one,
a return of what was never paid, an amount that differs, an unknown or BLCK code, the wrong
payment file, an item never sent) is held as a
:class:`~chitra.payments.models.StatusException`. A rejection as a duplicate (DUPL) or a post
office's report of a death applies and is held too: a person checks the other payment, or
confirms the death before the person's payments stop
(:mod:`~chitra.payments.status.followups`). A file is refused whole only when it cannot be
trusted at all: unreadable or schema-invalid, naming a payment file that is not
ours (an unknown OrgnlMsgId), a camt.054 about an account that is not the office's, or a
malformed cash results file. The same bytes twice are recognized by their SHA-256 and
applied once. Who may report on what is :mod:`chitra.payments.status.scope`, for every way a
file comes in (web, CLI, batch): an item or payment file outside the uploader's scope is
answered exactly as one that does not exist.

The lines are checked and applied set-based (:mod:`chitra.payments.status.stage`), inside one
transaction that a refusal rolls back. Once a file that moved items has committed, the
contexts above are told which cycles (:data:`~chitra.payments.signals.statuses_applied`:
reporting counts their months again in the background).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from chitra.access.models import User
from chitra.access.scoping import scope_of
from chitra.core import audit
from chitra.core.errors import Problem
from chitra.payments import ids, lifecycle
from chitra.payments.errors import PaymentError
from chitra.payments.iso20022 import Iso20022Error
from chitra.payments.models import (
    PaymentFile,
    RefusedStatusFile,
    StatusFile,
    StatusSource,
)
from chitra.payments.signals import statuses_applied
from chitra.payments.status import cashresults, followups
from chitra.payments.status import read as statuslines
from chitra.payments.status import stage as statusload
from chitra.payments.status.scope import office_accounts, status_scope


@dataclass
class IngestResult:
    file_name: str
    source: str = ""
    duplicate: bool = False
    lines: int = 0
    applied: int = 0
    unchanged: int = 0
    exceptions: int = 0  # lines held for a person
    set_aside: int = 0  # lines not about our items
    set_aside_lines: list[Problem] = field(default_factory=list)  # the first ones, why
    problems: list[Problem] = field(default_factory=list)  # a refused file's only
    to_recover: list[tuple[str, int]] = field(default_factory=list)  # (citizen id, đồng)


def _problem(row: int | None, column: str, value: str, code: str, vi: str, en: str) -> Problem:
    return Problem(row, column, value, code, vi, en)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff(path: Path) -> StatusSource:
    if path.suffix.lower() in (".xlsx", ".csv"):
        return StatusSource.CASH
    with path.open("rb") as f:
        head = f.read(4096)
    if b"pain.002" in head:
        return StatusSource.PAIN002
    if b"camt.054" in head:
        return StatusSource.CAMT054
    raise PaymentError("unknown_status_file",
                       "Không nhận ra loại tệp (cần pain.002, camt.054, hoặc kết quả chi tiền mặt"
                       " .xlsx/.csv).",
                       "Unknown status file (expected pain.002, camt.054 or cash results).")


def _read_lines(path: Path, source: StatusSource,
                accounts: frozenset[str] | None) -> Iterator[statuslines.Line]:
    """All status lines of the file, streaming; group-level lines come last. ``accounts``:
    the office's accounts a camt.054 may be about."""
    if source == StatusSource.CASH:
        for r in cashresults.read_cash_results(path):
            # The day paid stays on the item's event, as a bank's words would.
            paid = f"Ngày chi {r.paid_on:%d/%m/%Y}" if r.paid_on else ""
            yield (r.row, r.end_to_end_id, r.code, r.reason, r.amount, None, False, paid, None,
                   None)
    else:
        yield from statuslines.read_xml_lines(path, source, accounts)


class _Refused(Exception):
    """Rolls the file's transaction back; the problems are in the result."""


def ingest_status_file(path: Path, user: User, file_name: str | None = None, *,
                       parsed: Future[statuslines.Parsed] | None = None,
                       turn: Callable[[], object] | None = None,
                       announce: Callable[[frozenset[int]], object] | None = None
                       ) -> IngestResult:
    """Check a status file and apply what is ours, or refuse it whole (one transaction).

    ``parsed``: the file being read ahead into ``COPY`` text by a worker process
    (PostgreSQL; see :mod:`chitra.payments.status.batch`), instead of reading it here.
    ``turn``: waits, once the file's items have moved, until the files before it in a batch
    have ended, so what follows (people, accounts, the cycle) happens in file order.
    ``announce``: told, once the file's transaction has committed and only if the file moved
    items, the cycles of its lines about our items (default :func:`announce_applied`; a
    batch gathers them to tell them once)."""
    name = file_name or path.name
    result = IngestResult(file_name=name)
    digest = sha256_of(path)
    if StatusFile.objects.filter(sha256=digest).exists():
        result.duplicate = True
        return result
    source = sniff(path)
    result.source = source
    try:
        with transaction.atomic(), statusload.staging():
            if turn is not None:
                _give_up_waiting_on_rows()
            staged = _stage(path, source, parsed, user)
            result.lines = staged.lines
            decided = _validate(staged, source, user, result)
            if result.problems or decided is None:
                raise _Refused
            _apply(source, digest, name, user, result, staged, decided, turn)
            if result.applied:
                after_commit(partial(announce or announce_applied, frozenset(decided.cycles)))
        return result
    except OperationalError as e:
        if getattr(e.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        result.problems.append(_problem(
            None, "", "", "busy", "Một tệp khác đang ghi vào các giao dịch này quá lâu; không có "
            "gì được ghi nhận. Hãy nhận lại tệp.", "Another file held these items too long; "
            "nothing was recorded. Ingest the file again."))
    except Iso20022Error as e:
        result.problems.append(_problem(e.line, "", "", "bad_file", e.message_vi, e.message_en))
    except cashresults.CashResultError as e:
        result.problems.extend(e.problems)
    except _Refused:
        pass
    _keep_refusal(digest, name, user, result)
    return result


def announce_applied(cycle_ids: Iterable[int]) -> None:
    """Tell the contexts above that status files moved these cycles' items
    (:data:`~chitra.payments.signals.statuses_applied`; a listener's failure is logged)."""
    if cycles := sorted(set(cycle_ids)):
        statuses_applied.send_robust(sender=StatusFile, cycle_ids=cycles)


def after_commit(tell: Callable[[], object]) -> None:
    """``tell()`` once the current transaction commits (at once outside one), never if it
    rolls back; its failure is logged and undoes nothing."""

    def announce_cycles() -> None:
        tell()

    transaction.on_commit(announce_cycles, robust=True)


def _stage(path: Path, source: StatusSource, parsed: Future[statuslines.Parsed] | None,
           user: User) -> statuslines.Staged:
    if parsed is None or source == StatusSource.CASH:
        accounts = office_accounts(user) if source == StatusSource.CAMT054 else None
        return statusload.load(_read_lines(path, source, accounts))
    read = parsed.result()
    if read.error is not None:
        raise Iso20022Error(*read.error)
    return statusload.load_copy(read)


def _keep_refusal(digest: str, name: str, user: User, result: IngestResult) -> None:
    RefusedStatusFile.objects.create(
        sha256=digest, file_name=name, provider_id=scope_of(user).provider_id,
        received_by=user.username,
        problems=[_as_json(p) for p in result.problems[:1000]])
    audit.record(user.username, "status.refused", "status_file", digest[:16],
                 after={"file": name, "problems": len(result.problems)})


def _as_json(p: Problem) -> dict[str, object]:
    return {"row": p.row, "column": p.column, "value": p.value[:200], "code": p.code,
            "message_vi": p.message_vi, "message_en": p.message_en}


def _validate(staged: statusload.Staged, source: StatusSource, user: User,
              result: IngestResult) -> statusload.Decided | None:
    scope = status_scope(user)
    # A payment file outside the user's scope is unknown, as one that does not exist.
    files = {pf.msg_id: pf for pf in scope.files(PaymentFile.objects.filter(msg_id__in=[
        *staged.msg_ids, *(g[0] for g in staged.groups)]))}
    unknown = {m for m in staged.msg_ids if m not in files}
    named = statusload.lines_naming(unknown) if unknown else []
    named += [(None, g[0]) for g in staged.groups if g[0] not in files]
    for row, msg in named:
        result.problems.append(_problem(row, "OrgnlMsgId", msg, "unknown_msg_id",
                                        "Không có tệp chi nào mang mã này.",
                                        "No payment file has this message id."))
    if result.problems:
        return None
    statusload.expand_groups(staged, files)
    return statusload.decide(*scope.items_sql(), staged, files, source)


def _set_aside(row: int | None, e2e: str, code: str, detail: str | None, what: str) -> Problem:
    """Why a line was set aside. A line about an item outside the user's scope reads as one
    about no item, word for word: nothing here tells whether an id exists elsewhere, nor
    shows a stored amount. ``value``: what the file said (its id, and what the bank wrote)."""
    said = " — ".join(v for v in (e2e, detail) if v)
    if what == statusload.UNKNOWN_ID:
        if ids.item_id_of(e2e) is None:
            return _problem(row, "EndToEndId", said, what,
                            "Mã giao dịch không phải của hệ thống.",
                            "Not an EndToEndId issued by chitra.")
        return _problem(row, "EndToEndId", said, what,
                        "Không có giao dịch nào mang mã này.",
                        "No payment item has this EndToEndId.")
    if what == statusload.NOT_FROM_SOURCE and code == "RTRN":
        return _problem(row, "Sts", code, what,
                        f"Loại tệp này không được báo trạng thái {code}: hoàn trả (RTRN) chỉ "
                        "nhận từ thông báo camt.054 của ngân hàng.",
                        f"This kind of file may not report status {code}: a return (RTRN) "
                        "is accepted only from the bank's camt.054.")
    if what == statusload.INFORMATION_ONLY:
        return _problem(row, "Sts", code, what,
                        "Bút toán chỉ để thông tin (INFO), không báo trạng thái của giao dịch "
                        "chi nào.",
                        "Information only entry (INFO): it reports no payment's status.")
    if what == statusload.NOT_FROM_SOURCE:  # e.g. a credit status in a post-office file
        return _problem(row, "Sts", code, what,
                        f"Loại tệp này không báo trạng thái {code} cho giao dịch chi.",
                        f"This kind of file does not report status {code} for a payment.")
    return _problem(row, "Amt", said, what,
                    "Thiếu số tiền: mỗi dòng camt.054 và mỗi khoản hoàn trả phải ghi số tiền.",
                    "Amount missing: every camt.054 line and every return must state its "
                    "amount.")


def _apply(source: str, digest: str, name: str, user: User, result: IngestResult,
           staged: statuslines.Staged, decided: statusload.Decided,
           turn: Callable[[], object] | None) -> None:
    now = timezone.now()
    result.applied, result.unchanged = decided.moved, decided.unchanged
    result.exceptions, result.set_aside = decided.held + decided.flagged, decided.set_aside
    result.set_aside_lines = [_set_aside(*r) for r in statusload.set_aside(decided)]
    sf = StatusFile.objects.create(
        sha256=digest, source=source, file_name=name, received_by=user.username,
        lines=result.lines, applied=result.applied, unchanged=result.unchanged,
        exceptions=result.exceptions, set_aside=result.set_aside,
        set_aside_lines=[_as_json(p) for p in result.set_aside_lines],
        provider_id=scope_of(user).provider_id)
    rejections = statusload.apply(sf.pk, now, followups.AT_ONCE, staged, decided)
    if turn is not None:
        turn()
    _one_file_past_its_items()
    today = timezone.localdate()
    result.to_recover += followups.follow_up(rejections, user.username, reported_on=today,
                                             today=today)
    lifecycle.mark_reconciling(decided.cycles)
    audit.record(user.username, "status.ingest", "status_file", sf.pk,
                 after={"file": name, "lines": result.lines, "applied": result.applied,
                        "exceptions": result.exceptions, "set_aside": result.set_aside})


_STATUS_TAIL_LOCK = 7_401_004  # advisory lock: what a file changes besides its items
LOCK_NOT_AVAILABLE = "55P03"
BATCH_LOCK_TIMEOUT = "120s"


def _give_up_waiting_on_rows() -> None:
    """A file of a batch waits in Python for the files before it (its ``turn``), which
    PostgreSQL cannot see: an upload from elsewhere locking items of two batch files could
    close a circle no deadlock check finds. A row lock waited on this long refuses the file
    instead (nothing recorded, the file can come again)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [BATCH_LOCK_TIMEOUT])


def _one_file_past_its_items() -> None:
    """Files applied at once touch disjoint items, but their rejections may reach one
    person or account and each moves the cycle: one file at a time from here to its
    commit, so two never wait on each other (PostgreSQL; SQLite has one writer anyway).
    Only registry rows and the cycle are locked from here on, which no file holds before
    it gets here: a file waiting here (or for its ``turn``) waits on no one who waits on
    it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_STATUS_TAIL_LOCK])
