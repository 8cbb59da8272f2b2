"""Payment pages: who sees which cycle and file, the buttons run the tasks, status upload,
reconciliation and its downloads."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from chitra.access.models import OrganizationKind, Role
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.models import (
    CycleStatus,
    ExclusionReason,
    ItemStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    ProvincePaymentRule,
    RefusedStatusFile,
    StatusFile,
    StatusSource,
)
from chitra.registry.models import BeneficiaryStatus, Channel
from tests import factories as f
from tests.payments.factories import DEC, NOV
from tests.payments.status_files import pain002

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path, paying_office):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people():
    dead = f.beneficiary("Giàng A Chớ", amount=2_000_000)
    dead.status, dead.status_reason = BeneficiaryStatus.DECEASED, "Giấy báo tử"
    dead.save(update_fields=["status", "status_reason"])
    return {
        "cash": f.beneficiary("Lò Văn Pọm", amount=3_100_000),
        "ok": f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                            account_number="123456789012", amount=4_200_000),
        "bad": f.beneficiary("Vàng A Sử", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                             account_number="123456789013", amount=5_000_000,
                             ward_code=f.TAN_PHONG),
        "agri": f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT,
                              provider_name="Agribank", account_number="1234567890123"),
        "dead": dead,
    }


def bank_user(short_name: str):
    return f.user(Role.BANK_OPERATOR, org=f.organization(
        OrganizationKind.BANK, provider=f.provider(short_name), name=f"{short_name} Lai Châu"))


@pytest.fixture
def officer():
    return f.user(Role.BHXH_OFFICER, username="can.bo")


@pytest.fixture
def approver():
    return f.user(Role.BHXH_APPROVER, username="lanh.dao")


def opened(officer) -> PaymentCycle:
    return services.open_cycle("12", NOV, officer.username)


def computed(officer) -> PaymentCycle:
    return services.compute_cycle(opened(officer).pk, officer.username)


def approved(officer, approver) -> PaymentCycle:
    return services.approve_cycle(computed(officer).pk, approver.username)


@pytest.fixture
def exported(people, officer, approver):
    cycle = approved(officer, approver)
    export.export_cycle(cycle.pk, officer.username)
    cycle.refresh_from_db()
    return cycle


def item_of(b, cycle) -> PaymentItem:
    return PaymentItem.objects.get(beneficiary=b, cycle=cycle)


def text(response) -> str:
    return response.content.decode()


# --- who sees what ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.BHXH_OFFICER, Role.BHXH_APPROVER])
def test_bhxh_roles_see_the_cycle_list_and_detail(login, role, people, officer):
    cycle = computed(officer)
    client = login(f.user(role))
    page = client.get(reverse("payment_cycles"))
    assert page.status_code == 200
    assert f'data-cycle="{cycle.pk}"' in text(page)
    assert "11/2026" in text(page)
    assert "17.550.000 ₫" in text(page)  # 3.1 + 4.2 + 5.0 + 5.25 million
    assert client.get(reverse("payment_cycle", args=[cycle.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.WARD_TEAM, Role.VIEWER, Role.POLICE_VERIFIER])
def test_ward_viewer_and_police_get_nothing(login, role, exported):
    client = login(f.user(role))
    pf = PaymentFile.objects.first()
    assert client.get(reverse("payment_cycles")).status_code == 403
    assert client.get(reverse("payment_files")).status_code == 403
    assert client.get(reverse("payment_status_upload")).status_code == 403
    for name in ("payment_cycle", "payment_cycle_status", "payment_reconciliation",
                 "payment_reconciliation_xlsx", "payment_manifest"):
        assert client.get(reverse(name, args=[exported.pk])).status_code == 404, name
    assert client.get(reverse("payment_file", args=[pf.pk, "xml"])).status_code == 404
    assert client.post(reverse("payment_cycle_close", args=[exported.pk])).status_code == 404
    assert "nav-payments" not in text(client.get("/"))


def test_another_province_cycle_is_not_found(login, people, officer):
    cycle = computed(officer)
    other = f.user(Role.BHXH_OFFICER, org=f.organization(province_code="01"))
    client = login(other)
    assert client.get(reverse("payment_cycle", args=[cycle.pk])).status_code == 404
    assert f'data-cycle="{cycle.pk}"' not in text(client.get(reverse("payment_cycles")))


def test_nav_link_is_shown_to_payment_roles(login):
    for role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.POST_OFFICE_OPERATOR):
        assert 'id="nav-payments"' in text(login(f.user(role)).get("/"))
    assert 'id="nav-payments"' in text(login(bank_user("BIDV")).get("/"))


def test_bank_and_post_office_land_on_their_files(login):
    for user in (bank_user("BIDV"), f.user(Role.POST_OFFICE_OPERATOR)):
        response = login(user).get(reverse("payment_cycles"))
        assert response.status_code == 302
        assert response.url == reverse("payment_files")


# --- open, compute, approve, export, close ---------------------------------------------------

def test_officer_opens_a_cycle_with_the_month_form(login, officer):
    client = login(officer)
    assert 'id="open-cycle"' in text(client.get(reverse("payment_cycles")))
    response = client.post(reverse("payment_cycle_open"), {"period": "2026-11"})
    cycle = PaymentCycle.objects.get()
    assert response.url == reverse("payment_cycle", args=[cycle.pk])
    assert (cycle.province_code, cycle.period, cycle.opened_by) == ("12", NOV, "can.bo")
    again = client.post(reverse("payment_cycle_open"), {"period": "2026-11"}, follow=True)
    assert "Kỳ 11/2026 đã được mở." in text(again)
    assert PaymentCycle.objects.count() == 1


def test_compute_button_runs_the_task_and_the_cycle_moves(login, people, officer):
    cycle = opened(officer)
    client = login(officer)
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert 'id="btn-compute"' in page
    response = client.post(reverse("payment_cycle_compute", args=[cycle.pk]))
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPUTED
    assert cycle.computed_by == "can.bo"
    assert cycle.progress_step == ""
    assert (cycle.progress_done, cycle.progress_total) == (4, 4)
    assert PaymentItem.objects.filter(cycle=cycle).count() == 4
    status = client.get(reverse("payment_cycle_status", args=[cycle.pk])).json()
    assert status == {"id": cycle.pk, "status": "computed", "status_label": "Đã tính",
                      "step": "", "done": 4, "total": 4, "percent": 100, "running": False,
                      "stuck": False,
                      "failed": False, "message": ""}


def test_detail_shows_totals_by_channel_provider_ward_and_exclusions(login, people, officer):
    cycle = computed(officer)
    page = text(login(officer).get(reverse("payment_cycle", args=[cycle.pk])))
    assert '<p class="kpi-value" id="total-count">4</p>' in page
    assert "17.550.000 ₫" in page
    assert "Phường Tân Phong" in page
    assert "BIDV" in page
    assert "9.200.000 ₫" in page  # BIDV: 4.2 + 5.0 million
    assert "Giàng A Chớ" in page  # excluded: deceased
    assert "Đã chết" in page
    assert "<script>" not in page
    assert " style=" not in page
    assert "payments/cycle_progress.js" in page


def test_approve_by_the_computing_user_is_refused_in_the_ui(login, people, approver):
    cycle = computed(approver)  # an approver may compute, but then not approve
    client = login(approver)
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert 'id="btn-approve" disabled' in page
    assert "người duyệt phải là người khác" in page
    response = client.post(reverse("payment_cycle_approve", args=[cycle.pk]), {"confirm": "1"},
                           follow=True)
    assert "Người duyệt phải khác người đã tính kỳ chi trả." in text(response)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPUTED
    assert cycle.approved_by == ""


def test_officer_may_not_approve(login, people, officer):
    cycle = computed(f.user(Role.BHXH_OFFICER))
    client = login(officer)
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert 'id="btn-approve" disabled' in page
    assert client.post(reverse("payment_cycle_approve", args=[cycle.pk]),
                       {"confirm": "1"}).status_code == 403
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPUTED


def test_another_approver_approves(login, people, officer, approver):
    cycle = computed(officer)
    client = login(approver)
    assert 'id="btn-approve" disabled' not in text(
        client.get(reverse("payment_cycle", args=[cycle.pk])))
    response = client.post(reverse("payment_cycle_approve", args=[cycle.pk]), {"confirm": "1"},
                           follow=True)
    assert "Đã duyệt kỳ chi trả." in text(response)
    cycle.refresh_from_db()
    assert (cycle.status, cycle.approved_by) == (CycleStatus.APPROVED, "lanh.dao")


def test_export_button_runs_the_task_and_lists_the_files(login, people, officer, approver,
                                                        settings):
    cycle = approved(officer, approver)
    client = login(officer)
    client.post(reverse("payment_cycle_export", args=[cycle.pk]), {"confirm": "1"})
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.EXPORTED
    assert cycle.progress_step == ""
    assert (cycle.progress_done, cycle.progress_total) == (2, 2)  # BIDV and Agribank
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    files = list(PaymentFile.objects.filter(cycle=cycle))
    for pf in files:
        assert pf.file_name in page
        assert pf.sha256 in page
        body = client.get(reverse("payment_file", args=[pf.pk, "xml"]))
        assert body.status_code == 200
        assert b"".join(body.streaming_content) == (export.export_dir(cycle)
                                                    / pf.file_name).read_bytes()
        assert client.get(reverse("payment_file", args=[pf.pk, "p7s"])).status_code == 200
    assert client.get(reverse("payment_file", args=[files[0].pk, "txt"])).status_code == 404
    manifest = client.get(reverse("payment_manifest", args=[cycle.pk]))
    assert manifest.status_code == 200
    assert b"chitra-manifest/1" in b"".join(manifest.streaming_content)
    assert 'id="link-reconciliation"' in page
    assert 'id="btn-close"' in page
    cash = [n for n in page.split('"') if n.startswith("/payments/") and "/cash/" in n]
    assert len(cash) == 2  # xlsx and pdf of the one payment point and day
    assert client.get(cash[0]).status_code == 200


def test_a_queued_compute_shows_a_progress_bar_until_the_worker_runs_it(login, people, officer,
                                                                        settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cycle = opened(officer)
    client = login(officer)
    page = text(client.post(reverse("payment_cycle_compute", args=[cycle.pk]), follow=True))
    assert "Đã đưa việc tính kỳ chi trả vào hàng đợi." in page
    assert 'data-running="1"' in page
    assert '<progress id="task-progress" max="100" value="0">' in page
    assert "chờ trong hàng đợi" in page
    status = client.get(reverse("payment_cycle_status", args=[cycle.pk])).json()
    assert (status["running"], status["step"], status["percent"]) == (True, "queued", 0)
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step="compute", progress_done=1,
                                                    progress_total=4)
    status = client.get(reverse("payment_cycle_status", args=[cycle.pk])).json()
    assert (status["running"], status["percent"]) == (True, 25)


def test_a_second_click_while_a_step_runs_queues_nothing(login, people, officer):
    cycle = opened(officer)
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step="queued")
    client = login(officer)
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert 'id="btn-compute"' not in page
    assert 'data-running="1"' in page
    response = client.post(reverse("payment_cycle_compute", args=[cycle.pk]), follow=True)
    assert "đang có một bước chạy" in text(response)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN
    assert client.get(reverse("payment_cycle_status", args=[cycle.pk])).json()["running"]


def test_a_failed_export_shows_why(login, people, officer, approver):
    cycle = approved(officer, approver)
    ProvincePaymentRule.objects.filter(province_code="12").update(debtor_account="")
    client = login(officer)
    client.post(reverse("payment_cycle_export", args=[cycle.pk]), {"confirm": "1"})
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.APPROVED
    assert cycle.progress_step == "failed"
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert "Chưa khai báo tài khoản chi" in page
    status = client.get(reverse("payment_cycle_status", args=[cycle.pk])).json()
    assert status["failed"]
    assert status["message"].startswith("Chưa khai báo tài khoản chi")
    assert 'id="btn-export"' in page  # may try again once fixed


def test_close_button_closes_an_exported_cycle(login, exported, officer):
    login(officer).post(reverse("payment_cycle_close", args=[exported.pk]),
                        {"confirm": "1", "close_with_open": "1"})
    exported.refresh_from_db()
    assert exported.status == CycleStatus.CLOSED


# --- files for banks and the post office -----------------------------------------------------

def test_bank_user_sees_and_downloads_only_its_own_files(login, exported):
    bidv = PaymentFile.objects.get(cycle=exported, provider__short_name="BIDV")
    agri = PaymentFile.objects.get(cycle=exported, provider__short_name="Agribank")
    client = login(bank_user("BIDV"))
    page = text(client.get(reverse("payment_files")))
    assert bidv.file_name in page
    assert agri.file_name not in page
    assert "tien-mat" not in page
    assert client.get(reverse("payment_file", args=[bidv.pk, "xml"])).status_code == 200
    assert client.get(reverse("payment_file", args=[bidv.pk, "p7s"])).status_code == 200
    assert client.get(reverse("payment_file", args=[agri.pk, "xml"])).status_code == 404
    assert client.get(reverse("payment_cycle", args=[exported.pk])).status_code == 404
    assert client.get(reverse("payment_manifest", args=[exported.pk])).status_code == 404
    assert client.get(reverse("payment_reconciliation", args=[exported.pk])).status_code == 404


def test_post_office_downloads_the_cash_lists_of_its_province(login, exported):
    client = login(f.user(Role.POST_OFFICE_OPERATOR))
    page = text(client.get(reverse("payment_files")))
    assert "tien-mat-2026-11-" in page
    assert PaymentFile.objects.first().file_name not in page
    name = next(p.name for p in export.export_dir(exported).glob("tien-mat-*.xlsx"))
    response = client.get(reverse("payment_cash_list", args=[exported.pk, name]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    pf = PaymentFile.objects.first()
    assert client.get(reverse("payment_file", args=[pf.pk, "xml"])).status_code == 404
    other = login(f.user(Role.POST_OFFICE_OPERATOR, org=f.organization(
        OrganizationKind.POST_OFFICE, province_code="01")))
    assert other.get(reverse("payment_cash_list", args=[exported.pk, name])).status_code == 404


def test_cash_list_names_outside_the_manifest_are_not_served(login, exported, officer):
    client = login(officer)
    for name in ("manifest-12-2026-11.json", "..%2F..%2Fsecret", "tien-mat-2026-11-x.xlsx"):
        assert client.get(f"/payments/{exported.pk}/cash/{name}").status_code == 404


# --- status files in -------------------------------------------------------------------------

def upload(client, name: str, data: bytes):
    """Upload and follow to the result page (the tasks run at once here)."""
    return client.post(reverse("payment_status_upload"),
                       {"file": SimpleUploadedFile(name, data, "application/xml")}, follow=True)


def test_bank_upload_applies_a_pain002_and_shows_the_counts(login, exported, people):
    bidv = PaymentFile.objects.get(cycle=exported, provider__short_name="BIDV")
    ok, bad = item_of(people["ok"], exported), item_of(people["bad"], exported)
    reply = pain002(bidv.msg_id, [(ok.end_to_end_id, "ACSC", None, 4_200_000),
                                  (bad.end_to_end_id, "RJCT", "AC04", 5_000_000)])
    client = login(bank_user("BIDV"))
    response = upload(client, "bidv-pain002.xml", reply)
    page = text(response)
    assert response.status_code == 200
    assert '<dd id="result-lines">2</dd>' in page
    assert '<dd id="result-applied-count">2</dd>' in page
    assert '<dd id="result-unchanged">0</dd>' in page
    assert item_of(people["ok"], exported).status == ItemStatus.PAID
    assert item_of(people["bad"], exported).status == ItemStatus.REJECTED
    sf = StatusFile.objects.get()
    assert (sf.file_name, sf.source) == ("bidv-pain002.xml", StatusSource.PAIN002)
    again = text(upload(client, "bidv-pain002.xml", reply))
    assert 'id="result-duplicate"' in again
    assert StatusFile.objects.count() == 1


def test_upload_shows_lines_held_and_set_aside_and_applies_nothing_of_them(
        login, exported, people, officer):
    bidv = PaymentFile.objects.get(cycle=exported, provider__short_name="BIDV")
    ok = item_of(people["ok"], exported)
    reply = pain002(bidv.msg_id, [(ok.end_to_end_id, "ACSC", None, 4_200_001),
                                  ("CT202611999999999999", "ACSC", None, None)])
    page = text(upload(login(officer), "sai.xml", reply))
    assert 'id="result-refused"' not in page
    assert '<dd id="result-exceptions">1</dd>' in page  # the amount differs: held
    assert '<dd id="result-set-aside">1</dd>' in page
    assert "CT202611999999999999" in page
    assert "Không có giao dịch nào mang mã này." in page
    assert "4200000" not in page  # the stored amount is not shown
    assert item_of(people["ok"], exported).current_status == ItemStatus.SENT
    assert StatusFile.objects.get().set_aside == 1
    assert not RefusedStatusFile.objects.exists()


def test_bank_may_not_report_on_another_banks_items(login, exported, people):
    agri = PaymentFile.objects.get(cycle=exported, provider__short_name="Agribank")
    item = item_of(people["agri"], exported)
    page = text(upload(login(bank_user("BIDV")), "agri.xml",
                       pain002(agri.msg_id, [(item.end_to_end_id, "ACSC", None, None)])))
    assert "Không có tệp chi nào mang mã này." in page  # as for a file that does not exist
    assert item_of(people["agri"], exported).current_status == ItemStatus.SENT


def test_post_office_uploads_cash_results_for_cash_items_only(login, exported, people):
    cash, ok = item_of(people["cash"], exported), item_of(people["ok"], exported)
    client = login(f.user(Role.POST_OFFICE_OPERATOR))
    body = ("Mã giao dịch,Số tiền,Kết quả\n"
            f"{cash.end_to_end_id},3100000,Đã chi\n").encode()
    response = client.post(reverse("payment_status_upload"), {
        "file": SimpleUploadedFile("ket-qua.csv", body, "text/csv")}, follow=True)
    assert '<dd id="result-applied-count">1</dd>' in text(response)
    assert item_of(people["cash"], exported).status == ItemStatus.PAID
    bank_line = f"Mã giao dịch,Số tiền,Kết quả\n{ok.end_to_end_id},4200000,Đã chi\n".encode()
    refused = client.post(reverse("payment_status_upload"), {
        "file": SimpleUploadedFile("ket-qua-2.csv", bank_line, "text/csv")}, follow=True)
    assert "Không có giao dịch nào mang mã này." in text(refused)  # as for no such item
    assert item_of(people["ok"], exported).current_status == ItemStatus.SENT


def test_upload_refuses_other_file_types(login, officer):
    page = text(upload(login(officer), "x.pdf", b"%PDF-1.4"))
    assert "Chỉ nhận tệp .xml, .xlsx hoặc .csv." in page
    page = text(upload(login(officer), "x.xml", b"<a/>"))
    assert "Không nhận ra loại tệp" in page


# --- reconciliation --------------------------------------------------------------------------

@pytest.fixture
def reconciled(login, exported, people):
    bidv = PaymentFile.objects.get(cycle=exported, provider__short_name="BIDV")
    ok, bad = item_of(people["ok"], exported), item_of(people["bad"], exported)
    upload(login(bank_user("BIDV")), "bidv.xml", pain002(bidv.msg_id, [
        (ok.end_to_end_id, "ACSC", None, None), (bad.end_to_end_id, "RJCT", "AC04", None)]))
    upload(login(bank_user("BIDV")), "sai.xml", pain002("BHXH-12-202611-999999-0001", [
        ("CT202611999999999998", "ACSC", None, None)]))  # no payment file of ours: refused
    return exported


def test_reconciliation_page_shows_statuses_rejections_and_refused_files(login, reconciled,
                                                                         officer, time_machine):
    time_machine.move_to(date(2026, 11, 20))
    page = text(login(officer).get(reverse("payment_reconciliation", args=[reconciled.pk])))
    assert '<td class="num" id="rec-total-count">4</td>' in page
    assert "17.550.000 ₫" in page
    assert 'data-status="paid"' in page
    assert "AC04" in page
    assert "Vàng A Sử" in page
    assert "BHXH-12-202611-999999-0001" in page  # the refused file's unknown msg id
    assert "bidv.xml" in page
    # Agribank (transfer 02/11) and the cash item are still open 5+ days after their date.
    assert "Chưa có kết quả quá 5 ngày sau ngày chi" in page
    assert "(2 · 8.350.000 ₫)" in page


def test_reconciliation_downloads_carry_the_totals(login, reconciled, officer):
    client = login(officer)
    response = client.get(reverse("payment_reconciliation_csv", args=[reconciled.pk, "summary"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "nha_cung_cap"
    assert ["BIDV", "rejected", "AC04", "1", "5000000"] in rows
    assert ["BIDV", "paid", "", "1", "4200000"] in rows
    assert rows[-1] == ["TONG", "", "", "4", "17550000"]
    items = client.get(reverse("payment_reconciliation_csv", args=[reconciled.pk, "items"]))
    item_rows = list(csv.reader(io.StringIO(
        b"".join(items.streaming_content).decode("utf-8-sig"))))
    assert len(item_rows) == 5
    assert sum(int(r[6]) for r in item_rows[1:]) == 17_550_000
    xlsx = client.get(reverse("payment_reconciliation_xlsx", args=[reconciled.pk]))
    assert xlsx["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    summary = list(wb["Tổng hợp"].iter_rows(values_only=True))
    assert summary[1] == ("Ngân hàng / ví", "Trạng thái", "Lý do", "Số giao dịch",
                          "Số tiền (đồng)")  # titles people read (the csv keeps its keys)
    assert ("BIDV", "Bị từ chối", "Tài khoản đã đóng (AC04)", 1, 5_000_000) in summary
    assert summary[-1] == ("Tổng cộng", None, None, 4, 17_550_000)
    detail = list(wb["Chi tiết"].iter_rows(values_only=True))
    assert sum(r[6] for r in detail[1:]) == 17_550_000
    assert client.get(f"/payments/{reconciled.pk}/reconciliation-x.csv").status_code == 404


# --- constant query counts -------------------------------------------------------------------

def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_people(n: int) -> None:
    for k in range(n):
        f.beneficiary(f"Người Thứ {k}", channel=Channel.BANK_ACCOUNT if k % 2 else Channel.CASH,
                      provider_name="BIDV", ward_code=f.TAN_PHONG if k % 3 else f.DOAN_KET)
        dead = f.beneficiary(f"Người Mất {k}")
        dead.status, dead.status_reason = BeneficiaryStatus.DECEASED, "Giấy báo tử"
        dead.save(update_fields=["status", "status_reason"])


def _pages(client, cycle: PaymentCycle) -> list[int]:
    return [_queries(client, reverse(name, args=[cycle.pk]))
            for name in ("payment_cycle", "payment_reconciliation")]


def test_detail_and_reconciliation_query_counts_do_not_grow_with_items(
        login, people, officer, approver, django_assert_max_num_queries):
    client = login(officer)
    nov = approved(officer, approver)
    export.export_cycle(nov.pk, officer.username)
    _more_people(12)
    dec = services.compute_cycle(services.open_cycle("12", DEC, officer.username).pk,
                                 officer.username)
    services.approve_cycle(dec.pk, approver.username)
    export.export_cycle(dec.pk, officer.username)
    assert PaymentItem.objects.filter(cycle=dec).count() == 4 + 12
    assert _pages(client, nov) == _pages(client, dec)
    for name in ("payment_cycle", "payment_reconciliation", "payment_cycles"):
        url = reverse(name, args=[dec.pk]) if name != "payment_cycles" else reverse(name)
        with django_assert_max_num_queries(16):
            client.get(url)


# --- labels ----------------------------------------------------------------------------------

@pytest.mark.parametrize("choices", [CycleStatus, ItemStatus, ExclusionReason, StatusSource])
def test_payment_choice_labels_have_english_translations(choices):
    with translation.override("en"):
        missing = [label for label in choices.labels if translation.gettext(label) == label
                   and label not in ("pain.002", "camt.054")]
    assert not missing


def test_detail_page_in_english(login, people, officer):
    cycle = computed(officer)
    client = login(officer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert "Payment cycle" in page
    assert "Computed" in page
    assert "Deceased" in page


# --- a stuck step ----------------------------------------------------------------------------

def _stuck(cycle: PaymentCycle) -> None:
    PaymentCycle.objects.filter(pk=cycle.pk).update(
        progress_step="queued", progress_at=timezone.now() - timedelta(hours=1))


def test_a_stuck_step_offers_release_and_releasing_frees_the_cycle(login, officer, approver):
    cycle = opened(officer)
    _stuck(cycle)
    client = login(approver)
    page = text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    assert 'id="btn-release"' in page
    assert 'data-stuck="1"' in page
    status = client.get(reverse("payment_cycle_status", args=[cycle.pk])).json()
    assert (status["running"], status["stuck"]) == (True, True)
    response = client.post(reverse("payment_cycle_release", args=[cycle.pk]), {"confirm": "1"},
                           follow=True)
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_step == "failed"
    page = text(response)
    assert 'id="task-failure"' in page
    assert approver.username in page  # who released it
    assert 'id="btn-compute"' in page  # may run again


def test_a_live_step_offers_no_release(login, officer):
    cycle = opened(officer)
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step="queued",
                                                    progress_at=timezone.now())
    client = login(officer)
    assert 'id="btn-release"' not in text(client.get(reverse("payment_cycle", args=[cycle.pk])))
    response = client.post(reverse("payment_cycle_release", args=[cycle.pk]), {"confirm": "1"},
                           follow=True)
    assert "vẫn đang chạy" in text(response)
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_step == "queued"


@pytest.mark.parametrize("who", ["ward", "other_province"])
def test_only_the_province_office_may_release(login, officer, who):
    cycle = opened(officer)
    _stuck(cycle)
    user = (f.user(Role.WARD_TEAM) if who == "ward" else
            f.user(Role.BHXH_OFFICER, org=f.organization(province_code="01")))
    response = login(user).post(reverse("payment_cycle_release", args=[cycle.pk]),
                                {"confirm": "1"})
    assert response.status_code == 404
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_step == "queued"


def test_release_from_the_command_line(officer):
    cycle = opened(officer)
    _stuck(cycle)
    out = io.StringIO()
    call_command("cycle", "release", "2026-11", "--as", officer.username, stdout=out)
    assert "released step 'queued'" in out.getvalue()
    with pytest.raises(CommandError, match="No step is running"):
        call_command("cycle", "release", "2026-11", "--as", officer.username)


def test_before_approval_the_page_counts_people_not_verified_in_twelve_months(
        login, people, officer, approver):
    from chitra.registry.models import VerificationStamp
    cycle = opened(officer)
    url = reverse("payment_cycle", args=[cycle.pk])
    page = text(login(officer).get(url))
    # the four active people (not the deceased) were never verified
    assert "4 người đang hưởng chưa được đối chiếu với CSDL dân cư trong 12 tháng" in page
    assert reverse("verification_due") in page.split('id="not-verified"')[1]
    now = timezone.now()
    VerificationStamp.objects.create(beneficiary=people["cash"], outcome="match",
                                     verified_at=now - timedelta(days=30), source="t")
    VerificationStamp.objects.create(beneficiary=people["ok"], outcome="match",
                                     verified_at=now - timedelta(days=400), source="t")
    page = text(login(officer).get(url))
    assert "3 người đang hưởng chưa được đối chiếu" in page
    services.compute_cycle(cycle.pk, officer.username)
    assert "3 người đang hưởng chưa được đối chiếu" in text(login(officer).get(url))
    services.approve_cycle(cycle.pk, approver.username)
    assert 'id="not-verified"' not in text(login(officer).get(url))
