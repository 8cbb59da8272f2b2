"""The review queue of discrepancies (issue 16, item 4): an officer of the province proposes,
another BHXH approver of the province decides; a correction is applied through the registry
with its old and new values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from chitra.core.errors import DomainError, NotInScope
from chitra.core.models import AuditEntry
from chitra.core.text import fold_key
from chitra.registry.models import Beneficiary, IdentityCorrection
from chitra.verification import queries, review, services
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.models import (
    AdapterKind,
    Decision,
    ReviewStatus,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome
from chitra.verification.population import PopulationRecord
from tests import factories as f


@pytest.fixture
def discrepancies(lai_chau, dien_bien) -> dict[str, VerificationResult]:  # type: ignore[no-untyped-def]
    """A Lai Châu batch: Hoa's name without accents, Đức's day and month swapped, Pọm
    unknown; Mẩy matches."""
    hoa = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    duc = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 4, 3))
    f.beneficiary("Lò Văn Pọm")
    may = f.beneficiary("Tẩn Thị Mẩy")
    f.beneficiary("Quàng Văn Inh", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)

    def record(b: Beneficiary) -> PopulationRecord:
        return PopulationRecord(b.citizen_id, b.full_name, b.date_of_birth, b.sex, b.ward_code)

    population = {
        hoa.citizen_id: replace(record(hoa), full_name="NGUYEN THI HOA"),
        duc.citizen_id: replace(record(duc), date_of_birth=date(1950, 3, 4)),
        may.citizen_id: record(may)}
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    services.run_batch(batch.pk, InMemoryPopulationAdapter(population))
    return {r.beneficiary.full_name: r for r in
            VerificationResult.objects.filter(batch=batch).select_related("beneficiary")}


def test_side_by_side_values_are_kept(discrepancies):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    assert (hoa.outcome, hoa.full_name, hoa.their_full_name) == (
        Outcome.NAME_DIFFERS, "Nguyễn Thị Hoa", "NGUYEN THI HOA")
    assert (hoa.name_score, hoa.name_reason) == (90, "accents_missing")
    duc = discrepancies["Nguyễn Văn Đức"]
    assert (duc.date_of_birth, duc.their_date_of_birth, duc.birth_date_reason) == (
        date(1950, 4, 3), date(1950, 3, 4), "day_month_swapped")
    pom = discrepancies["Lò Văn Pọm"]
    assert (pom.outcome, pom.their_full_name, pom.their_date_of_birth) == (
        Outcome.NOT_FOUND, "", None)


def test_the_queue_holds_the_provinces_discrepancies_only(discrepancies, lai_chau, dien_bien):
    mine = {r.beneficiary.full_name for r in queries.review_queue(lai_chau.officer)
            .select_related("beneficiary")}
    assert mine == {"Nguyễn Thị Hoa", "Nguyễn Văn Đức", "Lò Văn Pọm"}
    assert queries.review_queue(lai_chau.approver).count() == 3
    for outsider in (dien_bien.officer, dien_bien.approver, lai_chau.police, lai_chau.ward_team,
                     lai_chau.viewer):
        assert not queries.review_queue(outsider).exists()


def test_an_approved_correction_changes_the_record_with_old_and_new_values(
        discrepancies, lai_chau):
    duc = discrepancies["Nguyễn Văn Đức"]
    review.propose(duc.pk, lai_chau.officer, Decision.CORRECT,
                   date_of_birth=date(1950, 3, 4), note="Giấy khai sinh ghi 04/03/1950")
    decided = review.decide(duc.pk, lai_chau.approver, approve=True, note="Đồng ý")
    assert (decided.review_status, decided.decided_by) == (ReviewStatus.CORRECTED,
                                                           lai_chau.approver.username)
    person = Beneficiary.objects.get(pk=duc.beneficiary_id)
    assert person.date_of_birth == date(1950, 3, 4)
    correction = IdentityCorrection.objects.get(beneficiary=person)
    assert (correction.field, correction.old_value, correction.new_value) == (
        "date_of_birth", "1950-04-03", "1950-03-04")
    assert f"đợt {duc.batch_id}" in correction.reason
    assert lai_chau.officer.username in correction.actor
    assert lai_chau.approver.username in correction.actor
    assert AuditEntry.objects.filter(action="beneficiary.correct_identity").count() == 1
    assert AuditEntry.objects.filter(action="verification.review_corrected",
                                     object_id=str(duc.pk)).count() == 1
    assert not queries.review_queue(lai_chau.officer).filter(pk=duc.pk).exists()


def test_a_name_correction_keeps_the_search_key_in_step(discrepancies, lai_chau):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    review.propose(hoa.pk, lai_chau.officer, Decision.CORRECT, full_name="Nguyễn Thị Hòa")
    review.decide(hoa.pk, lai_chau.approver, approve=True)
    person = Beneficiary.objects.get(pk=hoa.beneficiary_id)
    assert (person.full_name, person.name_key) == ("Nguyễn Thị Hòa", fold_key("Nguyễn Thị Hòa"))


def test_accepting_keeps_our_record(discrepancies, lai_chau):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    review.propose(hoa.pk, lai_chau.officer, Decision.ACCEPT, note="Tên đúng, CSDL viết không dấu")
    decided = review.decide(hoa.pk, lai_chau.approver, approve=True)
    assert decided.review_status == ReviewStatus.ACCEPTED
    assert Beneficiary.objects.get(pk=hoa.beneficiary_id).full_name == "Nguyễn Thị Hoa"
    assert not IdentityCorrection.objects.exists()


def test_a_rejected_proposal_changes_nothing_and_may_be_proposed_again(discrepancies, lai_chau):
    duc = discrepancies["Nguyễn Văn Đức"]
    review.propose(duc.pk, lai_chau.officer, Decision.CORRECT, date_of_birth=date(1950, 3, 4))
    rejected = review.decide(duc.pk, lai_chau.approver, approve=False, note="Cần giấy tờ")
    assert rejected.review_status == ReviewStatus.REJECTED
    assert Beneficiary.objects.get(pk=duc.beneficiary_id).date_of_birth == date(1950, 4, 3)
    assert queries.review_queue(lai_chau.officer).filter(pk=duc.pk).exists()
    again = review.propose(duc.pk, lai_chau.officer, Decision.ACCEPT)
    assert (again.review_status, again.decided_by) == (ReviewStatus.PROPOSED, "")


def test_self_approval_is_refused(discrepancies, lai_chau):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    review.propose(hoa.pk, lai_chau.approver, Decision.CORRECT, full_name="Nguyễn Thị Hòa")
    with pytest.raises(DomainError) as refused:
        review.decide(hoa.pk, lai_chau.approver, approve=True)
    assert refused.value.code == "maker_checker"
    assert VerificationResult.objects.get(pk=hoa.pk).review_status == ReviewStatus.PROPOSED
    assert Beneficiary.objects.get(pk=hoa.beneficiary_id).full_name == "Nguyễn Thị Hoa"


def test_an_officer_cannot_decide(discrepancies, lai_chau):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    review.propose(hoa.pk, lai_chau.approver, Decision.ACCEPT)
    with pytest.raises(DomainError) as refused:
        review.decide(hoa.pk, lai_chau.officer, approve=True)
    assert refused.value.code == "review_forbidden"


def test_another_province_can_neither_propose_nor_decide(discrepancies, lai_chau, dien_bien):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    with pytest.raises(NotInScope):
        review.propose(hoa.pk, dien_bien.officer, Decision.ACCEPT)
    review.propose(hoa.pk, lai_chau.officer, Decision.ACCEPT)
    for outsider in (dien_bien.approver, lai_chau.police, lai_chau.ward_team):
        with pytest.raises(NotInScope):
            review.decide(hoa.pk, outsider, approve=True)
    assert VerificationResult.objects.get(pk=hoa.pk).review_status == ReviewStatus.PROPOSED


def test_acting_out_of_turn_is_refused(discrepancies, lai_chau):
    hoa, may = discrepancies["Nguyễn Thị Hoa"], discrepancies["Tẩn Thị Mẩy"]
    with pytest.raises(DomainError) as not_proposed:
        review.decide(hoa.pk, lai_chau.approver, approve=True)
    assert not_proposed.value.code == "review_state"
    with pytest.raises(DomainError) as a_match:
        review.propose(may.pk, lai_chau.officer, Decision.ACCEPT)
    assert a_match.value.code == "review_state"
    review.propose(hoa.pk, lai_chau.officer, Decision.ACCEPT)
    with pytest.raises(DomainError) as twice:
        review.propose(hoa.pk, lai_chau.officer, Decision.ACCEPT)
    assert twice.value.code == "review_state"


@pytest.mark.parametrize(("decision", "values", "code"), [
    (Decision.CORRECT, {}, "review_correction_empty"),
    (Decision.CORRECT, {"full_name": "Nguyễn Thị Hoa"}, "identity_unchanged"),
    (Decision.ACCEPT, {"full_name": "Nguyễn Thị Hòa"}, "review_accept_values"),
    ("maybe", {}, "review_decision_invalid"),
])
def test_a_proposal_that_makes_no_sense_is_refused(discrepancies, lai_chau, decision, values,
                                                    code):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    with pytest.raises(DomainError) as refused:
        review.propose(hoa.pk, lai_chau.officer, decision, **values)
    assert refused.value.code == code
    assert VerificationResult.objects.get(pk=hoa.pk).review_status == ReviewStatus.PENDING


def test_the_database_refuses_a_checker_who_is_the_maker(discrepancies, lai_chau):
    hoa = discrepancies["Nguyễn Thị Hoa"]
    review.propose(hoa.pk, lai_chau.officer, Decision.ACCEPT)
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationResult.objects.filter(pk=hoa.pk).update(
            decided_by=lai_chau.officer.username)


def test_the_database_refuses_a_match_in_the_queue(discrepancies):
    may = discrepancies["Tẩn Thị Mẩy"]
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationResult.objects.filter(pk=may.pk).update(review_status=ReviewStatus.PENDING)
