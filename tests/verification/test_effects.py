"""What an answer of the population database changes (issue 16, item 4): the dead stop being
paid, and our records are corrected only through the registry's services, old and new values
kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.core.text import fold_key
from chitra.payments.models import PaymentItem
from chitra.registry import services as registry
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    BenefitStatus,
    IdentityCorrection,
)
from chitra.verification import services
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.models import AdapterKind, ReviewStatus, VerificationResult
from chitra.verification.outcomes import Outcome, PersonCheck
from chitra.verification.population import PopulationRecord
from tests import factories as f
from tests.payments.factories import DEC, computed_cycle


def _record(check: PersonCheck, **changes: object) -> PopulationRecord:
    return replace(PopulationRecord(check.citizen_id, check.full_name, check.date_of_birth,
                                    check.sex, check.ward_code), **changes)


def _verify(user, deaths: dict[int, date]):  # type: ignore[no-untyped-def]
    """Run a batch of Lai Châu against a population where ``deaths`` (id → date) died."""
    population = {}
    for pk, check in services.people_to_check(f.LAI_CHAU):
        population[check.citizen_id] = _record(check, death_date=deaths.get(pk))
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, user)
    return services.run_batch(batch.pk, InMemoryPopulationAdapter(population))


@pytest.fixture
def three(lai_chau, dien_bien) -> list[Beneficiary]:  # type: ignore[no-untyped-def]
    return [f.beneficiary("Lò Văn Pọm"), f.beneficiary("Tẩn Thị Mẩy"),
            f.beneficiary("Nguyễn Văn Đức", dob=date(1950, 5, 6))]


def test_the_dead_get_a_date_of_death_and_drop_out_of_the_next_cycle(three, lai_chau):
    dead = three[0]
    batch = _verify(lai_chau.officer, {dead.pk: date(2026, 10, 20)})
    dead.refresh_from_db()
    assert (dead.status, dead.death_date) == (BeneficiaryStatus.DECEASED, date(2026, 10, 20))
    assert f.stamp_of(dead) == Outcome.DECEASED
    assert "20/10/2026" in dead.status_reason
    assert set(dead.benefits.values_list("status", flat=True)) == {BenefitStatus.SUSPENDED}
    result = VerificationResult.objects.get(batch=batch, beneficiary=dead)
    assert (result.outcome, result.death_date, result.review_status) == (
        Outcome.DECEASED, date(2026, 10, 20), ReviewStatus.NOT_NEEDED)
    assert AuditEntry.objects.filter(action="beneficiary.record_death",
                                     object_id=str(dead.pk)).count() == 1
    cycle = computed_cycle(DEC)
    paid = set(PaymentItem.objects.filter(cycle=cycle).values_list("beneficiary_id", flat=True))
    assert paid == {three[1].pk, three[2].pk}


def test_a_death_before_our_date_of_birth_is_reviewed_not_recorded(three, lai_chau):
    person = three[2]  # born 06/05/1950
    # The population database's own record is consistent: it has another date of birth.
    population = {check.citizen_id: _record(check) for _, check in
                  services.people_to_check(f.LAI_CHAU)}
    population[person.citizen_id] = replace(population[person.citizen_id],
                                            date_of_birth=date(1940, 5, 6),
                                            death_date=date(1949, 1, 1))
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, lai_chau.officer)
    services.run_batch(batch.pk, InMemoryPopulationAdapter(population))
    person.refresh_from_db()
    assert (person.status, person.death_date) == (BeneficiaryStatus.ACTIVE, None)
    result = VerificationResult.objects.get(beneficiary=person)
    assert (result.outcome, result.review_status) == (Outcome.DECEASED, ReviewStatus.PENDING)


def test_record_deaths_is_all_or_nothing(three):
    alive, born_1950 = three[0], three[2]
    with pytest.raises(DomainError) as refused:
        registry.record_deaths({alive.pk: date(2026, 1, 1), born_1950.pk: date(1949, 12, 31)},
                               source="test", actor="officer")
    assert refused.value.code == "death_invalid"
    with pytest.raises(DomainError):
        registry.record_deaths({alive.pk: timezone.localdate() + timedelta(days=1)},
                               source="test", actor="officer")
    assert not Beneficiary.objects.exclude(status=BeneficiaryStatus.ACTIVE).exists()
    assert not Beneficiary.objects.filter(death_date__isnull=False).exists()


def test_a_date_of_death_already_recorded_stays(three):
    person = three[0]
    assert registry.record_deaths({person.pk: date(2026, 1, 1)}, source="a",
                                  actor="x") == [person.pk]
    assert registry.record_deaths({person.pk: date(2026, 2, 1)}, source="b", actor="x") == []
    person.refresh_from_db()
    assert person.death_date == date(2026, 1, 1)


def test_someone_marked_deceased_without_a_date_gets_the_date(three):
    person = three[0]
    registry.stop_payment(person, status=BeneficiaryStatus.DECEASED, reason="báo tử",
                          actor="officer")
    assert registry.record_deaths({person.pk: date(2026, 3, 1)}, source="police",
                                  actor="officer") == [person.pk]
    person.refresh_from_db()
    assert (person.status, person.death_date, person.status_reason) == (
        BeneficiaryStatus.DECEASED, date(2026, 3, 1), "báo tử")


def test_the_database_refuses_a_date_of_death_on_the_living(three):
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiary.objects.filter(pk=three[0].pk).update(death_date=date(2026, 1, 1))


def test_the_database_refuses_a_death_before_birth(three):
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiary.objects.filter(pk=three[2].pk).update(
            status=BeneficiaryStatus.DECEASED, status_reason="x", death_date=date(1900, 1, 1))


# --- corrections -----------------------------------------------------------------------------

def test_a_correction_keeps_old_and_new_values_and_the_search_key(three):
    person = three[1]
    rows = registry.correct_identity(person.pk, full_name="  Tẩn  Thị Mẩy Chang ",
                                     date_of_birth=date(1958, 3, 4), ward_code=f.TAN_PHONG,
                                     actor="officer/approver", reason="theo CSDL dân cư")
    person.refresh_from_db()
    assert (person.full_name, person.name_key) == ("Tẩn Thị Mẩy Chang",
                                                  fold_key("Tẩn Thị Mẩy Chang"))
    assert (person.date_of_birth, person.ward_code) == (date(1958, 3, 4), f.TAN_PHONG)
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("full_name", "Tẩn Thị Mẩy", "Tẩn Thị Mẩy Chang"),
        ("date_of_birth", "1958-03-14", "1958-03-04"),
        ("ward_code", f.DOAN_KET, f.TAN_PHONG)]
    entry = AuditEntry.objects.get(action="beneficiary.correct_identity")
    assert entry.before == {"full_name": "Tẩn Thị Mẩy", "date_of_birth": "1958-03-14",
                            "ward_code": f.DOAN_KET}
    assert entry.after["reason"] == "theo CSDL dân cư"
    assert {r.audit_entry_id for r in IdentityCorrection.objects.all()} == {entry.pk}


def test_only_what_changes_is_recorded(three):
    person = three[0]
    rows = registry.correct_identity(person.pk, full_name="Lò Văn Pọm",
                                     date_of_birth=date(1958, 3, 15), actor="a", reason="r")
    assert [r.field for r in rows] == ["date_of_birth"]


@pytest.mark.parametrize(("changes", "code"), [
    ({}, "identity_unchanged"),
    ({"full_name": "Lò Văn Pọm"}, "identity_unchanged"),
    ({"full_name": "   "}, "identity_invalid"),
    ({"full_name": "x" * 121}, "identity_invalid"),
    ({"ward_code": f.DIEN_BIEN_PHU}, "identity_invalid"),  # another province
    ({"ward_code": "99999"}, "identity_invalid"),
    ({"date_of_birth": date(2999, 1, 1)}, "identity_invalid"),
])
def test_a_correction_that_cannot_be_is_refused_and_changes_nothing(three, changes, code):
    person = three[0]
    with pytest.raises(DomainError) as refused:
        registry.correct_identity(person.pk, actor="a", reason="r", **changes)
    assert refused.value.code == code
    assert Beneficiary.objects.get(pk=person.pk).full_name == "Lò Văn Pọm"
    assert not IdentityCorrection.objects.exists()
    assert not AuditEntry.objects.filter(action="beneficiary.correct_identity").exists()


def test_a_correction_needs_a_reason(three):
    with pytest.raises(DomainError) as refused:
        registry.correct_identity(three[0].pk, full_name="Lò Văn Pom", actor="a", reason=" ")
    assert refused.value.code == "identity_invalid"
