"""insert_many: the rows as bulk_create would write them, on either database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from chitra.core.bulk import insert_many
from chitra.core.models import AuditEntry
from chitra.registry.models import VerificationStamp


@pytest.mark.django_db
def test_rows_json_and_creation_time_are_written():
    insert_many(AuditEntry, [
        AuditEntry(actor="cán bộ", action="x.y", object_type="t", object_id=str(i),
                   before=None if i else {"a": 1}, after={"tên": "Lò Văn Pọm", "n": [i]})
        for i in range(3)])
    rows = list(AuditEntry.objects.order_by("object_id")
                .values_list("actor", "object_id", "before", "after"))
    assert rows == [("cán bộ", "0", {"a": 1}, {"tên": "Lò Văn Pọm", "n": [0]}),
                    ("cán bộ", "1", None, {"tên": "Lò Văn Pọm", "n": [1]}),
                    ("cán bộ", "2", None, {"tên": "Lò Văn Pọm", "n": [2]})]
    assert AuditEntry.objects.filter(at__isnull=False).count() == 3
    assert AuditEntry.objects.filter(after__tên="Lò Văn Pọm").count() == 3  # real JSON


@pytest.mark.django_db
def test_a_key_of_its_own_is_written():
    from tests import factories as f

    person = f.beneficiary()
    insert_many(VerificationStamp, [VerificationStamp(
        beneficiary_id=person.pk, verified_at=person.created_at, outcome="match",
        source="t")])
    assert list(VerificationStamp.objects.values_list("beneficiary_id", "outcome")) == [
        (person.pk, "match")]


@pytest.mark.django_db
def test_a_row_the_database_refuses_refuses_them_all_as_an_integrity_error():
    from tests import factories as f

    one, two = f.beneficiary(), f.beneficiary("Lò Văn Pọm")
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        insert_many(VerificationStamp, [
            VerificationStamp(beneficiary_id=one.pk, verified_at=one.created_at,
                              outcome="match", source="t"),
            VerificationStamp(beneficiary_id=two.pk, verified_at=two.created_at,
                              outcome="maybe", source="t")])
    assert "verification_stamp_outcome_valid" in str(refused.value)
    assert not VerificationStamp.objects.exists()


@pytest.mark.django_db
def test_nothing_to_insert_writes_nothing():
    insert_many(AuditEntry, [])
    assert not AuditEntry.objects.exists()
