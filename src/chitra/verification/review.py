"""The review queue of verification discrepancies (issue 16, item 4): maker–checker.

A BHXH officer of the batch's province looks at our values beside the population database's
and proposes (:func:`propose`): *accept* (our record stands) or *correct* (with the new
values: usually theirs). Another BHXH approver of the province decides (:func:`decide`):
approving a correction applies it through
:func:`~chitra.registry.services.correct_identity` (old and new values kept); a rejected
proposal waits for a new one.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from chitra.access.models import Role, User
from chitra.access.scoping import bhxh_province
from chitra.core import audit
from chitra.core.errors import DomainError, NotInScope
from chitra.core.text import nfc
from chitra.registry import services as registry
from chitra.verification.models import Decision, ReviewStatus, VerificationResult


class ReviewRefused(DomainError):
    http_status = 403


def _result(result_id: int, user: User) -> VerificationResult:
    """The result, locked; :class:`NotInScope` unless ``user`` does BHXH work in its
    batch's province (a superuser anywhere)."""
    result = (VerificationResult.objects.select_for_update(of=("self",))
              .select_related("batch").filter(pk=result_id).first())
    if result is None or not user.is_active:
        raise NotInScope()
    if not user.is_superuser and bhxh_province(user) != result.batch.province_code:
        raise NotInScope()
    return result


@transaction.atomic
def propose(result_id: int, actor: User, decision: Decision | str, *,
            full_name: str | None = None, date_of_birth: date | None = None,
            ward_code: str | None = None, note: str = "") -> VerificationResult:
    """A BHXH officer (or approver) of the province proposes what to do with a discrepancy:
    ``accept`` (our record stands) or ``correct`` with the new values (at least one; None:
    unchanged). Allowed while the result awaits a proposal (pending, or its last proposal
    rejected)."""
    result = _result(result_id, actor)
    if result.review_status not in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
        raise DomainError("review_state", "Kết quả này không chờ đề xuất.",
                          "This result is not awaiting a proposal.")
    if decision not in Decision.values:
        raise DomainError("review_decision_invalid", f"Đề xuất không hợp lệ: {decision!r}.",
                          f"Invalid proposal: {decision!r}.")
    note = nfc(note)[:300]
    name = nfc(full_name) if full_name is not None else ""
    if decision == Decision.CORRECT:
        if not (name or date_of_birth or ward_code):
            raise DomainError("review_correction_empty", "Cần nêu giá trị cần sửa.",
                              "Give the values to correct.")
        if (name in ("", result.full_name) and date_of_birth in (None, result.date_of_birth)
                and ward_code in (None, "", result.ward_code)):
            raise DomainError("identity_unchanged", "Giá trị đề xuất giống hồ sơ hiện tại.",
                              "The proposed values are those on record.")
    elif name or date_of_birth or ward_code:
        raise DomainError("review_accept_values", "Giữ nguyên hồ sơ thì không nêu giá trị mới.",
                          "Keeping the record takes no new values.")
    before = {"status": result.review_status, "decided_by": result.decided_by}
    result.review_status = ReviewStatus.PROPOSED
    result.proposed_decision = decision
    result.proposed_full_name = name
    result.proposed_date_of_birth = date_of_birth
    result.proposed_ward_code = ward_code or ""
    result.proposed_by, result.proposed_at = actor.username, timezone.now()
    result.proposal_note = note
    result.decided_by, result.decided_at, result.decision_note = "", None, ""
    result.save()
    audit.record(actor.username, "verification.review_propose", "verification_result",
                 result.pk, before=before,
                 after={"decision": str(decision), "full_name": name,
                        "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
                        "ward_code": ward_code or "", "note": note})
    return result


@transaction.atomic
def decide(result_id: int, checker: User, approve: bool, *, note: str = ""
           ) -> VerificationResult:
    """A BHXH approver of the province, not the maker, approves or rejects a proposal.
    Approving ``correct`` corrects the beneficiary's record (old and new values kept, the
    reason naming the batch); approving ``accept`` closes the result, our record standing."""
    result = _result(result_id, checker)
    if not (checker.is_superuser or checker.role == Role.BHXH_APPROVER):
        raise ReviewRefused("review_forbidden",
                            "Chỉ lãnh đạo duyệt BHXH của tỉnh được duyệt đề xuất.",
                            "Only the province's BHXH approvers may decide proposals.")
    if result.review_status != ReviewStatus.PROPOSED:
        raise DomainError("review_state", "Kết quả này không chờ duyệt.",
                          "This result is not awaiting a decision.")
    if checker.username == result.proposed_by:
        raise ReviewRefused("maker_checker", "Người đề xuất không tự duyệt được.",
                            "Whoever proposed cannot decide.")
    note = nfc(note)[:300]
    if approve and result.proposed_decision == Decision.CORRECT:
        reason = (f"Đối chiếu CSDL dân cư, đợt {result.batch_id}, kết quả {result.pk}"
                  + (f": {result.proposal_note}" if result.proposal_note else ""))
        registry.correct_identity(
            result.beneficiary_id, full_name=result.proposed_full_name or None,
            date_of_birth=result.proposed_date_of_birth,
            ward_code=result.proposed_ward_code or None,
            actor=f"{result.proposed_by}/{checker.username}", reason=reason)
        status = ReviewStatus.CORRECTED
    elif approve:
        status = ReviewStatus.ACCEPTED
    else:
        status = ReviewStatus.REJECTED
    result.review_status = status
    result.decided_by, result.decided_at, result.decision_note = (
        checker.username, timezone.now(), note)
    result.save(update_fields=["review_status", "decided_by", "decided_at", "decision_note"])
    audit.record(checker.username, f"verification.review_{status}", "verification_result",
                 result.pk, before={"status": ReviewStatus.PROPOSED,
                                    "proposed_by": result.proposed_by},
                 after={"status": status, "decision": result.proposed_decision,
                        "note": note})
    return result
