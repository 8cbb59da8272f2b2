"""The review queue of verification discrepancies (issue 16, item 4): maker–checker.

A BHXH officer of the batch's province looks at our values beside the population database's
and proposes (:func:`propose`): *accept* (our record stands), *correct* (with the new
values: usually theirs) or, for a death held for review, *record death* (the same person
after all; with the corrections, if any, that make our record theirs). Another BHXH
approver of the province decides (:func:`decide`): approving a correction applies it through
:func:`~chitra.registry.services.correct_identity` (old and new values kept), approving a
death records it through :func:`~chitra.registry.services.record_deaths` (payment
stopped); a rejected proposal waits for a new one.
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
from chitra.registry.models import Beneficiary
from chitra.verification.models import Decision, ReviewStatus, VerificationResult
from chitra.verification.names import name_problems
from chitra.verification.outcomes import Outcome

_NAME_MAX = 120  # Beneficiary.full_name


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


def _checked_name(full_name: str) -> str:
    """A proposed name, NFC, refused as an import refuses it: not a name (digits, control,
    line-separator or invisible characters, another script) or too long."""
    for problem in name_problems(full_name):
        raise DomainError(problem.code, f"Họ tên mới không hợp lệ: {problem.message_vi}",
                          f"The new name is not valid: {problem.message_en}")
    name = nfc(full_name)
    if len(name) > _NAME_MAX:
        raise DomainError("name_too_long", f"Họ tên mới dài quá {_NAME_MAX} ký tự.",
                          f"The new name is longer than {_NAME_MAX} characters.")
    return name


def _check_birth(born: date, recorded_death: date | None, result: VerificationResult) -> None:
    died = recorded_death or (result.death_date if result.outcome == Outcome.DECEASED
                              else None)
    if born > timezone.localdate() or (died is not None and born > died):
        raise DomainError("review_birth_invalid",
                          "Ngày sinh mới sau hôm nay hoặc sau ngày chết.",
                          "The new date of birth is after today or after the death.")


@transaction.atomic
def propose(result_id: int, actor: User, decision: Decision | str, *,
            full_name: str | None = None, date_of_birth: date | None = None,
            ward_code: str | None = None, note: str = "") -> VerificationResult:
    """A BHXH officer (or approver) of the province proposes what to do with a discrepancy:
    ``accept`` (our record stands), ``correct`` with the new values (at least one; None:
    unchanged; not for a deceased answer) or, for a deceased answer only, ``record_death``
    (with the values to correct first, if any). Allowed while the result awaits a proposal
    (pending, or its last proposal rejected). A new name is checked as an import checks it;
    a new date of birth may be neither in the future nor after the death."""
    result = _result(result_id, actor)
    if result.review_status not in (ReviewStatus.PENDING, ReviewStatus.REJECTED):
        raise DomainError("review_state", "Kết quả này không chờ đề xuất.",
                          "This result is not awaiting a proposal.")
    if decision not in Decision.values:
        raise DomainError("review_decision_invalid", f"Đề xuất không hợp lệ: {decision!r}.",
                          f"Invalid proposal: {decision!r}.")
    note = nfc(note)[:300]
    name = _checked_name(full_name) if full_name else ""
    person = Beneficiary.objects.only("death_date").get(pk=result.beneficiary_id)
    if date_of_birth is not None:
        _check_birth(date_of_birth, person.death_date, result)
    if decision == Decision.CORRECT:
        if result.outcome == Outcome.DECEASED:
            raise DomainError(
                "review_deceased_correct",
                "CSDL dân cư báo người này đã chết: đề xuất ghi nhận đã chết (kèm giá trị cần "
                "sửa, nếu có) hoặc giữ nguyên hồ sơ.",
                "The population database reports this person dead: propose recording the "
                "death (with the values to correct, if any) or keeping the record.")
        if not (name or date_of_birth or ward_code):
            raise DomainError("review_correction_empty", "Cần nêu giá trị cần sửa.",
                              "Give the values to correct.")
        if (name in ("", result.full_name) and date_of_birth in (None, result.date_of_birth)
                and ward_code in (None, "", result.ward_code)):
            raise DomainError("identity_unchanged", "Giá trị đề xuất giống hồ sơ hiện tại.",
                              "The proposed values are those on record.")
    elif decision == Decision.RECORD_DEATH:
        if result.outcome != Outcome.DECEASED:
            raise DomainError(
                "review_record_death_not_deceased",
                "Chỉ ghi nhận đã chết khi CSDL dân cư báo người này đã chết.",
                "A death is recorded only when the population database reports it.")
        if person.death_date is not None:
            raise DomainError(
                "review_death_already_recorded",
                f"Hồ sơ đã ghi ngày chết {person.death_date:%d/%m/%Y}; ngày này giữ nguyên. "
                "Hãy đề xuất giữ nguyên hồ sơ.",
                f"A date of death ({person.death_date:%d/%m/%Y}) is already on record and "
                "stays. Propose keeping the record.")
        # Values equal to ours are no correction.
        name = "" if name == result.full_name else name
        date_of_birth = None if date_of_birth == result.date_of_birth else date_of_birth
        ward_code = None if ward_code == result.ward_code else ward_code
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
    reason naming the batch); approving ``record_death`` applies its corrections, if any,
    then records the death on the answer's date (payment stopped); approving ``accept``
    closes the result, our record standing."""
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
    reason = (f"Đối chiếu CSDL dân cư, đợt {result.batch_id}, kết quả {result.pk}"
              + (f": {result.proposal_note}" if result.proposal_note else ""))
    actor = f"{result.proposed_by}/{checker.username}"
    values = bool(result.proposed_full_name or result.proposed_date_of_birth
                  or result.proposed_ward_code)
    if approve and result.proposed_decision in (Decision.CORRECT, Decision.RECORD_DEATH):
        if values:
            registry.correct_identity(
                result.beneficiary_id, full_name=result.proposed_full_name or None,
                date_of_birth=result.proposed_date_of_birth,
                ward_code=result.proposed_ward_code or None, actor=actor, reason=reason)
        status = ReviewStatus.CORRECTED
        if result.proposed_decision == Decision.RECORD_DEATH:
            assert result.death_date is not None  # the constraint: only a deceased answer
            if not registry.record_deaths({result.beneficiary_id: result.death_date},
                                          source=reason, actor=actor):
                raise DomainError(
                    "review_death_already_recorded",
                    "Hồ sơ đã ghi ngày chết; ngày này giữ nguyên. Hãy không duyệt đề xuất.",
                    "A date of death is already on record and stays. Reject the proposal.")
            status = ReviewStatus.DEATH_RECORDED
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
