"""What the review of issue 16 found, fixed: the simulator only where allowed, a death applied
only when clearly our person, a death held for review recordable (maker–checker), facts that
contradict our record surfaced, corrections checked, one open batch per province, effects
attributed to who brought the answer, and "verified" meaning confirmed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.registry import services as registry
from chitra.registry import stamps
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    IdentityCorrection,
    VerificationOutcome,
)
from chitra.registry.verification_due import not_verified_since
from chitra.verification import review, services
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.forms import StartForm
from chitra.verification.management.commands.verify_population import Command
from chitra.verification.models import (
    AdapterKind,
    BatchStatus,
    Decision,
    ReviewReason,
    ReviewStatus,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome, PersonCheck
from chitra.verification.population import PopulationRecord, answer_for
from tests import factories as f

LIST = "/verification/"


def rec(b: Beneficiary, **kw: object) -> PopulationRecord:
    return replace(PopulationRecord(b.citizen_id, b.full_name, b.date_of_birth, b.sex,
                                    b.ward_code), **kw)


def run(user, population):  # type: ignore[no-untyped-def]
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, user)
    return services.run_batch(batch.pk, InMemoryPopulationAdapter(population))


def answer_file_batch(user):  # type: ignore[no-untyped-def]
    """A file batch of Lai Châu awaiting the police's answer."""
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, user)
    VerificationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.AWAITING_ANSWER)
    return batch


def answer(p: Beneficiary, **kw: object):  # type: ignore[no-untyped-def]
    check = PersonCheck(p.citizen_id, p.full_name, p.date_of_birth, p.sex, p.ward_code)
    return answer_for(check, rec(p, **kw))


# --- 1. the simulator only where the settings allow it ---------------------------------------

@pytest.fixture
def no_simulator(settings):  # type: ignore[no-untyped-def]
    settings.CHITRA_POPULATION_SIMULATOR = False


def test_without_the_setting_a_simulated_batch_is_refused_and_changes_nothing(
        no_simulator, lai_chau, dien_bien):
    p = f.beneficiary()
    audits = AuditEntry.objects.count()
    with pytest.raises(services.BatchRefused) as refused:
        services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    assert refused.value.code == "simulator_disabled"
    assert "chết" in refused.value.message_vi
    assert "deaths" in refused.value.message_en
    assert not VerificationBatch.objects.exists()
    assert AuditEntry.objects.count() == audits
    p.refresh_from_db()
    assert (p.status, f.stamp_of(p)) == (BeneficiaryStatus.ACTIVE, None)
    # The other paths stay open.
    assert services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)


def test_without_the_setting_the_start_form_and_page_do_not_offer_the_simulator(
        no_simulator, login, lai_chau, dien_bien):
    assert AdapterKind.SIM not in dict(StartForm().fields["adapter"].choices)  # type: ignore[attr-defined]
    client = login(lai_chau.officer)
    page = client.get(LIST)
    assert page.status_code == 200
    assert 'value="sim"' not in page.text
    assert 'value="file"' in page.text
    refused = client.post(LIST, {"adapter": "sim"})
    assert refused.status_code == 400
    assert 'id="adapter-error"' in refused.text
    assert not VerificationBatch.objects.exists()


def test_with_the_setting_the_form_offers_the_simulator(login, lai_chau, dien_bien):
    assert AdapterKind.SIM in dict(StartForm().fields["adapter"].choices)  # type: ignore[attr-defined]
    assert 'value="sim"' in login(lai_chau.officer).get(LIST).text


def test_without_the_setting_the_command_defaults_to_the_file_and_refuses_the_simulator(
        no_simulator, settings, lai_chau, dien_bien):
    f.beneficiary()
    assert Command().create_parser("chitra", "verify_population").parse_args([]).adapter == (
        AdapterKind.FILE)
    with pytest.raises(CommandError) as refused:
        call_command("verify_population", "--as", lai_chau.officer.username, "--adapter",
                     "sim", stdout=StringIO(), stderr=StringIO())
    assert refused.value.returncode == 2
    assert "simulator" in str(refused.value)
    assert not VerificationBatch.objects.exists()
    call_command("verify_population", "--as", lai_chau.officer.username,
                 stdout=StringIO(), stderr=StringIO())
    assert list(VerificationBatch.objects.values_list("adapter_kind", flat=True)) == [
        AdapterKind.FILE]
    settings.CHITRA_POPULATION_SIMULATOR = True
    assert Command().create_parser("chitra", "verify_population").parse_args([]).adapter == (
        AdapterKind.SIM)


# --- 2. a death applied only when clearly our person -----------------------------------------

@pytest.mark.parametrize("theirs", [
    {"full_name": "Trần Văn Bình", "date_of_birth": date(1960, 9, 9), "sex": "M"},  # someone else
    {"full_name": "NGUYEN THI HOA"},  # the name needs correcting
    {"date_of_birth": date(1950, 3, 4)},  # day and month swapped
])
def test_a_death_not_clearly_of_our_person_goes_to_review(lai_chau, dien_bien, theirs):
    p = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    run(lai_chau.officer, {p.citizen_id: rec(p, death_date=date(2026, 1, 1), **theirs)})
    r = VerificationResult.objects.get(beneficiary=p)
    p.refresh_from_db()
    assert (r.outcome, r.review_status, r.review_reason) == (
        Outcome.DECEASED, ReviewStatus.PENDING, ReviewReason.DEATH_IDENTITY_UNSURE)
    assert (p.status, p.death_date) == (BeneficiaryStatus.ACTIVE, None)
    assert not AuditEntry.objects.filter(action="beneficiary.record_death").exists()


def test_a_death_of_our_person_is_still_applied_at_once(lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    run(lai_chau.officer, {p.citizen_id: rec(p, death_date=date(2026, 1, 1))})
    p.refresh_from_db()
    assert (p.status, p.death_date) == (BeneficiaryStatus.DECEASED, date(2026, 1, 1))
    assert VerificationResult.objects.get(beneficiary=p).review_status == (
        ReviewStatus.NOT_NEEDED)


# --- 3. a death held for review can be recorded ----------------------------------------------

def test_a_death_in_review_is_recorded_with_the_corrections_by_maker_and_checker(
        lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))
    run(lai_chau.officer, {p.citizen_id: rec(p, date_of_birth=date(1940, 5, 6),
                                             death_date=date(1949, 1, 1))})
    r = VerificationResult.objects.get(beneficiary=p)
    assert r.review_status == ReviewStatus.PENDING
    # Correcting a deceased answer and leaving the person paid is no option.
    with pytest.raises(DomainError) as corrected:
        review.propose(r.pk, lai_chau.officer, "correct", date_of_birth=date(1940, 5, 6))
    assert corrected.value.code == "review_deceased_correct"
    review.propose(r.pk, lai_chau.officer, Decision.RECORD_DEATH,
                   date_of_birth=date(1940, 5, 6))
    with pytest.raises(review.ReviewRefused):  # the maker does not decide
        review.decide(r.pk, lai_chau.officer, True)
    review.decide(r.pk, lai_chau.approver, True)
    p.refresh_from_db()
    r.refresh_from_db()
    assert (p.status, p.death_date, p.date_of_birth) == (
        BeneficiaryStatus.DECEASED, date(1949, 1, 1), date(1940, 5, 6))
    assert r.review_status == ReviewStatus.DEATH_RECORDED
    assert IdentityCorrection.objects.filter(beneficiary=p, field="date_of_birth").exists()
    death = AuditEntry.objects.get(action="beneficiary.record_death")
    assert death.actor == f"{lai_chau.officer.username}/{lai_chau.approver.username}"


def test_recording_a_death_is_only_for_a_deceased_answer(lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    run(lai_chau.officer, {p.citizen_id: rec(p, full_name="NGUYEN THI HOA")})
    r = VerificationResult.objects.get(beneficiary=p)
    with pytest.raises(DomainError) as refused:
        review.propose(r.pk, lai_chau.officer, Decision.RECORD_DEATH)
    assert refused.value.code == "review_record_death_not_deceased"
    r.refresh_from_db()
    assert r.review_status == ReviewStatus.PENDING
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationResult.objects.filter(pk=r.pk).update(
            review_status=ReviewStatus.PROPOSED, proposed_decision=Decision.RECORD_DEATH,
            proposed_by="x", proposed_at=timezone.now())


def test_a_rejected_death_changes_nothing(lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    run(lai_chau.officer, {p.citizen_id: rec(p, full_name="NGUYEN THI HOA",
                                             death_date=date(2026, 1, 1))})
    r = VerificationResult.objects.get(beneficiary=p)
    review.propose(r.pk, lai_chau.officer, Decision.RECORD_DEATH)
    review.decide(r.pk, lai_chau.approver, False)
    p.refresh_from_db()
    assert (p.status, p.death_date) == (BeneficiaryStatus.ACTIVE, None)


def test_a_death_is_recorded_from_the_review_page(login, lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    run(lai_chau.officer, {p.citizen_id: rec(p, full_name="NGUYEN THI HOA",
                                             death_date=date(2026, 1, 1))})
    r = VerificationResult.objects.get(beneficiary=p)
    page = login(lai_chau.officer).get("/verification/review/")
    assert 'value="record_death"' in page.text
    assert 'data-key="review-reason"' in page.text
    assert login(lai_chau.officer).post(f"/verification/review/{r.pk}/propose/", {
        f"r{r.pk}-decision": "record_death"}).status_code == 302
    assert login(lai_chau.approver).post(f"/verification/review/{r.pk}/decide/", {
        f"r{r.pk}-approve": "1"}).status_code == 302
    p.refresh_from_db()
    assert (p.status, p.death_date) == (BeneficiaryStatus.DECEASED, date(2026, 1, 1))


# --- 4. facts contradicting our record surface -----------------------------------------------

def test_another_date_of_death_goes_to_review_and_ours_stays(lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))
    registry.record_deaths({p.pk: date(2026, 6, 1)}, source="x", actor="x")
    batch = answer_file_batch(lai_chau.officer)
    services.record_answers(batch, [answer(p, death_date=date(2026, 1, 1))])
    r = VerificationResult.objects.get(beneficiary=p)
    p.refresh_from_db()
    assert (r.review_status, r.review_reason) == (ReviewStatus.PENDING,
                                                  ReviewReason.DEATH_DATE_DIFFERS)
    assert (p.death_date, f.stamp_of(p)) == (date(2026, 6, 1), None)
    with pytest.raises(DomainError) as refused:  # the date on record is not replaced here
        review.propose(r.pk, lai_chau.officer, Decision.RECORD_DEATH)
    assert refused.value.code == "review_death_already_recorded"
    review.propose(r.pk, lai_chau.officer, Decision.ACCEPT)
    review.decide(r.pk, lai_chau.approver, True)
    p.refresh_from_db()
    assert p.death_date == date(2026, 6, 1)


def test_the_same_date_of_death_needs_no_review(lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))
    registry.record_deaths({p.pk: date(2026, 6, 1)}, source="x", actor="x")
    batch = answer_file_batch(lai_chau.officer)
    services.record_answers(batch, [answer(p, death_date=date(2026, 6, 1))])
    assert VerificationResult.objects.get(beneficiary=p).review_status == (
        ReviewStatus.NOT_NEEDED)


def test_someone_we_hold_dead_found_alive_goes_to_review_and_stays_stopped(
        lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))
    registry.stop_payment(p, status=BeneficiaryStatus.DECEASED, reason="MD07", actor="x")
    run(lai_chau.officer, {p.citizen_id: rec(p)})
    r = VerificationResult.objects.get(beneficiary=p)
    p.refresh_from_db()
    assert (r.outcome, r.review_status, r.review_reason) == (
        Outcome.MATCH, ReviewStatus.PENDING, ReviewReason.ALIVE_BUT_DECEASED)
    assert (p.status, f.stamp_of(p)) == (BeneficiaryStatus.DECEASED, None)


def test_a_match_without_a_reason_cannot_wait_for_review(lai_chau, dien_bien):
    p = f.beneficiary()
    run(lai_chau.officer, {p.citizen_id: rec(p)})
    r = VerificationResult.objects.get(beneficiary=p)
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationResult.objects.filter(pk=r.pk).update(review_status=ReviewStatus.PENDING)


# --- 5. correction values checked --------------------------------------------------------------

@pytest.fixture
def name_result(lai_chau, dien_bien) -> VerificationResult:  # type: ignore[no-untyped-def]
    p = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3))
    run(lai_chau.officer, {p.citizen_id: rec(p, full_name="NGUYEN THI HOA")})
    return VerificationResult.objects.get(beneficiary=p)


@pytest.mark.parametrize("bad", ["Nguyễn Thị Hoa 2", "Nguyễn\u0007 Thị Hòa",
                                 "Nguyễn\u2028Thị Hòa", "Nguyễn \u202eThị Hòa", "x" * 121])
def test_a_correction_to_a_name_that_is_not_one_is_refused(name_result, lai_chau, bad):
    with pytest.raises(DomainError):
        review.propose(name_result.pk, lai_chau.officer, "correct", full_name=bad)
    name_result.refresh_from_db()
    assert (name_result.review_status, name_result.proposed_full_name) == (
        ReviewStatus.PENDING, "")


def test_a_correction_to_an_impossible_date_of_birth_is_refused(name_result, lai_chau):
    with pytest.raises(DomainError) as future:
        review.propose(name_result.pk, lai_chau.officer, "correct",
                       date_of_birth=timezone.localdate() + timedelta(days=1))
    assert future.value.code == "review_birth_invalid"
    registry.record_deaths({name_result.beneficiary_id: date(2020, 1, 1)}, source="x",
                           actor="x")
    with pytest.raises(DomainError):
        review.propose(name_result.pk, lai_chau.officer, "correct",
                       date_of_birth=date(2021, 1, 1))
    name_result.refresh_from_db()
    assert name_result.review_status == ReviewStatus.PENDING


def test_the_review_page_refuses_a_name_with_a_control_character(login, name_result,
                                                                  lai_chau):
    r = name_result
    response = login(lai_chau.officer).post(f"/verification/review/{r.pk}/propose/", {
        f"r{r.pk}-decision": "correct", f"r{r.pk}-full_name": "Nguyễn\u0007 Thị Hòa"})
    assert response.status_code == 400
    r.refresh_from_db()
    assert (r.review_status, r.proposed_full_name) == (ReviewStatus.PENDING, "")


@pytest.mark.parametrize("bad", ["Nguyễn\u0007Thị", "Nguyễn\u2028Thị", "Nguyễn\u2029Thị",
                                 "Nguyễn\u200bThị", "Nguyễn\x85Thị"])
def test_the_registry_refuses_a_name_with_control_or_separator_characters(
        lai_chau, dien_bien, bad):
    p = f.beneficiary("Nguyễn Thị Hoa")
    with pytest.raises(DomainError) as refused:
        registry.correct_identity(p.pk, full_name=bad, actor="x", reason="test")
    assert refused.value.code == "identity_invalid"
    p.refresh_from_db()
    assert p.full_name == "Nguyễn Thị Hoa"
    assert not IdentityCorrection.objects.exists()


# --- 6. one open batch per province ------------------------------------------------------------

def test_a_province_has_one_open_batch_at_a_time(lai_chau, dien_bien):
    first = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    with pytest.raises(services.BatchRefused) as refused:
        services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.approver)
    assert refused.value.code == "batch_open"
    assert list(VerificationBatch.objects.values_list("pk", flat=True)) == [first.pk]
    # Another province is not held up; the province again once the first is over.
    assert services.create_batch(f.DIEN_BIEN, AdapterKind.FILE, dien_bien.officer)
    VerificationBatch.objects.filter(pk=first.pk).update(status=BatchStatus.DONE,
                                                         finished_at=timezone.now())
    assert services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)


def test_the_database_holds_one_open_batch_per_province(lai_chau, dien_bien):
    services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    for status in (BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.AWAITING_ANSWER):
        with pytest.raises(IntegrityError), transaction.atomic():
            VerificationBatch.objects.create(province_code=f.LAI_CHAU, status=status,
                                             adapter_kind=AdapterKind.FILE, requested_by="x")
    VerificationBatch.objects.create(province_code=f.LAI_CHAU, status=BatchStatus.FAILED,
                                     adapter_kind=AdapterKind.FILE, requested_by="x",
                                     error_code="x")


def test_a_failed_batch_is_not_run_again_while_another_is_open(lai_chau, dien_bien):
    failed = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    services.fail(failed.pk, DomainError("x", "x", "x"))
    services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    assert services.claim(failed.pk) is None
    assert VerificationBatch.objects.get(pk=failed.pk).status == BatchStatus.FAILED


# --- 7. attribution ----------------------------------------------------------------------------

def test_effects_of_an_uploaded_answer_are_recorded_in_the_uploaders_name(lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))
    batch = answer_file_batch(lai_chau.officer)
    services.record_answers(batch, [answer(p, death_date=date(2026, 1, 1))],
                            actor=lai_chau.police)
    for action in ("beneficiary.record_death", "beneficiary.stop_payment",
                   "beneficiary.verified"):
        assert AuditEntry.objects.get(action=action).actor == lai_chau.police.username


# --- 8. verified means confirmed ---------------------------------------------------------------

def test_only_a_recent_match_counts_as_verified(lai_chau, dien_bien):
    today = timezone.localdate()
    now = timezone.now()
    matched, not_found, differs, old = (f.beneficiary(n) for n in (
        "Lò Văn Pọm", "Tẩn Thị Mẩy", "Lê Thị Mai", "Vũ Thị Lan"))
    stamps.record_verification({matched.pk: VerificationOutcome.MATCH,
                                  not_found.pk: VerificationOutcome.NOT_FOUND,
                                  differs.pk: VerificationOutcome.NAME_DIFFERS},
                                 at=now, source="t", actor="t")
    stamps.record_verification({old.pk: VerificationOutcome.MATCH},
                                 at=now - timedelta(days=400), source="t", actor="t")
    due = set(not_verified_since(f.LAI_CHAU, today=today).values_list("pk", flat=True))
    assert due == {not_found.pk, differs.pk, old.pk}


def test_the_review_page_shows_both_dates_of_death_and_why(login, lai_chau, dien_bien):
    p = f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))
    registry.record_deaths({p.pk: date(2026, 6, 1)}, source="x", actor="x")
    services.record_answers(answer_file_batch(lai_chau.officer),
                            [answer(p, death_date=date(2026, 1, 1))])
    page = login(lai_chau.officer).get("/verification/review/").text
    assert 'data-key="our-death">01/06/2026<' in page
    assert "01/01/2026" in page
    assert str(ReviewReason.DEATH_DATE_DIFFERS.label) in page
