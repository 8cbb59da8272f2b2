# ruff: noqa: F811 - the fixtures are imported from tests.payments (pytest passes them by name)
"""Payments screens (issue 14): words instead of internal names, a confirmation before every
irreversible step, counts with thousand separators, the sheets people work from, and the
cash lists by day and payment point with a zip per day."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chitra.access.models import OrganizationKind, Role
from chitra.core.models import AuditEntry
from chitra.payments import cashform, labels
from chitra.payments.models import (
    DUPLICATE_REASON,
    CycleStatus,
    ExceptionKind,
    ExceptionState,
    ItemStatus,
    PaymentCycle,
    PaymentItem,
)
from chitra.payments.status import transitions
from chitra.payments.views import _close_warning
from tests import factories as f
from tests.payments.conftest import office_keystore, paying_office  # noqa: F401 - fixtures
from tests.payments.exception_factories import held, set_status
from tests.payments.test_views import (  # noqa: F401 - fixtures
    _immediate_tasks_and_media,
    approver,
    computed,
    exported,
    officer,
    people,
    reconciled,
    text,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_rows(response) -> list[tuple]:
    assert response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def _english(client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


# --- words instead of internal names ---------------------------------------------------------

def test_every_reason_code_chitra_knows_has_a_meaning_in_both_languages():
    known = (transitions.BAD_ACCOUNT_REASONS | transitions.DECEASED_REASONS
             | transitions.REVIEW_CODES | transitions.RETURNED_CODES
             | {DUPLICATE_REASON} | cashform.REASON_CODES
             | {"AC01", "AC03", "AC04", "AC06", "AG01", "AM04", "AM05", "BE01", "MD07", "MS03",
                "NARR", "RR01", "RR02", "RR03", "RR04", "FOCR", "CUST", "AC13", "AM09"})
    missing = sorted(c for c in known if c not in labels.REASONS)
    assert not missing
    for vi, en in labels.REASONS.values():
        assert vi
        assert en
        assert vi != en


def test_a_reason_shows_its_meaning_then_the_code():
    assert labels.reason_label("AC04", "vi") == "Tài khoản đã đóng (AC04)"
    assert labels.reason_label("MD07", "en") == "End customer deceased (MD07)"
    assert labels.reason_label("ZZ99", "vi") == "ZZ99"  # unknown: as it came
    assert labels.reason_label("", "vi") == ""
    assert labels.reason_label(None, "en") == ""


def test_system_actors_and_reader_columns_have_names():
    assert labels.actor_label("system:seed_demo", "vi") == "Hệ thống (dữ liệu mẫu)"
    assert labels.actor_label("system:nightly", "en") == "System"
    assert labels.actor_label("can.bo", "vi") == "can.bo"
    assert labels.column_label("end_to_end_id", "vi") == "Mã giao dịch"
    assert labels.column_label("EndToEndId", "en") == "Transaction code"
    assert labels.column_label("Họ tên", "vi") == "Họ tên"  # a file's own header
    assert labels.source_label("pain002", "vi").endswith("(pain.002)")


def test_reconciliation_shows_reason_meanings_not_codes_alone(login, reconciled, officer):
    client = login(officer)
    page = text(client.get(reverse("payment_reconciliation", args=[reconciled.pk])))
    assert "Tài khoản đã đóng (AC04)" in page
    assert "pain002" not in page  # the source in words
    assert "Báo cáo trạng thái của ngân hàng (pain.002)" in page
    _english(client)
    page = text(client.get(reverse("payment_reconciliation", args=[reconciled.pk])))
    assert "Account closed (AC04)" in page
    assert "Rejected" in page
    assert "Bị từ chối" not in page


def test_reconciliation_xlsx_has_titles_and_words_in_the_readers_language(login, reconciled,
                                                                          officer):
    client = login(officer)
    _english(client)
    response = client.get(reverse("payment_reconciliation_xlsx", args=[reconciled.pk]))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    summary = list(wb.worksheets[0].iter_rows(values_only=True))
    assert summary[1][0] == "Bank / e-wallet"
    assert ("BIDV", "Rejected", "Account closed (AC04)", 1, 5_000_000) in summary
    detail = list(wb.worksheets[1].iter_rows(values_only=True))
    assert "end_to_end_id" not in detail[0]
    assert "nha_cung_cap" not in summary[1]


def test_the_reconciliation_csv_keeps_its_machine_keys(login, reconciled, officer):
    response = login(officer).get(reverse("payment_reconciliation_csv",
                                          args=[reconciled.pk, "summary"]))
    first = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert first == "nha_cung_cap,trang_thai,ma_ly_do,so_giao_dich,so_tien_dong"


def test_a_system_actor_is_shown_by_name(login, people, officer):
    cycle = computed(officer)
    PaymentCycle.objects.filter(pk=cycle.pk).update(opened_by="system:seed_demo")
    page = text(login(officer).get(reverse("payment_cycle", args=[cycle.pk])))
    assert "system:seed_demo" not in page
    assert "Hệ thống (dữ liệu mẫu)" in page


def test_exception_pages_show_the_reasons_meaning(login, lai_chau):
    (item,) = _sent_item()
    exc = held(set_status(item, ItemStatus.PAID), ExceptionKind.CONFLICT, "RJCT", reason="AC04")
    client = login(lai_chau.officer)
    assert "Tài khoản đã đóng (AC04)" in text(client.get(reverse("payment_exceptions")))
    assert "Tài khoản đã đóng (AC04)" in text(client.get(reverse("payment_exception",
                                                                 args=[exc.pk])))


def _sent_item():
    from tests.payments.exception_factories import sent_items

    return sent_items(names=("Tẩn Thị Mẩy",))


# --- counts ------------------------------------------------------------------------------------

def test_counts_have_thousand_separators(login, people, officer):
    cycle = computed(officer)
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step="compute",
                                                    progress_done=1234, progress_total=12345)
    page = text(login(officer).get(reverse("payment_cycle", args=[cycle.pk])))
    assert '<span id="task-done">1.234</span>' in page
    assert '<span id="task-total">12.345</span>' in page


# --- confirmation before irreversible steps ----------------------------------------------------

def test_the_cycle_page_asks_for_confirmation_without_script(login, people, officer, approver):
    cycle = computed(officer)
    page = text(login(approver).get(reverse("payment_cycle", args=[cycle.pk])))
    panel = page[page.index('id="confirm-approve"'):]
    panel = panel[:panel.index("</details>")]
    assert 'id="btn-approve"' in panel
    assert 'id="btn-approve-confirm"' in panel
    assert '<input type="hidden" name="confirm" value="1">' in panel
    assert "4 khoản chi" in panel  # what will be approved
    for inline in ("<script>", " style=", " onclick"):
        assert inline not in page


def test_approve_without_the_confirmation_changes_nothing(login, people, officer, approver):
    cycle = computed(officer)
    client = login(approver)
    response = client.post(reverse("payment_cycle_approve", args=[cycle.pk]), follow=True)
    assert "Chưa xác nhận" in text(response)
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.COMPUTED
    client.post(reverse("payment_cycle_approve", args=[cycle.pk]), {"confirm": "yes"})
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.COMPUTED
    client.post(reverse("payment_cycle_approve", args=[cycle.pk]), {"confirm": "1"})
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.APPROVED


def test_export_and_release_without_the_confirmation_change_nothing(login, people, officer,
                                                                    approver):
    from chitra.payments import services

    cycle = services.approve_cycle(computed(officer).pk, approver.username)
    client = login(officer)
    client.post(reverse("payment_cycle_export", args=[cycle.pk]))
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.APPROVED
    assert not AuditEntry.objects.filter(action="cycle.export").exists()
    PaymentCycle.objects.filter(pk=cycle.pk).update(
        progress_step="queued", progress_at=timezone.now() - timedelta(hours=1))
    assert 'id="btn-release-confirm"' in text(client.get(reverse("payment_cycle",
                                                                 args=[cycle.pk])))
    client.post(reverse("payment_cycle_release", args=[cycle.pk]))
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_step == "queued"


def test_closing_with_items_still_sent_warns_with_the_count(login, exported, officer):
    client = login(officer)
    page = text(client.get(reverse("payment_cycle", args=[exported.pk])))
    assert "Còn 4 giao dịch chưa có kết quả." in page
    assert 'name="close_with_open" value="1" id="close-with-open" required' in page
    response = client.post(reverse("payment_cycle_close", args=[exported.pk]), {"confirm": "1"},
                           follow=True)
    assert "Còn 4 giao dịch chưa có kết quả." in text(response)
    assert PaymentCycle.objects.get(pk=exported.pk).status == CycleStatus.EXPORTED
    client.post(reverse("payment_cycle_close", args=[exported.pk]),
                {"confirm": "1", "close_with_open": "1"})
    assert PaymentCycle.objects.get(pk=exported.pk).status == CycleStatus.CLOSED


def test_the_warning_counts_with_a_thousand_separator():
    assert _close_warning(1234) == "Còn 1.234 giao dịch chưa có kết quả."


def test_closing_with_every_result_in_needs_only_the_confirmation(login, exported, officer):
    for item in PaymentItem.objects.filter(cycle=exported):
        set_status(item, ItemStatus.PAID)
    client = login(officer)
    page = text(client.get(reverse("payment_cycle", args=[exported.pk])))
    assert 'id="close-with-open"' not in page
    client.post(reverse("payment_cycle_close", args=[exported.pk]))
    assert PaymentCycle.objects.get(pk=exported.pk).status == CycleStatus.EXPORTED
    client.post(reverse("payment_cycle_close", args=[exported.pk]), {"confirm": "1"})
    assert PaymentCycle.objects.get(pk=exported.pk).status == CycleStatus.CLOSED


def test_an_exception_is_approved_only_once_confirmed(login, lai_chau):
    from chitra.payments import services

    (item,) = _sent_item()
    exc = held(set_status(item, ItemStatus.PAID), ExceptionKind.CONFLICT, "RJCT", reason="AG01")
    services.propose_resolution(lai_chau.officer, exc.pk, "keep", "Đã gọi ngân hàng")
    client = login(lai_chau.approver)
    page = text(client.get(reverse("payment_exception", args=[exc.pk])))
    assert 'id="btn-approve-confirm"' in page
    client.post(reverse("payment_exception_approve", args=[exc.pk]))
    exc.refresh_from_db()
    assert exc.state == ExceptionState.PROPOSED
    client.post(reverse("payment_exception_approve", args=[exc.pk]), {"confirm": "1"})
    exc.refresh_from_db()
    assert exc.state == ExceptionState.RESOLVED


# --- cash lists by day and point, zip per day ------------------------------------------------

@pytest.fixture
def point_people(people):
    point = f.payment_point()
    cash = people["cash"]
    cash.payment_point = point
    cash.save(update_fields=["payment_point"])
    at_home = f.beneficiary("Lường Thị Hoa", amount=2_500_000)
    return point, at_home


@pytest.fixture
def cash_exported(point_people, officer, approver):
    from chitra.payments import services
    from chitra.payments.export import run as export

    cycle = services.approve_cycle(computed(officer).pk, approver.username)
    export.export_cycle(cycle.pk, officer.username)
    cycle.refresh_from_db()
    return cycle


def test_cash_lists_are_grouped_by_day_and_named_by_point(login, cash_exported, point_people,
                                                          officer):
    point, _home = point_people
    page = text(login(officer).get(reverse("payment_cycle", args=[cash_exported.pk])))
    section = page[page.index('id="cash-days-'):]
    assert point.name in section
    assert "Chi trả tại nhà" in section
    assert ">tien-mat-" not in section  # the file names are not the link texts
    assert section.count('data-zip="') == len(set(PaymentItem.objects.filter(
        cycle=cash_exported, channel="cash").values_list("payment_date", flat=True)))


def test_a_days_zip_holds_that_days_lists(login, cash_exported, officer):
    day = PaymentItem.objects.filter(cycle=cash_exported, channel="cash").values_list(
        "payment_date", flat=True).first()
    client = login(officer)
    response = client.get(reverse("payment_cash_day_zip",
                                  args=[cash_exported.pk, f"{day:%Y-%m-%d}"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"{day:%Y%m%d}.zip" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as z:
        names = z.namelist()
        assert names
        assert all(n.startswith("tien-mat-") for n in names)
        assert all(f"-{day:%Y%m%d}." in n for n in names)
        assert {n.rsplit(".", 1)[1] for n in names} == {"xlsx", "pdf"}
        assert all("/" not in n and ".." not in n for n in names)
    assert AuditEntry.objects.filter(action="download", object_type="cash_list_zip").exists()


@pytest.mark.parametrize("day", ["2026-01-01", "2026-13-40", "x", "..%2F..%2Fetc"])
def test_a_zip_of_a_day_without_lists_or_a_malformed_day_is_not_found(login, cash_exported,
                                                                      officer, day):
    response = login(officer).get(f"/payments/{cash_exported.pk}/cash-{day}.zip")
    assert response.status_code == 404


def test_the_post_office_gets_the_zip_and_a_ward_does_not(login, cash_exported):
    day = PaymentItem.objects.filter(cycle=cash_exported, channel="cash").values_list(
        "payment_date", flat=True).first()
    url = reverse("payment_cash_day_zip", args=[cash_exported.pk, f"{day:%Y-%m-%d}"])
    post = f.user(Role.POST_OFFICE_OPERATOR, org=f.organization(
        OrganizationKind.POST_OFFICE, name="Bưu điện Lai Châu"))
    assert login(post).get(url).status_code == 200
    assert login(f.user(Role.WARD_TEAM)).get(url).status_code == 404


# --- sheets people work from ---------------------------------------------------------------

def test_the_exclusions_sheet_lists_everyone_not_paid_and_why(login, people, officer):
    hostile = f.beneficiary("=HYPERLINK(\"http://x\")", amount=1_000_000)
    from chitra.registry.models import BeneficiaryStatus

    hostile.status, hostile.status_reason = BeneficiaryStatus.DECEASED, "Giấy báo tử"
    hostile.save(update_fields=["status", "status_reason"])
    cycle = computed(officer)
    client = login(officer)
    assert f'href="{reverse("payment_exclusions_xlsx", args=[cycle.pk])}"' in text(
        client.get(reverse("payment_cycle", args=[cycle.pk])))
    rows = _xlsx_rows(client.get(reverse("payment_exclusions_xlsx", args=[cycle.pk])))
    assert rows[1][:3] == ("STT", "Họ tên", "Số định danh")
    names = [r[1] for r in rows[2:-1]]
    assert "Giàng A Chớ" in names
    assert "'=HYPERLINK(\"http://x\")" in names  # text, never a formula
    assert {r[7] for r in rows[2:-1]} == {"Đã chết"}
    assert rows[-1][6] == 3_000_000
    assert rows[-1][1] == "Tổng cộng (2)"


def test_the_exclusions_sheet_is_scoped(login, people, officer):
    cycle = computed(officer)
    other = f.user(Role.BHXH_OFFICER, org=f.organization(province_code=f.DIEN_BIEN))
    for user in (other, f.user(Role.WARD_TEAM)):
        assert login(user).get(reverse("payment_exclusions_xlsx",
                                       args=[cycle.pk])).status_code == 404


def test_the_payment_day_sheet_lists_the_points_people(login, cash_exported, point_people):
    point, _home = point_people
    day = PaymentItem.objects.filter(cycle=cash_exported, payment_point=point).values_list(
        "payment_date", flat=True).first()
    post = f.user(Role.POST_OFFICE_OPERATOR, org=f.organization(
        OrganizationKind.POST_OFFICE, name="Bưu điện Lai Châu"))
    client = login(post)
    screen = reverse("payment_day", args=[cash_exported.pk, point.pk, f"{day:%Y-%m-%d}"])
    sheet = reverse("payment_day_xlsx", args=[cash_exported.pk, point.pk, f"{day:%Y-%m-%d}"])
    assert f'href="{sheet}"' in text(client.get(screen))
    rows = _xlsx_rows(client.get(sheet))
    assert rows[0][0] == point.name
    assert rows[2][:3] == ("STT", "Mã giao dịch", "Họ tên")
    assert rows[3][2] == "Lò Văn Pọm"
    assert rows[3][4] == 3_100_000
    assert rows[-1][4] == 3_100_000
    assert login(f.user(Role.WARD_TEAM)).get(sheet).status_code in (403, 404)
    wrong_day = reverse("payment_day_xlsx", args=[cash_exported.pk, point.pk, "2026-01-02"])
    assert login(post).get(wrong_day).status_code == 404  # nobody is paid there that day
