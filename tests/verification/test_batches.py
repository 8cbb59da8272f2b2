"""Verification batches (issue 16): a run over a province's beneficiaries finds what the
population database says, records it chunk by chunk, and stays inside its province; the
police see only the batches sent to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role
from chitra.core.errors import DomainError, NotInScope
from chitra.core.models import AuditEntry
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    VerificationOutcome,
    VerificationStamp,
)
from chitra.registry.verification_due import months_before, not_verified_since
from chitra.verification import queries, services
from chitra.verification.adapters import (
    HttpPopulationAdapter,
    InMemoryPopulationAdapter,
    PopulationUnavailable,
)
from chitra.verification.models import (
    AdapterKind,
    BatchStatus,
    ReviewStatus,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome, PersonAnswer, PersonCheck
from chitra.verification.population import PopulationRecord
from chitra.verification.simulator import Planted, PopulationSimulator, population_from, serving
from tests import factories as f

NAMES = ["Nguyễn Thị Hoa", "Lò Văn Pọm", "Trần Văn Minh", "Lê Thị Mai", "Hoàng Văn Sơn",
         "Tẩn Thị Mẩy", "Phạm Văn Đức", "Vũ Thị Lan", "Đỗ Văn Hùng", "Bùi Thị Thuỷ"]
EVERY_KIND = dict.fromkeys(Planted, 1_000)  # 10 % of the people each


def make_people(n: int, province: str = f.LAI_CHAU) -> list[Beneficiary]:
    """``n`` beneficiaries of ``province`` across two of its wards (someone can move)."""
    wards = ([f.DOAN_KET, f.TAN_PHONG] if province == f.LAI_CHAU else [f.DIEN_BIEN_PHU])
    return [f.beneficiary(NAMES[i % len(NAMES)], ward_code=wards[i % len(wards)],
                          dob=date(1945 + i % 20, 1 + i % 12, 1 + (i * 5) % 28),
                          province_code=province)
            for i in range(n)]


def checks_of(province: str) -> list[PersonCheck]:
    return [check for _, check in services.people_to_check(province)]


def planted_population(province: str = f.LAI_CHAU, seed: int = 7
                       ) -> tuple[dict[str, PopulationRecord], dict[str, Planted]]:
    return population_from(checks_of(province), seed, rates_bp=EVERY_KIND)


def run(province: str, user, adapter, **kw) -> VerificationBatch:  # type: ignore[no-untyped-def]
    batch = services.create_batch(province, AdapterKind.SIM, user)
    return services.run_batch(batch.pk, adapter, **kw)


@pytest.fixture
def people(lai_chau, dien_bien) -> list[Beneficiary]:  # type: ignore[no-untyped-def]
    make_people(6, f.DIEN_BIEN)
    return make_people(60)


def test_a_run_finds_every_planted_discrepancy_and_no_false_alarm(people, lai_chau):
    population, planted = planted_population()
    assert set(planted.values()) == set(Planted)  # every kind was planted
    batch = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population, max_batch=7))
    assert (batch.status, batch.people_done, batch.people_total) == (BatchStatus.DONE, 60, 60)
    found = dict(VerificationResult.objects.filter(batch=batch)
                 .values_list("citizen_id", "outcome"))
    assert len(found) == 60
    assert {cid: found[cid] for cid in planted} == {
        cid: kind.outcome for cid, kind in planted.items()}
    assert {found[cid] for cid in found if cid not in planted} == {Outcome.MATCH}


def test_each_person_is_stamped_with_the_outcome_and_discrepancies_await_review(people,
                                                                                 lai_chau):
    population, planted = planted_population()
    batch = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    stamped = dict(VerificationStamp.objects.filter(beneficiary__province_code=f.LAI_CHAU)
                   .values_list("beneficiary__citizen_id", "outcome"))
    assert all(stamped[cid] == kind.outcome for cid, kind in planted.items())
    assert not Beneficiary.objects.filter(province_code=f.LAI_CHAU,
                                          verification_stamp=None).exists()
    assert set(VerificationStamp.objects.values_list("source", flat=True)) == {
        f"batch:{batch.pk}"}
    reviews = dict(VerificationResult.objects.filter(batch=batch)
                   .values_list("outcome", "review_status").distinct())
    assert reviews[Outcome.MATCH] == ReviewStatus.NOT_NEEDED
    assert reviews[Outcome.DECEASED] == ReviewStatus.NOT_NEEDED
    for outcome in (Outcome.NAME_DIFFERS, Outcome.BIRTH_DATE_DIFFERS, Outcome.NOT_FOUND,
                    Outcome.MOVED):
        assert reviews[outcome] == ReviewStatus.PENDING
    moved = VerificationResult.objects.filter(batch=batch, outcome=Outcome.MOVED).first()
    assert moved is not None
    assert moved.new_ward_code != moved.ward_code
    assert moved.new_ward_code in (f.DOAN_KET, f.TAN_PHONG)


def test_the_other_province_is_not_asked_about(people, lai_chau):
    population, _ = planted_population()
    run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    assert not VerificationResult.objects.filter(
        beneficiary__province_code=f.DIEN_BIEN).exists()
    assert not VerificationStamp.objects.filter(
        beneficiary__province_code=f.DIEN_BIEN).exists()


def test_progress_is_reported_and_kept_after_each_chunk(people, lai_chau):
    population, _ = planted_population()
    seen: list[tuple[int, int]] = []
    done_in_db: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        done_in_db.append(VerificationBatch.objects.get().people_done)

    run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population, max_batch=25),
        progress=progress)
    assert seen == [(0, 60), (25, 60), (50, 60), (60, 60)]
    assert done_in_db == [0, 25, 50, 60]


class _FailsOnCall(InMemoryPopulationAdapter):
    """The population database falls over after ``ok`` chunks."""

    def __init__(self, population, ok: int, **kw) -> None:  # type: ignore[no-untyped-def]
        super().__init__(population, **kw)
        self.ok = ok

    def verify_chunk(self, chunk: Sequence[PersonCheck]) -> list[PersonAnswer]:
        if self.ok == 0:
            raise PopulationUnavailable("HTTP 503 × 4")
        self.ok -= 1
        return super().verify_chunk(chunk)


def test_an_unreachable_service_fails_the_batch_and_changes_nothing(people, lai_chau):
    population, _ = planted_population()
    audit_before = AuditEntry.objects.count()
    simulator = PopulationSimulator(population, "secret-token", error_rate_pct=100)
    with serving(simulator) as url:
        adapter = HttpPopulationAdapter(url, "secret-token", retries=1, backoff_ms=0)
        batch = run(f.LAI_CHAU, lai_chau.officer, adapter)
    assert batch.status == BatchStatus.FAILED
    assert batch.error_code == "population_unavailable"
    assert "CSDL quốc gia về dân cư" in batch.error_message
    assert batch.finished_at is not None
    assert not VerificationResult.objects.exists()
    assert not VerificationStamp.objects.exists()
    assert not Beneficiary.objects.exclude(status=BeneficiaryStatus.ACTIVE).exists()
    assert AuditEntry.objects.count() == audit_before + 1  # the batch's creation only


def test_a_failed_batch_keeps_what_was_recorded_and_runs_again_from_there(people, lai_chau):
    population, planted = planted_population()
    batch = run(f.LAI_CHAU, lai_chau.officer, _FailsOnCall(population, ok=2, max_batch=10))
    assert (batch.status, batch.people_done) == (BatchStatus.FAILED, 20)
    assert VerificationResult.objects.filter(batch=batch).count() == 20
    again = services.run_batch(batch.pk, InMemoryPopulationAdapter(population, max_batch=10))
    assert (again.status, again.people_done, again.people_total) == (BatchStatus.DONE, 60, 60)
    assert (again.error_code, again.error_message) == ("", "")
    found = dict(VerificationResult.objects.filter(batch=batch)
                 .values_list("citizen_id", "outcome"))
    assert len(found) == 60
    assert all(found[cid] == kind.outcome for cid, kind in planted.items())


def test_a_finished_batch_is_not_run_twice(people, lai_chau):
    population, _ = planted_population()
    batch = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    again = services.run_batch(batch.pk, InMemoryPopulationAdapter(population))
    assert again.status == BatchStatus.DONE
    assert VerificationResult.objects.count() == 60


def test_the_dead_already_recorded_are_not_asked_again(people, lai_chau):
    population, planted = planted_population()
    run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    dead = sum(kind == Planted.DECEASED for kind in planted.values())
    second = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    assert second.people_total == 60 - dead


def test_a_record_a_request_cannot_carry_is_left_out_and_counted(people, lai_chau):
    Beneficiary.objects.filter(pk=people[0].pk).update(full_name="Nguyễn 3 Hoa")
    population, _ = planted_population()
    batch = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    assert (batch.people_done, batch.people_total, batch.people_skipped) == (60, 60, 1)
    assert not VerificationResult.objects.filter(beneficiary=people[0]).exists()


# --- answers brought from elsewhere (the police's file) ---------------------------------------

def test_record_answers_reports_strangers_and_repeats_and_changes_nothing_for_them(
        people, lai_chau, dien_bien):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    VerificationBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.AWAITING_ANSWER, people_total=60)
    ours = people[0]
    theirs = Beneficiary.objects.filter(province_code=f.DIEN_BIEN).first()
    assert theirs is not None
    answers = [PersonAnswer(ours.citizen_id, Outcome.NOT_FOUND),
               PersonAnswer(theirs.citizen_id, Outcome.NOT_FOUND),
               PersonAnswer("001199999999", Outcome.NOT_FOUND)]
    recorded = services.record_answers(batch, answers, actor=lai_chau.officer)
    assert (recorded.results, recorded.to_review) == (1, 1)
    assert recorded.unknown == [theirs.citizen_id, "001199999999"]
    again = services.record_answers(batch, answers[:1], actor=lai_chau.officer)
    assert (again.results, again.already) == (0, [ours.citizen_id])
    assert not VerificationStamp.objects.filter(beneficiary=theirs).exists()
    assert VerificationBatch.objects.get(pk=batch.pk).people_done == 1


def test_record_answers_refuses_two_answers_for_one_person(people, lai_chau):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    VerificationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.AWAITING_ANSWER)
    cid = people[0].citizen_id
    with pytest.raises(DomainError) as refused:
        services.record_answers(batch, [PersonAnswer(cid, Outcome.NOT_FOUND)] * 2)
    assert refused.value.code == "answer_duplicate_id"
    assert not VerificationResult.objects.exists()


def test_record_answers_refuses_another_provinces_officer_and_a_batch_not_awaiting(
        people, lai_chau, dien_bien):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    answer = [PersonAnswer(people[0].citizen_id, Outcome.NOT_FOUND)]
    with pytest.raises(DomainError) as queued:
        services.record_answers(batch, answer)
    assert queued.value.code == "batch_state"
    VerificationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.AWAITING_ANSWER)
    with pytest.raises(NotInScope):
        services.record_answers(batch, answer, actor=dien_bien.officer)
    assert not VerificationResult.objects.exists()


# --- who may create and see batches -------------------------------------------------------------

def test_a_batch_goes_to_the_provinces_police_by_default(people, lai_chau):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    assert batch.police_org == lai_chau.police.organization
    assert (batch.status, batch.requested_by) == (BatchStatus.QUEUED, lai_chau.officer.username)
    assert AuditEntry.objects.filter(action="verification.batch_create",
                                     object_id=str(batch.pk)).exists()


def test_create_batch_refuses_outsiders(people, lai_chau, dien_bien):
    with pytest.raises(NotInScope):
        services.create_batch(f.LAI_CHAU, AdapterKind.SIM, dien_bien.officer)
    for outsider in (lai_chau.ward_team, lai_chau.police, lai_chau.viewer, lai_chau.bank):
        with pytest.raises(DomainError) as refused:
            services.create_batch(f.LAI_CHAU, AdapterKind.SIM, outsider)
        assert refused.value.code == "verification_forbidden"
    with pytest.raises(DomainError) as other_police:
        services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer,
                              police_org=dien_bien.police.organization)
    assert other_police.value.code == "police_org_invalid"
    with pytest.raises(DomainError) as kind:
        services.create_batch(f.LAI_CHAU, "fax", lai_chau.officer)
    assert kind.value.code == "adapter_kind_invalid"
    assert not VerificationBatch.objects.exists()


def test_police_see_only_the_batches_sent_to_them(people, lai_chau, dien_bien):
    population, _ = planted_population()
    batch = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    second_police = f.organization(OrganizationKind.POLICE, province_code=f.LAI_CHAU)
    other_unit = f.user(Role.POLICE_VERIFIER, second_police)
    assert list(queries.batches_for(lai_chau.police)) == [batch]
    assert queries.results_of(batch, lai_chau.police).count() == 60
    assert queries.outcome_counts(batch, lai_chau.police)[Outcome.MATCH] > 0
    for outsider in (other_unit, dien_bien.police, dien_bien.officer, lai_chau.ward_team,
                     lai_chau.viewer, lai_chau.bank):
        assert not queries.batches_for(outsider).exists()
        with pytest.raises(NotInScope):
            queries.results_of(batch, outsider)
    assert list(queries.batches_for(lai_chau.officer)) == [batch]
    assert list(queries.batches_for(lai_chau.approver)) == [batch]


def test_results_filter_by_outcome(people, lai_chau):
    population, planted = planted_population()
    batch = run(f.LAI_CHAU, lai_chau.officer, InMemoryPopulationAdapter(population))
    moved = {cid for cid, kind in planted.items() if kind == Planted.MOVED}
    assert set(queries.results_of(batch, lai_chau.officer, Outcome.MOVED)
               .values_list("citizen_id", flat=True)) == moved
    assert not queries.results_of(batch, lai_chau.officer, "nonsense").exists()


# --- the database keeps the rules -------------------------------------------------------------

def test_progress_cannot_pass_the_total(lai_chau):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationBatch.objects.filter(pk=batch.pk).update(people_done=1)


def test_a_failed_batch_names_its_error(lai_chau):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)


def test_registry_outcomes_are_the_verification_outcomes():
    assert VerificationOutcome.choices == [(o.value, str(o.label)) for o in Outcome]


# --- who is due a verification ------------------------------------------------------------------

def test_not_verified_in_twelve_months_is_listed(people, lai_chau):
    today = date(2026, 12, 3)
    recent, old, never, suspended = people[:4]
    VerificationStamp.objects.bulk_create(
        VerificationStamp(beneficiary=b, verified_at=timezone.now(), outcome="match",
                          source="test") for b in Beneficiary.objects.exclude(
                              pk__in=[never.pk, suspended.pk]))
    stamp = timezone.make_aware
    VerificationStamp.objects.filter(beneficiary=recent).update(
        verified_at=stamp(datetime(2025, 12, 3, 0, 0)))
    VerificationStamp.objects.filter(beneficiary=old).update(
        verified_at=stamp(datetime(2025, 12, 2, 23, 59)))
    Beneficiary.objects.filter(pk__in=[suspended.pk]).update(
        status=BeneficiaryStatus.SUSPENDED, status_reason="test")
    f.beneficiary(province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)  # never verified
    due = list(not_verified_since(f.LAI_CHAU, today=today).values_list("pk", flat=True))
    assert due == sorted([old.pk, never.pk])
    when = dict(not_verified_since(f.LAI_CHAU, today=today).values_list("pk", "verified_at"))
    assert when == {old.pk: stamp(datetime(2025, 12, 2, 23, 59)), never.pk: None}


def test_months_before_keeps_to_the_calendar():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 12) == date(2025, 1, 15)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2026, 1, 1), 0) == date(2026, 1, 1)
    with pytest.raises(ValueError, match="months"):
        months_before(date(2026, 1, 1), -1)


def test_verification_stamp_needs_a_date_and_a_known_outcome(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationStamp.objects.create(beneficiary=people[0], verified_at=None,
                                         outcome="match", source="test")
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationStamp.objects.create(
            beneficiary=people[0], verified_at=timezone.now() - timedelta(days=1),
            outcome="maybe", source="test")
    assert not VerificationStamp.objects.exists()
