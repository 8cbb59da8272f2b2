"""The import use case end to end against the database (both SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from chitra.access.models import OrganizationKind, Role
from chitra.core.models import AuditEntry
from chitra.core.text import nfc
from chitra.registry.importing.reading import FileRefused
from chitra.registry.importing.run import run_import
from chitra.registry.models import (
    Anomaly,
    Beneficiary,
    Benefit,
    ImportStatus,
    PaymentAccount,
    PendingAccountChange,
)
from chitra.registry.services import approve_pending_account_change
from tests import factories as f
from tests.registry.fixtures.import_files import person, to_cp1258, write_csv, write_xlsx

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date(2026, 11, 20)


def run(path: Path, **kw):
    kw.setdefault("province_code", f.LAI_CHAU)
    kw.setdefault("actor", "officer1")
    kw.setdefault("today", TODAY)
    kw.setdefault("report_path", path.with_suffix(".errors.xlsx"))
    return run_import(path, **kw)


def three_people() -> list[dict[str, str]]:
    return [
        person("Lò Văn Pọm"),
        person("Nguyễn Thị Thuỷ", born=date(1962, 7, 1), female=True,
               channel="Tiền mặt", provider="", account_number="", account_holder=""),
        person("Đặng Văn Đức", born=date(1955, 1, 2), channel="Ví điện tử",
               provider="ViettelMoney", account_number="0987654321",
               account_holder="Đặng Văn Đức", benefit_type="Trợ cấp thất nghiệp",
               benefit_end="30/06/2020"),
    ]


def report_rows(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_valid_file_creates_beneficiaries_benefits_and_accounts(tmp_path):
    out = run(write_csv(tmp_path / "a.csv", three_people()))
    assert out.status == ImportStatus.APPLIED
    assert (out.created, out.updated, out.unchanged) == (3, 0, 0)
    assert Beneficiary.objects.count() == 3
    pom = Beneficiary.objects.get(full_name="Lò Văn Pọm")
    assert pom.name_key == "lo van pom"
    assert pom.province_code == f.LAI_CHAU
    assert pom.ward_code == f.DOAN_KET
    benefit = Benefit.objects.get(beneficiary=pom)
    assert (benefit.amount, benefit.group, benefit.start_date) == (5_250_000, "monthly",
                                                                   date(2020, 1, 1))
    acc = PaymentAccount.objects.get(beneficiary=pom)
    assert acc.account_number == "8800205123456"
    assert acc.provider == f.provider("Agribank")
    assert acc.created_by == "officer1"
    assert acc.valid_from == TODAY
    assert acc.valid_to is None
    cash = PaymentAccount.objects.get(beneficiary__full_name="Nguyễn Thị Thuỷ")
    assert cash.channel == "cash"
    assert cash.provider is None
    assert Benefit.objects.get(benefit_type="unemployment").group == "one_time"
    entry = AuditEntry.objects.get(action="beneficiary.import")
    assert entry.actor == "officer1"
    assert entry.after["created"] == 3


def test_one_bad_row_changes_nothing_and_reports_it(tmp_path):
    rows = three_people()
    rows[1]["benefit_amount"] = "0"
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert out.status == ImportStatus.REJECTED
    assert Beneficiary.objects.count() == 0
    assert PaymentAccount.objects.count() == 0
    assert out.rows_invalid == 1
    report = report_rows(out.error_report)
    assert report[0][0].startswith("Dòng")
    assert report[1][:4] == (3, "benefit_amount", "0", "amount_not_positive")
    assert report[1][4] == "Số tiền phải lớn hơn 0."
    assert report[1][5] == "Amount must be greater than 0."


def test_accept_valid_applies_the_good_rows_and_keeps_the_rejects(tmp_path):
    rows = three_people()
    rows[0]["date_of_birth"] = "31/02/1958"
    out = run(write_csv(tmp_path / "a.csv", rows), accept_valid=True)
    assert out.status == ImportStatus.APPLIED
    assert (out.created, out.rows_invalid) == (2, 1)
    assert not Beneficiary.objects.filter(full_name="Lò Văn Pọm").exists()
    assert [r[:2] for r in report_rows(out.error_report)[1:]] == [(2, "date_of_birth")]


def test_dry_run_counts_and_changes_nothing(tmp_path):
    out = run(write_csv(tmp_path / "a.csv", three_people()), dry_run=True)
    assert out.status == ImportStatus.CHECKED
    assert (out.rows_total, out.created) == (3, 3)
    assert Beneficiary.objects.count() == 0
    assert not AuditEntry.objects.filter(action="beneficiary.import").exists()


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "a.csv", three_people())
    run(path)
    accounts = list(PaymentAccount.objects.values_list("id", flat=True))
    out = run(path, today=TODAY + timedelta(days=3))
    assert (out.created, out.updated, out.unchanged) == (0, 0, 3)
    assert list(PaymentAccount.objects.values_list("id", flat=True)) == accounts
    assert Benefit.objects.count() == 3
    assert AuditEntry.objects.filter(action="beneficiary.import").count() == 2  # still on record


def test_changed_fields_update_and_a_changed_account_waits_for_approval(tmp_path):
    rows = three_people()
    run(write_csv(tmp_path / "a.csv", rows))
    pom = Beneficiary.objects.get(full_name="Lò Văn Pọm")
    old = PaymentAccount.objects.get(beneficiary=pom)
    rows[0].update(street="Tổ 9", provider="BIDV", account_number="123456789012",
                   benefit_amount="5.500.000")
    later = TODAY + timedelta(days=10)
    out = run(write_csv(tmp_path / "b.csv", rows), today=later, actor="lc-officer")
    assert (out.created, out.updated, out.accounts_pending, out.unchanged) == (0, 1, 1, 2)
    pom.refresh_from_db()
    assert pom.street == "Tổ 9"
    assert Benefit.objects.get(beneficiary=pom).amount == 5_500_000
    # the account is not changed by the import: it is proposed
    assert PaymentAccount.objects.get(beneficiary=pom, valid_to__isnull=True) == old
    change = PendingAccountChange.objects.get(beneficiary=pom)
    assert (change.status, change.made_by, change.replaces_id) == ("pending", "lc-officer",
                                                                   old.pk)
    approver = f.user(Role.BHXH_APPROVER, f.organization(OrganizationKind.BHXH_PROVINCE),
                      username="lc-approver")
    new = approve_pending_account_change(change.pk, approver, today=later)
    old.refresh_from_db()
    assert old.valid_to == later - timedelta(days=1)
    assert old.closed_reason
    assert old.account_number == "8800205123456"  # never overwritten
    assert (new.account_number, new.valid_from, new.created_by, new.approved_by) == (
        "123456789012", later, "lc-officer", "lc-approver")


def test_an_account_approved_on_the_day_it_was_created_starts_the_next_day(tmp_path):
    rows = three_people()
    run(write_csv(tmp_path / "a.csv", rows))
    rows[0]["account_number"] = "8800205999999"
    run(write_csv(tmp_path / "b.csv", rows))  # same day
    approver = f.user(Role.BHXH_APPROVER, f.organization(OrganizationKind.BHXH_PROVINCE))
    approve_pending_account_change(PendingAccountChange.objects.get().pk, approver,
                                   today=TODAY)
    versions = list(PaymentAccount.objects.filter(beneficiary__full_name="Lò Văn Pọm")
                    .order_by("valid_from").values_list("valid_from", "valid_to"))
    assert versions == [(TODAY, TODAY), (TODAY + timedelta(days=1), None)]


def test_a_new_benefit_start_adds_a_benefit(tmp_path):
    rows = three_people()
    run(write_csv(tmp_path / "a.csv", rows))
    rows[0]["benefit_start"] = "01/01/2021"
    out = run(write_csv(tmp_path / "b.csv", rows))
    assert out.updated == 1
    assert Benefit.objects.filter(beneficiary__full_name="Lò Văn Pọm").count() == 2


def test_a_personal_id_repeated_in_the_file_is_a_problem_on_each_row(tmp_path):
    rows = three_people()
    rows.append(dict(rows[0], full_name="Lò Văn Khác"))
    out = run(write_csv(tmp_path / "a.csv", rows), accept_valid=True)
    assert sorted((r[0], r[3]) for r in report_rows(out.error_report)[1:]) == [
        (2, "citizen_id_repeated"), (5, "citizen_id_repeated")]
    assert out.created == 2
    assert not Beneficiary.objects.filter(citizen_id=rows[0]["citizen_id"]).exists()


def test_a_person_of_another_province_is_refused(tmp_path):
    other = f.beneficiary("Người Hà Nội")
    Beneficiary.objects.filter(pk=other.pk).update(province_code="01", ward_code="00004")
    rows = [person("Người Hà Nội", citizen_id=other.citizen_id)]
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert out.status == ImportStatus.REJECTED
    assert out.first_problems[0].code == "citizen_id_other_province"


def test_anomalies_are_refreshed_after_import(tmp_path):
    rows = three_people()
    rows[0]["account_holder"] = "TRAN VAN KHAC"
    run(write_csv(tmp_path / "a.csv", rows))
    assert Anomaly.objects.filter(kind="holder_name_mismatch").count() == 1


@pytest.mark.parametrize("encoding", ["cp1258", "utf-8-sig"])
def test_windows_1258_and_utf8_bom_files(tmp_path, encoding):
    rows = three_people()
    out = run(write_csv(tmp_path / "a.csv", rows, encoding=encoding))
    assert out.status == ImportStatus.APPLIED, out.first_problems
    names = set(Beneficiary.objects.values_list("full_name", flat=True))
    assert names == {nfc(r["full_name"]) for r in rows}


def test_english_headers_and_semicolons(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(write_csv(tmp_path / "x.csv", three_people(), english=True)
                    .read_text().replace(",", ";"), encoding="utf-8")
    out = run(path)
    assert out.created == 3


@pytest.mark.parametrize("fixture", ["import_tcvn3.csv", "import_vni.csv",
                                     "import_tcvn3_as_utf8.csv"])
def test_legacy_font_files_are_refused_whole(fixture):
    with pytest.raises(FileRefused) as e:
        run(FIXTURES / fixture)
    assert e.value.code == "legacy_encoding"
    assert "Unicode" in e.value.message_vi
    assert "Unicode" in e.value.message_en
    assert Beneficiary.objects.count() == 0


def test_xlsx_import_with_numbers_dates_and_lost_leading_zeros(tmp_path):
    rows = three_people()
    header = ["Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Mã phường/xã",
              "Loại chế độ", "Số tiền hưởng", "Ngày bắt đầu hưởng", "Hình thức nhận"]
    cells = [header] + [
        [int(r["citizen_id"]), r["full_name"], date(1958, 3, 14) if i == 0 else
         r["date_of_birth"], r["sex"], r["ward_code"], r["benefit_type"], 5_250_000,
         date(2020, 1, 1), "Tiền mặt"] for i, r in enumerate(rows)]
    out = run(write_xlsx(tmp_path / "a.xlsx", cells))
    assert out.status == ImportStatus.APPLIED, out.first_problems
    assert set(Beneficiary.objects.values_list("citizen_id", flat=True)) == {
        r["citizen_id"] for r in rows}


@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.csv", b"", "file_empty"),
    ("blank.csv", b"\xef\xbb\xbf\r\n\r\n", "file_empty"),
    ("garbage.csv", bytes(range(256)) * 50, "file_not_text"),
    ("zip.csv", b"PK\x03\x04" + b"x" * 100, "file_is_xlsx"),
    ("header.csv", "Họ và tên,Ngày sinh\r\nA,01/01/1960\r\n".encode(), "header_invalid"),
    ("notzip.xlsx", b"this is not a workbook", "xlsx_unreadable"),
    ("broken.xlsx", b"PK\x03\x04garbage-that-is-not-a-zip", "xlsx_unreadable"),
    ("a.txt", b"whatever", "file_type"),
])
def test_hostile_files_are_refused(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused) as e:
        run(path)
    assert e.value.code == code


def test_a_huge_field_is_refused_without_reading_it_all(tmp_path):
    rows = three_people()
    rows[1]["street"] = "x" * 300_000
    with pytest.raises(FileRefused) as e:
        run(write_csv(tmp_path / "a.csv", rows))
    assert e.value.code == "csv_malformed"
    assert Beneficiary.objects.count() == 0


def test_a_long_field_is_a_row_problem(tmp_path):
    rows = three_people()
    rows[1]["street"] = "x" * 5000
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert out.status == ImportStatus.REJECTED
    assert out.first_problems[0].code == "too_long"
    assert len(out.first_problems[0].value) <= 200


def test_mixed_encodings_are_refused(tmp_path):
    path = tmp_path / "a.csv"
    good = write_csv(tmp_path / "x.csv", three_people()).read_bytes()
    path.write_bytes(good + b"x" * 300_000 + to_cp1258("Nguyễn\r\n"))
    with pytest.raises(FileRefused) as e:
        run(path)
    assert e.value.code in ("encoding_mixed", "csv_malformed")


def test_formula_values_are_inert_in_the_report(tmp_path):
    rows = three_people()
    rows[0]["full_name"] = ""
    rows[0]["sex"] = "=HYPERLINK(\"http://x\")"
    out = run(write_csv(tmp_path / "a.csv", rows))
    values = [r[2] for r in report_rows(out.error_report)[1:]]
    assert "'=HYPERLINK(\"http://x\")" in values


def test_bulk_load_mode_restores_indexes_and_foreign_keys(tmp_path, monkeypatch):
    """The large-load path (PostgreSQL) drops and rebuilds indexes and foreign keys; the
    schema must come back identical and the data must be the same as the normal path."""
    from django.db import connection

    from chitra.registry.importing import bulkload

    def schema() -> set[tuple[str, ...]]:
        if connection.vendor != "postgresql":
            return set()
        with connection.cursor() as c:
            c.execute("SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                      [list(bulkload.BULK_TABLES)])
            found = {(r[0],) for r in c.fetchall()}
            c.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE conrelid::regclass::text = ANY(%s)", [list(bulkload.BULK_TABLES)])
            return found | {tuple(r) for r in c.fetchall()}

    before = schema()
    monkeypatch.setattr(bulkload, "BULK_MIN_ROWS", 1)
    out = run(write_csv(tmp_path / "a.csv", three_people()))
    assert out.created == 3
    assert schema() == before
    assert PaymentAccount.objects.filter(valid_to__isnull=True).count() == 3


def test_backslashes_and_quotes_in_text_survive_staging(tmp_path):
    rows = three_people()
    rows[0]["street"] = 'Tổ 1\\N "bản" \\ Nà\\tLòng'
    run(write_csv(tmp_path / "a.csv", rows))
    assert Beneficiary.objects.get(full_name="Lò Văn Pọm").street == rows[0]["street"]
