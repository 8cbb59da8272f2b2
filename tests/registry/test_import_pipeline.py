"""The read + validate pass in a worker process (big files) gives what the in-process pass
gives: same rows applied, same problems, same refusals."""

from __future__ import annotations

import pytest

from chitra.registry.importing import run as imports
from chitra.registry.importing.reading import FileRefused
from chitra.registry.models import Beneficiary, ImportStatus, PaymentAccount
from tests.registry.fixtures.import_files import csv_text, person, to_cp1258, write_csv
from tests.registry.test_import_service import report_rows, run, three_people


@pytest.fixture(params=[0, 1, 2], ids=["in-process", "worker", "two-workers"])
def parallel(request, monkeypatch) -> bool:
    monkeypatch.setattr(imports, "PARALLEL_MIN_ROWS", 0 if request.param else 10**9)
    monkeypatch.setattr(imports, "MAX_WORKERS", request.param)
    monkeypatch.setattr(imports.os, "cpu_count", lambda: 2)
    if request.param == 2:  # one-row chunks, so the two workers take turns
        monkeypatch.setattr(imports, "CHUNK_ROWS", 1)
        monkeypatch.setattr(imports, "CHUNK_BYTES", 1)
    return bool(request.param)


def test_valid_file_applies_the_same_either_way(tmp_path, parallel):
    out = run(write_csv(tmp_path / "a.csv", three_people()))
    assert out.status == ImportStatus.APPLIED
    assert (out.rows_total, out.created) == (3, 3)
    assert Beneficiary.objects.get(full_name="Lò Văn Pọm").name_key == "lo van pom"
    assert PaymentAccount.objects.filter(valid_to__isnull=True).count() == 3


def test_problems_and_repeated_ids_either_way(tmp_path, parallel):
    rows = three_people()
    rows[1]["benefit_amount"] = "0"
    rows.append(dict(rows[0], full_name="Lò Văn Khác"))
    path = write_csv(tmp_path / "a.csv", rows)
    out = run(path)
    assert out.status == ImportStatus.REJECTED
    assert Beneficiary.objects.count() == 0
    report = report_rows(out.error_report)[1:]
    assert [(r[0], r[3]) for r in report] == [
        (3, "amount_not_positive"), (2, "citizen_id_repeated"), (5, "citizen_id_repeated")]
    assert "cũng ở dòng 5" in report[1][4]
    assert "also at row 2" in report[2][5]
    out = run(path, accept_valid=True)
    assert (out.status, out.created, out.rows_invalid) == (ImportStatus.APPLIED, 1, 3)
    assert list(Beneficiary.objects.values_list("full_name", flat=True)) == ["Đặng Văn Đức"]


def test_refusals_come_back_from_the_worker(tmp_path, parallel):
    path = tmp_path / "a.csv"
    good = write_csv(tmp_path / "x.csv", three_people()).read_bytes()
    path.write_bytes(good + b"x" * 300_000 + to_cp1258("Nguyễn\r\n"))
    with pytest.raises(FileRefused) as e:
        run(path)
    assert e.value.code in ("encoding_mixed", "csv_malformed")
    assert Beneficiary.objects.count() == 0


def test_a_repeated_bad_name_is_reported_on_every_row(tmp_path, parallel):
    """Validated names are cached per file; a name with a problem never is."""
    long_name = "Lò Văn " + "A" * 130
    rows = [person(long_name), person(long_name, citizen_id="012058000124"),
            person("Lò Văn Pọm", citizen_id="012058000125", account_holder=long_name)]
    out = run(write_csv(tmp_path / "a.csv", rows))
    assert sorted((p.row, p.column, p.code) for p in out.first_problems) == [
        (2, "full_name", "too_long"), (3, "full_name", "too_long"),
        (4, "account_holder", "too_long")]



def test_a_line_break_in_a_quoted_cell_gives_the_same_rows_either_way(tmp_path, parallel):
    """With one-row blocks the quoted line break runs past a cut: the workers' reading is
    dropped from there and the rest is read again, alone. Row numbers are the file's lines."""
    rows = three_people()
    rows[0]["street"] = "Tổ 3\nbản Nà Khum"  # the record takes lines 2 and 3
    rows[2]["benefit_amount"] = "0"
    path = write_csv(tmp_path / "a.csv", rows)
    out = run(path)
    assert out.rows_total == 3
    assert [(p.row, p.column, p.code) for p in out.first_problems] == [
        (5, "benefit_amount", "amount_not_positive")]
    out = run(path, accept_valid=True)
    assert (out.status, out.rows_total, out.created) == (ImportStatus.APPLIED, 3, 2)
    assert Beneficiary.objects.get(full_name="Lò Văn Pọm").street == "Tổ 3 bản Nà Khum"


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_endings_and_a_bom_either_way(tmp_path, parallel, ending):
    rows = three_people()
    rows[1]["benefit_amount"] = "0"
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(rows).replace("\r\n", ending).encode())
    out = run(path, accept_valid=True)
    assert [(p.row, p.code) for p in out.first_problems] == [(3, "amount_not_positive")]
    assert (out.rows_total, out.created) == (3, 2)
    assert Beneficiary.objects.filter(full_name="Đặng Văn Đức").exists()


def test_windows_1258_either_way(tmp_path, parallel):
    out = run(write_csv(tmp_path / "a.csv", three_people(), encoding="cp1258"))
    assert (out.status, out.created) == (ImportStatus.APPLIED, 3)
    assert Beneficiary.objects.filter(full_name="Nguyễn Thị Thuỷ").exists()
