"""What an officer may decide about a status line held as an exception, and what each
decision does to its item (issue 13). Pure: the use cases in
:mod:`chitra.payments.services.exceptions` lock, check and write.

Two resolutions: *keep* (the item stays as it is; always possible) and *apply* (take the
bank's line). Apply is the one audited door through which an item may move against the
forward-only rule of :mod:`chitra.payments.status.transitions` — a return before the item
was paid, a rejection after a success, a success after a rejection — and only for the
kinds where the line says something the item can become:

=====================  ======================================================================
kind                   apply
=====================  ======================================================================
conflict               the status the line's code means (RJCT after ACSC → rejected, …)
return_before_paid     returned: the obligation is open again, the next compute reissues it
amount_mismatch        the line's status as an ordinary line would apply it (a contradiction:
                       the line's status); the amount the bank stated goes on the event
needs_review (BLCK)    the bank holds it: the item stays open, accepted
death_reported         the line already applied (not collected); apply = BHXH confirms the
                       death: the person's payments stop, paid items are listed to recover
msg_id_mismatch,       impossible: the line is not about this item, was never sent, or its
not_sent, unknown_code code means nothing we know — keep only
duplicate (DUPL)       the line already applied (rejected, never reissued); keep only: closing
                       it says someone checked that the other payment went out
=====================  ======================================================================

The last two are *applied and held*: their line moved the item when the file came in, and
the exception keeps the status it left (``item_status``), so a later move makes it stale.
"""

from __future__ import annotations

from chitra.core.money import format_vnd
from chitra.payments.iso20022.text import DETAIL_MAX
from chitra.payments.models import (
    CLOSED_ITEM_STATUSES,
    ExceptionKind,
    ExceptionResolution,
    ItemStatus,
)
from chitra.payments.status.transitions import (
    BAD_ACCOUNT_REASONS,
    DECEASED_REASONS,
    POST_OFFICE_DEATH,
    Outcome,
    next_status,
    target_of,
)

K, R, S = ExceptionKind, ExceptionResolution, ItemStatus

# Kinds whose line cannot be applied to the item, whatever its status.
KEEP_ONLY = frozenset({K.WRONG_FILE, K.NOT_SENT, K.UNKNOWN_CODE, K.DUPLICATE})
# Kinds whose line applied when its file came in: apply records nothing more.
ALREADY_APPLIED = frozenset({K.DEATH_REPORTED, K.DUPLICATE})
NOTE_MAX = 1000


def applied_status(kind: str, current: str, code: str) -> ItemStatus | None:
    """The status *apply* leaves an item now ``current`` in, for a line of ``kind`` with
    ISO ``code`` (``current`` itself: the line is recorded, the item does not move); None
    when the line cannot be applied."""
    kind, current = ExceptionKind(kind), ItemStatus(current)
    if kind in KEEP_ONLY or current in (S.PENDING, S.CANCELLED):
        return None
    if kind == K.NEEDS_REVIEW:
        # Blocked by the bank: not paid, not refused — the item stays open and is chased.
        return S.ACCEPTED if current in (S.SENT, S.ACCEPTED) else None
    target = target_of(code)
    if target is None:
        return None
    if kind in ALREADY_APPLIED:  # confirmed where the line left it, else stale
        return current if current == target else None
    if kind == K.AMOUNT_MISMATCH:
        decision = next_status(current, code)
        if decision.outcome == Outcome.APPLY and decision.to is not None:
            return decision.to
        if decision.outcome == Outcome.NO_CHANGE:
            return current
    return target


def allowed_resolutions(kind: str, current: str, code: str) -> list[ExceptionResolution]:
    """What may be proposed for a line of ``kind`` about an item now ``current``."""
    if applied_status(kind, current, code) is None:
        return [R.KEEP]
    return [R.APPLY, R.KEEP]


def reopens(current: str, to: str) -> bool:
    """Whether the move makes a closed attempt live (or paid) again: only if its obligation
    has no other live or paid attempt (the partial unique index would refuse it anyway)."""
    return current in CLOSED_ITEM_STATUSES and to not in CLOSED_ITEM_STATUSES


def follows_up(kind: str, to: str, reason: str) -> bool:
    """Whether applying reaches beyond the item (:mod:`chitra.payments.status.followups`):
    a rejection or return for a refused account (AC01/03/04/06) or a bank's death (MD07), as
    the status ingest does for a line — or a post office's death, once confirmed here."""
    if to not in (S.REJECTED, S.RETURNED):
        return False
    if reason == POST_OFFICE_DEATH:
        return kind == K.DEATH_REPORTED
    return reason in DECEASED_REASONS or reason in BAD_ACCOUNT_REASONS


def event_detail(kind: str, detail: str, stated: int | None, item_amount: int) -> str:
    """The event's detail: what the bank said, and for an amount that differs the amount it
    stated beside the instruction's."""
    if kind == K.AMOUNT_MISMATCH and stated is not None:
        amounts = (f"Ngân hàng báo {format_vnd(stated)}, lệnh chi {format_vnd(item_amount)}"
                   f" / bank stated {stated}, instructed {item_amount}")
        detail = f"{amounts}; {detail}" if detail else amounts
    return detail[:DETAIL_MAX]
