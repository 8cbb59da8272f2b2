"""The simulator's population from the registry (issue 16, item 2c): the registry's stream of
people on file (:func:`chitra.registry.population_checks.person_checks`), their conversion to
checks, and :func:`population_from` reading them once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from chitra.core.identifiers import Sex
from chitra.registry.models import Beneficiary, BeneficiaryStatus
from chitra.registry.population_checks import PersonOnFile, person_checks
from chitra.verification.outcomes import Outcome, PersonCheck
from chitra.verification.simulator import Planted, checks_from, population_from
from tests import factories as f
from tests.verification.test_http_adapter import AS_OF, people


def test_person_checks_reads_one_province_or_all_in_a_stream():
    hoa = f.beneficiary("Nguyễn Thị Hoa", dob=date(1950, 4, 3), sex=Sex.FEMALE)
    duc = f.beneficiary("Lò Văn Đức", ward_code=f.TAN_PHONG)
    pao = f.beneficiary("Giàng A Páo", ward_code=f.DIEN_BIEN_PHU,
                        province_code=f.DIEN_BIEN, dob=date(1960, 1, 2))

    lai_chau = person_checks(f.LAI_CHAU, chunk_size=1)
    assert isinstance(lai_chau, Iterator)  # a stream, not a list
    assert list(lai_chau) == [
        PersonOnFile(hoa.citizen_id, "Nguyễn Thị Hoa", date(1950, 4, 3), "F", f.DOAN_KET,
                     "Tổ 1"),
        PersonOnFile(duc.citizen_id, "Lò Văn Đức", date(1958, 3, 14), "M", f.TAN_PHONG,
                     "Tổ 1")]
    assert [p.citizen_id for p in person_checks(f.DIEN_BIEN)] == [pao.citizen_id]
    assert [p.citizen_id for p in person_checks()] == [
        hoa.citizen_id, duc.citizen_id, pao.citizen_id]


@pytest.mark.parametrize(("province", "chunk_size"), [("99", 10), ("", 10), ("12", 0)])
def test_person_checks_refuses_bad_arguments_at_once(province, chunk_size):
    with pytest.raises(ValueError, match=r"province|chunk_size"):
        person_checks(province, chunk_size=chunk_size)


def test_a_stopped_beneficiary_is_still_checked():
    # The population database knows them too: a death there is what stops a payment.
    b = f.beneficiary()
    Beneficiary.objects.filter(pk=b.pk).update(status=BeneficiaryStatus.SUSPENDED,
                                               status_reason="test")
    assert [p.citizen_id for p in person_checks(f.LAI_CHAU)] == [b.citizen_id]


def test_rows_a_request_cannot_carry_are_skipped_and_named():
    good = PersonOnFile("012058000123", "Nguyễn Văn Đức", date(1958, 3, 14), "M", "03388", "")
    rows = [good,
            good._replace(citizen_id="12345"),  # not 12 digits
            good._replace(citizen_id="012058000124", full_name="Đức\u202e"),  # not a name
            good._replace(citizen_id="012058000125", sex="X")]
    skipped: list[str] = []
    checks = list(checks_from(rows, skipped))
    assert checks == [PersonCheck("012058000123", "Nguyễn Văn Đức", date(1958, 3, 14), Sex.MALE,
                                  "03388", "")]
    assert skipped == ["12345", "012058000124", "012058000125"]


def test_population_from_reads_its_people_once():
    checks = people(300)
    reads = 0

    def once() -> Iterator[PersonCheck]:
        nonlocal reads
        reads += 1
        yield from checks

    population, planted = population_from(once(), seed=4, as_of=AS_OF)
    assert reads == 1
    assert (population, planted) == population_from(checks, seed=4, as_of=AS_OF)
    assert {kind: sum(p == kind for p in planted.values()) for kind in Planted} == dict.fromkeys(
        Planted, 3)  # 1 % of 300 of each
    unknown = {cid for cid, kind in planted.items() if kind == Planted.UNKNOWN_ID}
    assert set(population) == {c.citizen_id for c in checks} - unknown
    assert Planted.DECEASED.outcome == Outcome.DECEASED


def test_population_from_refuses_a_personal_id_twice():
    checks = people(5)
    with pytest.raises(ValueError, match="twice"):
        population_from([*checks, checks[2]], seed=1, as_of=AS_OF)


def test_an_empty_registry_gives_an_empty_population():
    assert population_from(iter(()), seed=1, as_of=AS_OF) == ({}, {})
