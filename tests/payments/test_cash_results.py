"""The cash list chitra writes comes back filled in by the post office and applies as is."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from chitra.access.models import Role
from chitra.payments import cashform, ids, services
from chitra.payments.export import cashrun
from chitra.payments.export import run as export
from chitra.payments.models import (
    ExceptionKind,
    ItemStatus,
    PaymentCycle,
    PaymentItem,
    ProvincePaymentRule,
    StatusEvent,
    StatusException,
)
from chitra.payments.status.cashresults import CashResultError, read_cash_results
from chitra.payments.status.ingest import ingest_status_file
from chitra.payments.status.transitions import DECEASED_REASONS
from chitra.registry.models import Beneficiary, BeneficiaryStatus, Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle

pytestmark = pytest.mark.usefixtures("paying_office")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Columns of the list as the post office sees it (1-based, as openpyxl writes them).
CODE, NAME, AMOUNT, RESULT, REASON, PAID_ON = 2, 3, 7, 9, 10, 11


@pytest.fixture
def exported(tmp_path: Path) -> PaymentCycle:
    """Three people paid in cash at one payment point, one at home."""
    point = f.payment_point()
    for name, amount in (("Lò Văn Pọm", 3_100_000), ("Tẩn Thị Mẩy", 4_200_000),
                         ("Đèo Văn Ơn", 2_000_000)):
        b = f.beneficiary(name, amount=amount)
        Beneficiary.objects.filter(pk=b.pk).update(payment_point=point)
    f.beneficiary("Giàng A Dính", amount=1_500_000)  # no payment point: paid at home
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out")
    cycle.refresh_from_db()
    return cycle


def _point_list(out: Path) -> Path:
    return next(p for p in sorted(out.glob("tien-mat-*-DCT*.xlsx")))


def _fill(path: Path, answers: dict[str, tuple[str, str, str]], target: Path) -> Path:
    """The list filled in as a post office does it: result, reason, date by transaction
    code; everything else (titles, total, signatures) left as chitra wrote it."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws is not None
    for row in ws.iter_rows(min_row=1):
        code = row[CODE - 1].value
        if code in answers:
            for col, value in zip((RESULT, REASON, PAID_ON), answers[code], strict=True):
                ws.cell(row=row[0].row, column=col, value=value or None)
    wb.save(target)
    return target


def _codes(cycle: PaymentCycle) -> dict[str, str]:
    """Name → transaction code of the cycle's cash items."""
    return {i.full_name: ids.end_to_end_id(cycle.period, i.pk)
            for i in PaymentItem.objects.filter(cycle=cycle, channel=Channel.CASH)}


def test_the_written_list_filled_in_applies_as_is(exported, tmp_path):
    codes = _codes(exported)
    filled = _fill(_point_list(tmp_path / "out"), {
        codes["Lò Văn Pọm"]: ("Đã chi", "", "11/11/2026"),
        codes["Tẩn Thị Mẩy"]: ("Chưa nhận", "Vắng mặt", ""),
        codes["Đèo Văn Ơn"]: ("chua nhan", "da chet", ""),  # typed without accents
    }, tmp_path / "ket-qua.xlsx")
    result = ingest_status_file(filled, f.user(Role.POST_OFFICE_OPERATOR))
    assert result.problems == []
    assert (result.lines, result.applied) == (3, 3)
    by_name = {i.full_name: i for i in PaymentItem.objects.filter(cycle=exported,
                                                                   channel=Channel.CASH)}
    assert by_name["Lò Văn Pọm"].current_status == ItemStatus.PAID
    assert by_name["Tẩn Thị Mẩy"].current_status == ItemStatus.REJECTED
    assert by_name["Tẩn Thị Mẩy"].reason_code == "ABSENT"
    assert by_name["Đèo Văn Ơn"].reason_code == cashform.DECEASED == "DEATH"
    assert by_name["Giàng A Dính"].current_status == ItemStatus.SENT  # on another list
    # The day paid stays on the item's event.
    assert StatusEvent.objects.get(item=by_name["Lò Văn Pọm"]).detail == "Ngày chi 11/11/2026"
    # A tick on the list does not stop the person's payments by itself: held for BHXH.
    assert cashform.DECEASED not in DECEASED_REASONS
    dead = Beneficiary.objects.get(full_name="Đèo Văn Ơn")
    assert dead.status == BeneficiaryStatus.ACTIVE
    assert result.exceptions == 1
    held = StatusException.objects.get()
    assert (held.item_id, held.kind, held.item_status, held.reason_code) == (
        by_name["Đèo Văn Ơn"].pk, ExceptionKind.DEATH_REPORTED, ItemStatus.REJECTED, "DEATH")
    assert Beneficiary.objects.get(full_name="Tẩn Thị Mẩy").status == BeneficiaryStatus.ACTIVE


def test_a_reported_death_stops_payments_once_bhxh_confirms_it(exported, tmp_path):
    codes = _codes(exported)
    filled = _fill(_point_list(tmp_path / "out"), {
        codes["Đèo Văn Ơn"]: ("Chưa nhận", "Đã chết", ""),
        codes["Tẩn Thị Mẩy"]: ("Chưa nhận", "Đã chết", ""),
    }, tmp_path / "ket-qua.xlsx")
    ingest_status_file(filled, f.user(Role.POST_OFFICE_OPERATOR))
    confirmed, not_confirmed = (StatusException.objects.get(item__full_name=n)
                                for n in ("Đèo Văn Ơn", "Tẩn Thị Mẩy"))
    officer, approver = f.user(Role.BHXH_OFFICER), f.user(Role.BHXH_APPROVER)
    services.propose_resolution(officer, confirmed.pk, "apply", "Tổ công tác xác nhận đã mất")
    services.approve_resolution(approver, confirmed.pk)
    services.propose_resolution(officer, not_confirmed.pk, "keep", "Bà vẫn còn sống")
    services.approve_resolution(approver, not_confirmed.pk)
    dead = Beneficiary.objects.get(full_name="Đèo Văn Ơn")
    assert dead.status == BeneficiaryStatus.DECEASED
    assert dead.status_reason.startswith("Bưu điện báo người hưởng đã chết ngày ")
    assert "Ngân hàng" not in dead.status_reason
    assert Beneficiary.objects.get(full_name="Tẩn Thị Mẩy").status == BeneficiaryStatus.ACTIVE
    # The line applied with its file: the confirmation adds no second event.
    assert StatusEvent.objects.filter(item=confirmed.item).count() == 1
    assert PaymentItem.objects.get(pk=confirmed.item_id).status == ItemStatus.REJECTED


def test_an_unfilled_list_applies_nothing_and_refuses_nothing(exported, tmp_path):
    result = ingest_status_file(_point_list(tmp_path / "out"), f.user(Role.BHXH_OFFICER))
    assert (result.problems, result.lines, result.applied) == ([], 0, 0)


def test_reader_finds_the_header_below_the_titles_and_skips_total_and_signatures(
        exported, tmp_path):
    codes = _codes(exported)
    filled = _fill(_point_list(tmp_path / "out"),
                   {codes["Lò Văn Pọm"]: ("Đã chi", "", "")}, tmp_path / "k.xlsx")
    (only,) = list(read_cash_results(filled))
    assert (only.end_to_end_id, only.amount) == (codes["Lò Văn Pọm"], 3_100_000)
    assert only.row in (8, 9, 10)  # under the headings on row 7, in name order


def test_old_csv_results_still_read_and_new_columns_are_optional(tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("Mã giao dịch,Số tiền,Kết quả,Lý do\n"
                   "CT202611000000000001,4200000,Đã chi,\n"
                   "CT202611000000000002,4.200.000,Không nhận,REFUSED\n", encoding="utf-8")
    rows = list(read_cash_results(old))
    assert [(r.code, r.reason, r.amount) for r in rows] == [
        ("CASH_PAID", "", 4_200_000), ("CASH_NOT_COLLECTED", "REFUSED", 4_200_000)]
    new = tmp_path / "new.csv"
    # Decomposed (NFD) labels, extra columns, the date paid.
    new.write_text("STT,Ma giao dich,Ho va ten,Ke\u0302\u0301t qua\u0309,Ngày chi\n"
                   "1,CT202611000000000003,A,đã chi,05/11/2026\n", encoding="utf-8")
    (row,) = list(read_cash_results(new))
    assert (row.code, row.amount, row.paid_on) == ("CASH_PAID", None, date(2026, 11, 5))


def test_rows_stream_out_and_a_bad_row_further_down_refuses_the_file(exported, tmp_path):
    codes = _codes(exported)
    path = tmp_path / "late.csv"
    path.write_text("Mã giao dịch,Kết quả,Lý do\n"
                    f"{codes['Lò Văn Pọm']},Đã chi,\n"
                    f"{codes['Tẩn Thị Mẩy']},Chưa nhận,Say rượu\n", encoding="utf-8")
    rows = read_cash_results(path)
    assert next(rows).end_to_end_id == codes["Lò Văn Pọm"]  # before the file is read through
    with pytest.raises(CashResultError) as e:
        next(rows)
    assert [(p.row, p.code) for p in e.value.problems] == [(3, "bad_reason")]
    # The ingest rolls back what the first row staged: nothing applied.
    result = ingest_status_file(path, f.user(Role.POST_OFFICE_OPERATOR))
    assert [p.code for p in result.problems] == ["bad_reason"]
    assert not StatusEvent.objects.exists()
    assert all(i.current_status == ItemStatus.SENT
               for i in PaymentItem.objects.filter(cycle=exported))


def _problems(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(CashResultError) as e:
        list(read_cash_results(path))
    return [(p.row, p.column, p.code) for p in e.value.problems]


def test_hostile_cells_are_reported_by_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Mã giao dịch,Số tiền (đồng),Kết quả,Lý do,Ngày chi\n"
        "CT202611000000000001,4200000,=HYPERLINK(\"http://x\"),,\n"
        "CT202611000000000002,4200000.5,Đã chi,,\n"
        "CT202611000000000003,4200000,Có lẽ,,\n"
        "CT202611000000000004,4200000,Chưa nhận,bận việc,\n"
        "CT202611000000000005,4200000,Đã chi,,31/02/2026\n"
        "CT202611000000000006,4200000,Đã chi,,01/01/2099\n"
        ",4200000,Đã chi,,\n"
        "CT202611000000000008,,,Vắng mặt,\n", encoding="utf-8")
    assert _problems(bad) == [
        (2, "Kết quả", "formula"), (3, "Số tiền (đồng)", "bad_amount"),
        (4, "Kết quả", "bad_result"), (5, "Lý do", "bad_reason"),
        (6, "Ngày chi", "bad_date"), (7, "Ngày chi", "future_date"),
        (8, "Mã giao dịch", "code_missing"), (9, "Kết quả", "result_missing")]


def test_a_file_without_the_header_row_is_refused_whole(tmp_path):
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for _ in range(40):
        ws.append(["Danh sách", "CT202611000000000001", "Đã chi"])
    ws.append(["STT", "Mã giao dịch", "Kết quả"])  # too far down
    wb.save(bad)
    assert _problems(bad) == [(None, "", "header_missing")]
    notxlsx = tmp_path / "x.xlsx"
    notxlsx.write_bytes(b"not a workbook at all")
    assert _problems(notxlsx) == [(None, "", "xlsx_unreadable")]


def test_typed_cells_of_wrong_kinds_are_problems(tmp_path):
    path = tmp_path / "types.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Mã giao dịch", "Số tiền", "Kết quả", "Ngày chi"])
    ws.append(["CT202611000000000001", 4_200_000.25, "Đã chi", None])
    ws.append(["CT202611000000000002", 4_200_000, 1, None])
    ws.append(["CT202611000000000003", 4_200_000, "Đã chi", 46000])
    ws.append(["CT202611000000000004", 4_200_000, "Đã chi", date(2026, 11, 11)])  # fine
    wb.save(path)
    assert _problems(path) == [(2, "Số tiền", "bad_amount"), (3, "Kết quả", "bad_result"),
                               (4, "Ngày chi", "bad_date")]


def test_wrong_amount_and_unknown_code_refuse_the_upload(exported, tmp_path):
    codes = _codes(exported)
    path = tmp_path / "k.csv"
    path.write_text("Mã giao dịch,Số tiền,Kết quả\n"
                    f"{codes['Lò Văn Pọm']},3100001,Đã chi\n"
                    "CT202611999999999999,100,Đã chi\n", encoding="utf-8")
    result = ingest_status_file(path, f.user(Role.POST_OFFICE_OPERATOR))
    # The file is read; neither line applies: the amount is held for a person to look at,
    # the code that is not ours is set aside (the ingest's policy).
    assert (result.problems, result.applied) == ([], 0)
    assert result.exceptions == 1
    assert [p.code for p in result.set_aside_lines] == ["unknown_end_to_end_id"]
    assert not PaymentItem.objects.filter(cycle=exported, status=ItemStatus.PAID).exists()


def test_another_provinces_codes_are_unknown_to_a_post_office(exported, tmp_path, dien_bien):
    ProvincePaymentRule.objects.create(province_code=dien_bien.code, debtor_name="BHXH ĐB",
                                       debtor_account="8800201009999",
                                       debtor_agent_bic="VBAAVNVX")
    f.beneficiary("Lò Thị Ơn", ward_code=f.DIEN_BIEN_PHU, province_code=dien_bien.code)
    from chitra.payments import services

    other = services.open_cycle(dien_bien.code, NOV, "officer")
    services.compute_cycle(other.pk, "officer")
    services.approve_cycle(other.pk, "approver")
    export.export_cycle(other.pk, "officer", tmp_path / "db", cash_lists=False)
    theirs = PaymentItem.objects.get(cycle=other, channel=Channel.CASH)
    path = tmp_path / "k.csv"
    path.write_text(f"Mã giao dịch,Số tiền,Kết quả\n{theirs.end_to_end_id},"
                    f"{theirs.amount},Đã chi\n", encoding="utf-8")
    lai_chau_post = f.user(Role.POST_OFFICE_OPERATOR)
    result = ingest_status_file(path, lai_chau_post)
    assert result.applied == 0
    assert [p.code for p in result.set_aside_lines] == ["unknown_end_to_end_id"]
    assert PaymentItem.objects.get(pk=theirs.pk).current_status == ItemStatus.SENT


# --- the results template ------------------------------------------------------------------


def _template(client, cycle, **query):
    return client.get(reverse("payment_cash_template", args=[cycle.pk]), query)


def _sheet(response) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def test_template_per_point_has_the_header_row_and_one_row_per_person(login, exported):
    client = login(f.user(Role.POST_OFFICE_OPERATOR))
    (group,) = [g for g in cashrun.groups(exported) if g.point_id is not None]
    response = _template(client, exported, point=str(group.point_id), day=group.day.isoformat())
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert f"DCT{group.point_id}-{group.day:%Y%m%d}.xlsx" in response["Content-Disposition"]
    rows = _sheet(response)
    assert rows[0][:3] == ("STT", cashform.CODE, "Họ và tên")
    assert rows[0][8:11] == (cashform.RESULT, cashform.REASON, cashform.PAID_ON)
    codes = _codes(exported)
    amounts = {"Lò Văn Pọm": 3_100_000, "Tẩn Thị Mẩy": 4_200_000, "Đèo Văn Ơn": 2_000_000}
    # By name in the database's collation: compared as a set.
    assert {(r[1], r[2], r[6]) for r in rows[1:]} == {(codes[n], n, a)
                                                      for n, a in amounts.items()}
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    assert all(r[8:11] == (None, None, None) for r in rows[1:])
    assert len(rows) == 4  # no total, no signatures: a results file


def test_template_for_a_ward_day_covers_points_and_home(login, exported):
    client = login(f.user(Role.BHXH_OFFICER))
    item = PaymentItem.objects.filter(cycle=exported, channel=Channel.CASH).first()
    assert item is not None
    response = _template(client, exported, ward=item.ward_code, day=item.payment_date.isoformat())
    rows = _sheet(response)
    assert {r[2] for r in rows[1:]} == {"Lò Văn Pọm", "Tẩn Thị Mẩy", "Đèo Văn Ơn", "Giàng A Dính"}


def test_template_filled_in_applies(login, exported, tmp_path):
    user = f.user(Role.POST_OFFICE_OPERATOR)
    client = login(user)
    item = PaymentItem.objects.get(cycle=exported, full_name="Giàng A Dính")
    response = _template(client, exported, point=cashrun.HOME, day=item.payment_date.isoformat())
    path = tmp_path / "home.xlsx"
    path.write_bytes(response.content)
    filled = _fill(path, {ids.end_to_end_id(NOV, item.pk): ("Đã chi", "", "")},
                   tmp_path / "filled.xlsx")
    result = ingest_status_file(filled, user)
    assert (result.problems, result.applied) == ([], 1)


def test_template_page_lists_points_and_wards(login, exported):
    client = login(f.user(Role.POST_OFFICE_OPERATOR))
    page = client.get(reverse("payment_cash_templates", args=[exported.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "?point=tai-nha" in text
    assert "?ward=" in text


@pytest.mark.parametrize("role", [Role.BANK_OPERATOR, Role.WARD_TEAM, Role.POLICE_VERIFIER])
def test_template_is_404_for_users_without_cash_lists(login, exported, role):
    client = login(f.user(role))
    item = PaymentItem.objects.filter(cycle=exported, channel=Channel.CASH).first()
    assert item is not None
    assert _template(client, exported, ward=item.ward_code,
                     day=item.payment_date.isoformat()).status_code == 404
    assert client.get(reverse("payment_cash_templates", args=[exported.pk])).status_code == 404


def test_template_is_404_for_another_provinces_post_office(login, exported, dien_bien):
    client = login(dien_bien.post_office)
    assert client.get(reverse("payment_cash_templates", args=[exported.pk])).status_code == 404


def test_template_with_bad_or_unknown_query_is_404(login, exported):
    client = login(f.user(Role.BHXH_OFFICER))
    item = PaymentItem.objects.filter(cycle=exported, channel=Channel.CASH).first()
    assert item is not None
    day = item.payment_date.isoformat()
    for query in ({"day": "x", "point": cashrun.HOME}, {"day": day},
                  {"day": day, "point": "999999"}, {"day": "2020-01-01", "point": cashrun.HOME},
                  {"day": day, "point": cashrun.HOME, "ward": item.ward_code}):
        assert _template(client, exported, **query).status_code == 404, query


# --- written from the database ---------------------------------------------------------------


def test_lists_from_the_database_carry_codes_and_are_the_same_bytes_again(exported, tmp_path):
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").glob("tien-mat-*")}
    again = export.write_cash_lists(exported.pk, "officer", tmp_path / "again")
    assert {p.name: p.read_bytes() for p in again} == first
    codes = _codes(exported)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8",
                           str(next((tmp_path / "out").glob("tien-mat-*-DCT*.pdf"))), "-"],
                          capture_output=True, check=True, text=True).stdout
    for name in ("Lò Văn Pọm", "Tẩn Thị Mẩy", "Đèo Văn Ơn"):
        assert codes[name] in text


@pytest.mark.parametrize("workers", [0, 2])
def test_worker_processes_write_the_same_bytes(exported, tmp_path, monkeypatch, workers):
    monkeypatch.setattr(cashrun, "CONFIG", dataclasses.replace(cashrun.CONFIG,
                                                               export_workers=workers))
    paths = cashrun.write_all(exported, tmp_path / f"w{workers}")
    assert [p.name for p in paths] == [p.name for p in export.write_cash_lists(
        exported.pk, "officer", tmp_path / "again")]
    assert len(paths) == 4  # the payment point's and the at-home list, xlsx and pdf
    for p in paths:
        assert p.read_bytes() == (tmp_path / "out" / p.name).read_bytes(), p.name
