"""The verification stamps (issue 16): written only by registry.stamps, one per person."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.registry import stamps
from chitra.registry.models import Beneficiary, VerificationOutcome, VerificationStamp
from tests import factories as f

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="stamp_in_bulk is PostgreSQL only")

_ROWS = """SELECT id AS beneficiary_id, 'batch:' || %(tag)s || ':' || province_code AS source
FROM registry_beneficiary WHERE id = ANY(%(ids)s)"""


def _people(n: int, province: str = f.LAI_CHAU) -> list[int]:
    return [f.beneficiary(f"Người Số {i}", province_code=province,
                          ward_code=f.DOAN_KET if province == f.LAI_CHAU else f.DIEN_BIEN_PHU).pk
            for i in range(n)]


def _at(hour: int) -> datetime:
    return datetime(2026, 12, 1, hour, tzinfo=UTC)


@postgresql_only
def test_stamp_in_bulk_stamps_each_person_once_and_counts_by_source() -> None:
    lai_chau, dien_bien = _people(3), _people(2, f.DIEN_BIEN)
    ids = lai_chau + dien_bien + [10**12]  # an id of nobody: left out
    sources = ["batch:a:12", "batch:a:11"]
    counts = stamps.stamp_in_bulk(_ROWS, {"tag": "a", "ids": ids}, sources=sources,
                                  at=_at(8), outcome=VerificationOutcome.MATCH, actor="tester")
    assert counts == {"batch:a:12": 3, "batch:a:11": 2}
    assert VerificationStamp.objects.count() == 5
    assert set(VerificationStamp.objects.filter(source="batch:a:11")
               .values_list("beneficiary_id", flat=True)) == set(dien_bien)
    entries = AuditEntry.objects.filter(action="beneficiary.verified").order_by("object_id")
    assert [(e.object_id, e.after["outcomes"]) for e in entries] == [
        ("batch:a:11", {"match": 2}), ("batch:a:12", {"match": 3})]


def _many(n: int) -> list[int]:
    """``n`` people (no benefit: a stamp needs none), enough to fill pages of stamps."""
    born = date(1950, 1, 1)
    return [b.pk for b in Beneficiary.objects.bulk_create(
        Beneficiary(citizen_id=f"0120{i:08d}", full_name=f"Người Số {i}",
                    name_key=f"nguoi so {i}", date_of_birth=born, sex="M",
                    province_code=f.LAI_CHAU, ward_code=f.DOAN_KET) for i in range(n))]


@postgresql_only
def test_a_later_run_rewrites_the_stamps_in_place() -> None:
    """The stamp table keeps room on its pages (migration registry 0011): the next run's
    update is heap-only, with no new index entry (what made a second national run slow).
    1,000 stamps fill several pages: without the room, most updates would not be."""
    ids = _many(1_000)
    stamps.stamp_in_bulk(_ROWS, {"tag": "a", "ids": ids}, sources=["batch:a:12"], at=_at(8),
                         outcome=VerificationOutcome.MATCH, actor="tester")
    before = _updates()
    counts = stamps.stamp_in_bulk(_ROWS, {"tag": "b", "ids": ids}, sources=["batch:b:12"],
                                  at=_at(9), outcome=VerificationOutcome.MATCH, actor="tester")
    assert counts == {"batch:b:12": 1_000}
    assert set(VerificationStamp.objects.values_list("source", "verified_at")) == {
        ("batch:b:12", _at(9))}
    after = _updates()
    assert (after[0] - before[0], after[1] - before[1]) == (1_000, 1_000)


def _updates() -> tuple[int, int]:
    """Rows of the stamp table updated, and of them heap-only, as this backend counts them
    (its counts not yet reported included: hence a difference, not a total)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(n_tup_upd), 0), coalesce(sum(n_tup_hot_upd), 0) "
                       "FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'registry_verificationstamp'")
        upd, hot = cursor.fetchone()
    return int(upd), int(hot)


@postgresql_only
@pytest.mark.parametrize("source", ["", "   ", "x" * 41])
def test_stamp_in_bulk_refuses_a_bad_source_and_stamps_nobody(source: str) -> None:
    ids = _people(1)
    with pytest.raises(DomainError) as refused:
        stamps.stamp_in_bulk(_ROWS, {"tag": "a", "ids": ids}, sources=[source], at=_at(8),
                             outcome=VerificationOutcome.MATCH, actor="tester")
    assert refused.value.code == "verification_source_invalid"
    assert not VerificationStamp.objects.exists()


@postgresql_only
def test_stamp_in_bulk_refuses_an_unknown_outcome() -> None:
    ids = _people(1)
    with pytest.raises(DomainError) as refused:
        stamps.stamp_in_bulk(_ROWS, {"tag": "a", "ids": ids}, sources=["batch:a:12"],
                             at=_at(8), outcome="alive", actor="tester")  # type: ignore[arg-type]
    assert refused.value.code == "verification_outcome_invalid"
    assert not VerificationStamp.objects.exists()


def test_record_verification_stamps_known_people_with_their_outcome() -> None:
    matched, moved = _people(2)
    n = stamps.record_verification({matched: VerificationOutcome.MATCH,
                                    moved: VerificationOutcome.MOVED, 10**12: "match"},
                                   at=_at(8), source="batch:7", actor="tester")
    assert n == 2
    assert dict(VerificationStamp.objects.values_list("beneficiary_id", "outcome")) == {
        matched: "match", moved: "moved"}
    stamps.record_verification({moved: VerificationOutcome.MATCH}, at=_at(9),
                               source="batch:8", actor="tester")
    assert VerificationStamp.objects.get(beneficiary_id=moved).source == "batch:8"
    assert VerificationStamp.objects.count() == 2


def test_record_verification_refuses_an_unknown_outcome_and_changes_nothing() -> None:
    person, = _people(1)
    with pytest.raises(DomainError):
        stamps.record_verification({person: "alive"}, at=_at(8), source="batch:7",
                                   actor="tester")
    assert not VerificationStamp.objects.exists()
