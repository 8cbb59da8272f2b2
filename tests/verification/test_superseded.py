"""A later answer about the same person replaces the review still open from an earlier
batch: one open review per person."""

from __future__ import annotations

from datetime import date

import pytest

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.verification import queries, review
from chitra.verification.models import Decision, ReviewStatus, VerificationResult
from tests import factories as f
from tests.verification.test_review_fixes import rec, run

pytestmark = pytest.mark.django_db


def _differs(p):  # type: ignore[no-untyped-def]
    return rec(p, full_name="Nguyen Khac Han")


def test_a_later_answer_closes_the_earlier_review_and_the_queue_keeps_one(lai_chau,
                                                                         dien_bien):
    p = f.beneficiary("Lò Văn Pọm", dob=date(1950, 1, 1))
    other = f.beneficiary("Tẩn Thị Mẩy", dob=date(1951, 1, 1))
    first = run(lai_chau.officer, {p.citizen_id: _differs(p), other.citizen_id: _differs(other)})
    earlier = VerificationResult.objects.get(batch=first, beneficiary=p)
    second = run(lai_chau.officer, {p.citizen_id: _differs(p), other.citizen_id: rec(other)})
    earlier.refresh_from_db()
    assert earlier.review_status == ReviewStatus.SUPERSEDED
    assert f"{second.pk}" in earlier.decision_note
    queue = list(queries.review_queue(lai_chau.officer).values_list("batch_id", "beneficiary_id"))
    assert queue == [(second.pk, p.pk)]  # the other now matches: nothing left to review
    assert VerificationResult.objects.get(batch=first, beneficiary=other).review_status == (
        ReviewStatus.SUPERSEDED)
    assert AuditEntry.objects.filter(action="verification.review_superseded").count() == 2


def test_a_pending_proposal_is_closed_too_and_cannot_be_decided(lai_chau, dien_bien):
    p = f.beneficiary("Lò Văn Pọm", dob=date(1950, 1, 1))
    first = run(lai_chau.officer, {p.citizen_id: _differs(p)})
    earlier = VerificationResult.objects.get(batch=first, beneficiary=p)
    review.propose(earlier.pk, lai_chau.officer, Decision.ACCEPT)
    run(lai_chau.officer, {p.citizen_id: _differs(p)})
    with pytest.raises(DomainError) as refused:
        review.decide(earlier.pk, lai_chau.approver, True)
    assert refused.value.code == "review_state"
    earlier.refresh_from_db()
    assert (earlier.review_status, earlier.decided_by) == (ReviewStatus.SUPERSEDED, "")
