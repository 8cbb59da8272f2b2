"""A big first load of a province on PostgreSQL goes by COPY straight into the registry
(registry.bulkload.DirectLoad). It must give exactly what the staged path gives, refuse
exactly what it refuses, and leave nothing — not even used-up ids — when it refuses."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from chitra.registry.importing import bulkload, jobs
from chitra.registry.importing import run as imports
from chitra.registry.models import (
    Anomaly,
    Beneficiary,
    Benefit,
    ImportStatus,
    PaymentAccount,
)
from tests import factories as f
from tests.registry.fixtures.import_files import person, write_csv
from tests.registry.test_import_service import TODAY, report_rows, run, three_people

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the direct load is PostgreSQL's COPY path")


@pytest.fixture
def direct(monkeypatch):
    """Every load of an empty province goes the direct way; count the ways taken."""
    taken: list[str] = []
    begin = bulkload.DirectLoad.begin

    def spy(self):
        taken.append("direct")
        return begin(self)

    monkeypatch.setattr(bulkload, "BULK_MIN_ROWS", 1)
    # Not the size rule: the planner's row estimate of the test tables is whatever earlier
    # tests left (ANALYZE is not rolled back).
    monkeypatch.setattr(bulkload, "worth_bulk_loading",
                        lambda new_rows: new_rows >= bulkload.BULK_MIN_ROWS)
    monkeypatch.setattr(bulkload.DirectLoad, "begin", spy)
    return taken


def elsewhere(name: str) -> Beneficiary:
    """Someone registered in Hà Nội, committed as far as the load can tell (the test's
    transaction holds their deferred foreign-key checks, which would block the DDL)."""
    other = f.beneficiary(name)
    Beneficiary.objects.filter(pk=other.pk).update(province_code="01", ward_code="00004")
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return other


def snapshot() -> list[tuple]:
    people = list(Beneficiary.objects.order_by("citizen_id").values_list(
        "citizen_id", "bhxh_code", "full_name", "name_key", "date_of_birth", "sex",
        "province_code", "ward_code", "street", "phone", "status", "payment_point_id"))
    benefits = list(Benefit.objects.order_by("beneficiary__citizen_id").values_list(
        "beneficiary__citizen_id", "benefit_type", "group", "amount", "start_date",
        "end_date", "status"))
    accounts = list(PaymentAccount.objects.order_by("beneficiary__citizen_id").values_list(
        "beneficiary__citizen_id", "channel", "provider_id", "account_number", "holder_name",
        "holder_name_key", "valid_from", "valid_to", "created_by"))
    anomalies = sorted(Anomaly.objects.values_list("beneficiary__citizen_id", "kind", "detail"))
    return [people, benefits, accounts, anomalies]


def rows_for_both_paths() -> list[dict[str, str]]:
    rows = three_people()
    rows[0]["street"] = 'Tổ 1\\N "bản" \\ Nà'  # COPY escaping
    rows[0]["account_holder"] = "TRAN VAN KHAC"  # an anomaly to refresh
    rows.append(person("Lò Thị Ín", female=True, citizen_id="012158000999",
                       payment_point=f.payment_point().code, bhxh_code="1201234567"))
    return rows


def clear_registry() -> None:
    Anomaly.objects.all().delete()
    PaymentAccount.objects.all().delete()
    Benefit.objects.all().delete()
    Beneficiary.objects.all().delete()


def test_direct_load_gives_what_the_staged_path_gives(tmp_path, direct, monkeypatch):
    path = write_csv(tmp_path / "a.csv", rows_for_both_paths())
    out = run(path)
    assert direct == ["direct"]
    assert (out.status, out.created, out.updated, out.unchanged) == (ImportStatus.APPLIED,
                                                                     4, 0, 0)
    loaded = snapshot()
    assert loaded[3], "the anomaly was flagged"
    assert Beneficiary.objects.get(full_name="Lò Văn Pọm").street == 'Tổ 1\\N "bản" \\ Nà'

    clear_registry()
    monkeypatch.setattr(bulkload, "BULK_MIN_ROWS", 10**9)
    out = run(path)
    assert direct == ["direct"]  # this time the staged path
    assert out.created == 4
    assert snapshot() == loaded


def test_ids_continue_after_a_direct_load(tmp_path, direct):
    before = elsewhere("Người Hà Nội")
    run(write_csv(tmp_path / "a.csv", three_people()))
    assert direct == ["direct"]
    loaded = sorted(Beneficiary.objects.filter(province_code=f.LAI_CHAU)
                    .values_list("id", flat=True))
    assert loaded[0] > before.pk
    after = f.beneficiary("Người Mới")
    assert after.pk > loaded[-1]
    benefit = Benefit.objects.create(beneficiary=after, benefit_type="pension",
                                     group="monthly", amount=1, start_date=TODAY)
    assert benefit.pk > max(Benefit.objects.exclude(pk=benefit.pk).values_list("id", flat=True))


def test_a_refused_direct_load_leaves_nothing_and_uses_no_ids(tmp_path, direct):
    def next_ids() -> list[int]:
        with connection.cursor() as c:
            c.execute("SELECT last_value FROM registry_beneficiary_id_seq")
            return [c.fetchone()[0]]

    rows = three_people()
    rows[2]["benefit_amount"] = "0"
    seq = next_ids()
    before = registry_indexes()
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert registry_indexes() == before
    assert direct == ["direct"]
    assert out.status == ImportStatus.REJECTED
    assert [(r[0], r[3]) for r in report_rows(out.error_report)[1:]] == [
        (4, "amount_not_positive")]
    assert not Beneficiary.objects.exists()
    assert not PaymentAccount.objects.exists()
    assert next_ids()[0] <= seq[0] + 1  # at most the one id nextval handed out


def test_repeated_ids_in_a_direct_load(tmp_path, direct):
    rows = three_people()
    rows.append(dict(rows[0], full_name="Lò Văn Khác"))
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert out.status == ImportStatus.REJECTED
    assert not Beneficiary.objects.exists()
    out = run(write_csv(tmp_path / "a.csv", rows), accept_valid=True)
    assert direct == ["direct", "direct"]
    assert (out.status, out.created, out.rows_invalid) == (ImportStatus.APPLIED, 2, 2)
    assert not Beneficiary.objects.filter(citizen_id=rows[0]["citizen_id"]).exists()
    assert not Benefit.objects.filter(beneficiary__citizen_id=rows[0]["citizen_id"]).exists()
    assert PaymentAccount.objects.count() == 2
    # "Lò Văn Khác" paid to LO VAN POM was flagged while loading, and went with the row
    assert not Anomaly.objects.exists()


def test_a_person_of_another_province_in_a_direct_load(tmp_path, direct):
    other = elsewhere("Người Hà Nội")
    rows = [*three_people(), person("Người Hà Nội", citizen_id=other.citizen_id)]
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert out.status == ImportStatus.REJECTED
    assert [(p.row, p.code) for p in out.first_problems] == [(5, "citizen_id_other_province")]
    assert Beneficiary.objects.count() == 1
    out = run(write_csv(tmp_path / "a.csv", rows), accept_valid=True)
    assert direct == ["direct", "direct"]
    assert (out.status, out.created) == (ImportStatus.APPLIED, 3)
    assert Beneficiary.objects.get(citizen_id=other.citizen_id).province_code == "01"
    assert Benefit.objects.filter(beneficiary__province_code=f.LAI_CHAU).count() == 3


def test_a_province_with_people_takes_the_staged_path(tmp_path, direct):
    rows = three_people()
    run(write_csv(tmp_path / "a.csv", rows[:1]))
    out = run(write_csv(tmp_path / "b.csv", rows))
    assert direct == ["direct"]  # only the first
    assert (out.created, out.unchanged) == (2, 1)


def test_two_workers_feed_a_direct_load(tmp_path, direct, monkeypatch):
    monkeypatch.setattr(imports, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(imports, "MAX_WORKERS", 2)
    monkeypatch.setattr(imports.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)
    out = run(write_csv(tmp_path / "a.csv", rows_for_both_paths()))
    assert (out.status, out.created) == (ImportStatus.APPLIED, 4)
    assert PaymentAccount.objects.filter(valid_to__isnull=True).count() == 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_of_a_load_in_one_transaction_is_seen_outside_it():
    """A direct load holds one transaction for the whole pass; the page polling the job reads
    through another connection and must still see the bar move."""
    from django.db import connections, transaction

    from chitra.registry.models import ImportJob

    job = ImportJob.objects.create(file_name="a.csv", stored_path="/nowhere/a.csv",
                                   province_code=f.LAI_CHAU, created_by="officer1")
    progress = jobs.ProgressWriter(job.pk)
    reader = connections.create_connection("default")
    try:
        with transaction.atomic():
            progress(40_000, 1_000_000)
            with reader.cursor() as c:
                c.execute("SELECT rows_done, rows_total FROM registry_importjob WHERE id = %s",
                          [job.pk])
                assert c.fetchone() == (40_000, 1_000_000)
    finally:
        progress.close()
        reader.close()
    assert progress.side is None


def registry_indexes() -> list[tuple[str, str]]:
    """The registry tables' indexes, constraints and column defaults (a load gives its
    constant columns as defaults for a while)."""
    with connection.cursor() as c:
        c.execute("""
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid::regclass::text = ANY(%s) ORDER BY 1
        """, [list(bulkload.BULK_TABLES)])
        indexes = c.fetchall()
        c.execute("""
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1
        """, [list(bulkload.BULK_TABLES)])
        constraints = c.fetchall()
        c.execute("""
            SELECT adrelid::regclass::text || '.' || adnum, pg_get_expr(adbin, adrelid)
            FROM pg_attrdef WHERE adrelid::regclass::text = ANY(%s) ORDER BY 1
        """, [list(bulkload.BULK_TABLES)])
        return indexes + constraints + c.fetchall()


def test_a_direct_load_puts_back_every_index_and_constraint(tmp_path, direct):
    """The unique personal-ID constraint is rebuilt early, as the check for repeats; it and
    every other one are there afterwards, once, exactly as migrations made them."""
    before = registry_indexes()
    assert any(name == "beneficiary_citizen_id_unique" for name, _ in before)
    out = run(write_csv(tmp_path / "a.csv", three_people()))
    assert (direct, out.created) == (["direct"], 3)
    assert registry_indexes() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Beneficiary.objects.filter(full_name="Lò Văn Pọm").update(
            citizen_id=Beneficiary.objects.get(full_name="Đặng Văn Đức").citizen_id)
