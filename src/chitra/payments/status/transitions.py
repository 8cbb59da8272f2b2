"""Item status moves only forward, through :func:`next_status` (DESIGN §8, STYLE §4).

Pure: the table below decides; services apply the decision set-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chitra.payments import cashform
from chitra.payments.models import DUPLICATE_REASON, ExceptionKind, ItemStatus, StatusSource

# ExternalPaymentTransactionStatus1Code (every code of the ISO list is known here):
# those that leave the payment with the bank, not yet on the beneficiary's account — the item
# stays open (and is chased once it is open too long). ACWC (accepted with change) keeps what
# the bank changed on the event; PART (partially accepted) of one transaction is taken as
# the bank holding it, like PATC.
ACCEPTED_CODES = frozenset({"RCVD", "PDNG", "ACTC", "ACCP", "ACSP", "ACWC", "ACWP", "ACFC",
                            "ACIS", "ACPD", "PATC", "PRES", "PART"})
PAID_CODES = frozenset({"ACSC", "ACCC", "BOOKED"})  # BOOKED: a camt.054 debit entry
REJECTED_CODES = frozenset({"RJCT", "CANC"})  # CANC: cancelled before payment
# BLCK: the bank blocked the payment (sanctions, a court order…): a person must look.
REVIEW_CODES = frozenset({"BLCK"})
RETURNED_CODES = frozenset({"RTRN"})  # a camt.054 / pacs.004 return after payment
CASH_PAID, CASH_NOT_COLLECTED = "CASH_PAID", "CASH_NOT_COLLECTED"

# Reason codes that mean the account itself is wrong: close it, tell the ward team.
BAD_ACCOUNT_REASONS = frozenset({"AC01", "AC03", "AC04", "AC06"})
DECEASED_REASONS = frozenset({"MD07"})
# A duplicate payment (DUPLICATE_REASON): the item is rejected, but never attempted again —
# PaymentItem.closed leaves it out, in the database.
# Rejections that apply and are held for a person too (reason → the exception's kind): the
# bank says the payment duplicates another (did the other go out?); the post office says
# the person died, which stops payments only once BHXH confirms it (DESIGN §8) — unlike a
# bank's MD07.
POST_OFFICE_DEATH = cashform.DECEASED
APPLIED_AND_HELD: dict[str, str] = {DUPLICATE_REASON: ExceptionKind.DUPLICATE.value,
                                    POST_OFFICE_DEATH: ExceptionKind.DEATH_REPORTED.value}

_RANK = {ItemStatus.SENT: 1, ItemStatus.ACCEPTED: 2, ItemStatus.PAID: 3,
         ItemStatus.REJECTED: 3, ItemStatus.RETURNED: 4}


class Outcome(StrEnum):
    """What a line does; the last five hold it for a person (their values are the
    :class:`~chitra.payments.models.ExceptionKind` values)."""

    APPLY = "apply"          # the item moves to ``to``
    NO_CHANGE = "no_change"  # recorded as an event; the item is already there or further
    CONFLICT = "conflict"    # contradicts a final status
    RETURN_BEFORE_PAID = "return_before_paid"  # money back that never left, per our records
    NOT_SENT = "not_sent"    # the item was never exported: the line cannot be about it
    UNKNOWN_CODE = "unknown_code"
    NEEDS_REVIEW = "needs_review"  # BLCK


RECORDED = (Outcome.APPLY, Outcome.NO_CHANGE)  # the outcomes that write a status event


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    to: ItemStatus | None = None


def target_of(code: str) -> ItemStatus | None:
    if code in ACCEPTED_CODES:
        return ItemStatus.ACCEPTED
    if code in PAID_CODES or code == CASH_PAID:
        return ItemStatus.PAID
    if code in REJECTED_CODES or code == CASH_NOT_COLLECTED:
        return ItemStatus.REJECTED
    if code in RETURNED_CODES:
        return ItemStatus.RETURNED
    return None


def next_status(current: ItemStatus | str, code: str) -> Decision:
    """What a status line with ISO ``code`` does to an item now in ``current``."""
    current = ItemStatus(current)
    target = target_of(code)
    if target is None and code not in REVIEW_CODES:
        return Decision(Outcome.UNKNOWN_CODE)
    if current in (ItemStatus.PENDING, ItemStatus.CANCELLED):
        return Decision(Outcome.NOT_SENT)
    if target is None:
        return Decision(Outcome.NEEDS_REVIEW)
    if current == target:
        return Decision(Outcome.NO_CHANGE)
    if target == ItemStatus.RETURNED:
        if current == ItemStatus.PAID:
            return Decision(Outcome.APPLY, target)
        if current in (ItemStatus.SENT, ItemStatus.ACCEPTED):
            return Decision(Outcome.RETURN_BEFORE_PAID)
        return Decision(Outcome.CONFLICT)
    if current in (ItemStatus.PAID, ItemStatus.REJECTED, ItemStatus.RETURNED):
        # A late intermediate status (ACSP after ACCC) changes nothing; a contradiction
        # of a final status (RJCT after ACCC, ACSC after RJCT) does not apply silently.
        if target == ItemStatus.ACCEPTED:
            return Decision(Outcome.NO_CHANGE)
        return Decision(Outcome.CONFLICT)
    if _RANK[target] > _RANK[current]:
        return Decision(Outcome.APPLY, target)
    return Decision(Outcome.NO_CHANGE)


# What each kind of status file may say. A return (money back after the payment) is taken
# only from the bank's notifications on our account (camt.054), which carry its amount: a
# status report (pain.002) saying RTRN would turn a paid item back into one to pay again.
# A camt.054 entry not booked yet (PDNG) of our debit: the money is on its way (accepted).
CODES_BY_SOURCE: dict[str, frozenset[str]] = {
    StatusSource.PAIN002: ACCEPTED_CODES | REJECTED_CODES | REVIEW_CODES | {"ACSC", "ACCC"},
    StatusSource.CAMT054: RETURNED_CODES | {"BOOKED", "PDNG"},
    StatusSource.CASH: frozenset({CASH_PAID, CASH_NOT_COLLECTED}),
}


def comes_from(source: str, code: str) -> bool:
    """Whether a file of kind ``source`` may carry status ``code`` (a code we do not know at
    all is :attr:`Outcome.UNKNOWN_CODE`'s business)."""
    return ((target_of(code) is None and code not in REVIEW_CODES)
            or code in CODES_BY_SOURCE[StatusSource(source)])


def needs_amount(source: str, code: str) -> bool:
    """Whether a line must state its amount (which must then be the item's): every line of a
    camt.054, and every return."""
    return source == StatusSource.CAMT054 or code in RETURNED_CODES
