"""field__any: membership in a list as one array on PostgreSQL, ``__in`` elsewhere."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chitra.registry.models import Beneficiary, Benefit
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> list[Beneficiary]:
    return [f.beneficiary(name) for name in ("Lò Văn Pọm", "Tẩn Thị Mẩy", "Vừ A Dính")]


def test_any_selects_what_in_selects(people: list[Beneficiary]) -> None:
    pom, may, _ = people
    ids = [pom.pk, may.pk, 10**12]
    assert (sorted(Beneficiary.objects.filter(pk__any=ids).values_list("pk", flat=True))
            == sorted(Beneficiary.objects.filter(pk__in=ids).values_list("pk", flat=True))
            == sorted([pom.pk, may.pk]))
    names = [pom.full_name, "Không Có Ai"]
    assert list(Beneficiary.objects.filter(full_name__any=names)) == [pom]
    assert list(Beneficiary.objects.exclude(pk__any=ids).values_list("pk", flat=True)) == [
        people[2].pk]


def test_any_on_a_foreign_key_takes_ids_or_objects(people: list[Beneficiary]) -> None:
    pom, may, _ = people
    benefits = Benefit.objects.filter(beneficiary_id__any=[pom.pk, may.pk])
    assert sorted(benefits.values_list("beneficiary_id", flat=True)) == sorted([pom.pk, may.pk])
    assert list(Benefit.objects.filter(beneficiary__any=[may]).values_list(
        "beneficiary_id", flat=True)) == [may.pk]


def test_any_of_nothing_or_only_none_selects_nobody(people: list[Beneficiary]) -> None:
    assert not Beneficiary.objects.filter(pk__any=[]).exists()
    assert not Beneficiary.objects.filter(pk__any=[None]).exists()
    assert Beneficiary.objects.filter(pk__any=[None, people[0].pk]).get() == people[0]


def test_any_takes_a_subquery_as_in_does(people: list[Beneficiary]) -> None:
    named = Beneficiary.objects.filter(full_name__startswith="Lò").values("pk")
    assert list(Beneficiary.objects.filter(pk__any=named)) == [people[0]]


def test_on_postgresql_the_values_go_as_one_array(people: list[Beneficiary]) -> None:
    """One array on PostgreSQL; SQLite (no arrays) runs ``__in``, a placeholder a value."""
    ids = [p.pk for p in people] * 700  # 2,100 values
    with CaptureQueriesContext(connection) as queries:
        assert Beneficiary.objects.filter(pk__any=ids).count() == 3
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql
        assert " IN (" not in sql
    else:
        assert " IN (" in sql
        assert "ANY" not in sql
