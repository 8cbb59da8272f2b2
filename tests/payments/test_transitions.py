import pytest

from chitra.payments.models import ItemStatus as S
from chitra.payments.status.transitions import Outcome as O
from chitra.payments.status.transitions import comes_from, next_status

# ExternalPaymentTransactionStatus1Code, the whole list.
ISO_CODES = ["ACCC", "ACCP", "ACFC", "ACIS", "ACPD", "ACSC", "ACSP", "ACTC", "ACWC", "ACWP",
             "BLCK", "CANC", "PART", "PATC", "PDNG", "PRES", "RCVD", "RJCT"]


@pytest.mark.parametrize(("current", "code", "outcome", "to"), [
    (S.SENT, "ACCP", O.APPLY, S.ACCEPTED),
    (S.SENT, "ACSP", O.APPLY, S.ACCEPTED),
    (S.SENT, "ACSC", O.APPLY, S.PAID),
    (S.ACCEPTED, "ACCC", O.APPLY, S.PAID),
    (S.ACCEPTED, "RJCT", O.APPLY, S.REJECTED),
    (S.SENT, "RJCT", O.APPLY, S.REJECTED),
    (S.PAID, "RTRN", O.APPLY, S.RETURNED),
    (S.PAID, "ACSP", O.NO_CHANGE, None),       # late intermediate status
    (S.ACCEPTED, "ACCP", O.NO_CHANGE, None),
    (S.PAID, "ACSC", O.NO_CHANGE, None),       # duplicate
    (S.REJECTED, "RJCT", O.NO_CHANGE, None),
    (S.PAID, "RJCT", O.CONFLICT, None),        # contradicts a final status
    (S.REJECTED, "ACSC", O.CONFLICT, None),
    (S.ACCEPTED, "RTRN", O.RETURN_BEFORE_PAID, None),  # a return of what was never paid
    (S.SENT, "RTRN", O.RETURN_BEFORE_PAID, None),
    (S.REJECTED, "RTRN", O.CONFLICT, None),
    (S.SENT, "CANC", O.APPLY, S.REJECTED),      # cancelled before payment
    (S.PAID, "CANC", O.CONFLICT, None),
    (S.SENT, "BLCK", O.NEEDS_REVIEW, None),     # blocked: a person looks
    (S.PAID, "BLCK", O.NEEDS_REVIEW, None),
    (S.PENDING, "BLCK", O.NOT_SENT, None),
    (S.PENDING, "ACSC", O.NOT_SENT, None),
    (S.CANCELLED, "RJCT", O.NOT_SENT, None),
    (S.SENT, "XXXX", O.UNKNOWN_CODE, None),
    (S.SENT, "CASH_PAID", O.APPLY, S.PAID),
    (S.SENT, "CASH_NOT_COLLECTED", O.APPLY, S.REJECTED),
])
def test_status_moves_only_forward(current, code, outcome, to):
    d = next_status(current, code)
    assert d.outcome == outcome
    assert d.to == to


@pytest.mark.parametrize("code", ["RCVD", "PDNG", "ACTC", "ACCP", "ACSP", "ACWC", "ACWP",
                                  "ACFC", "ACIS", "ACPD", "PATC", "PRES", "PART"])
def test_every_iso_status_that_leaves_the_money_with_the_bank_keeps_the_item_open(code):
    assert next_status(S.SENT, code) == next_status(S.SENT, "ACCP")
    assert next_status(S.PAID, code).outcome == O.NO_CHANGE  # late: changes nothing


@pytest.mark.parametrize("code", ISO_CODES)
def test_every_iso_transaction_status_is_known_and_may_come_in_a_pain002(code):
    assert next_status(S.SENT, code).outcome != O.UNKNOWN_CODE
    assert comes_from("pain002", code)
