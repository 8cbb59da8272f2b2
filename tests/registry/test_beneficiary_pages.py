"""The beneficiary pages of issue 14: the person's payment history, proxy letters and change
history (scoped, bounded, in words people read), and the Excel export of the list."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import openpyxl
import pytest
from django.urls import reverse
from PIL import Image

from chitra.access.models import OrganizationKind, Role
from chitra.core import audit
from chitra.core.models import AuditEntry
from chitra.outreach import letters
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry import export, services
from chitra.registry.history import HISTORY_LIMIT
from chitra.registry.models import (
    Authorization,
    BeneficiaryStatus,
    Channel,
    ImportFieldChange,
)
from chitra.registry.templatetags.registry_labels import import_column
from tests import factories as f
from tests.payments.factories import DEC, NOV, computed_cycle

LIST = "/beneficiaries/"
EXPORT = "/beneficiaries/export.xlsx"


def _ward_user(ward_code: str = f.DOAN_KET, **names: str):  # type: ignore[no-untyped-def]
    u = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=ward_code))
    if names:
        for k, v in names.items():
            setattr(u, k, v)
        u.save()
    return u


def _detail(b) -> str:  # type: ignore[no-untyped-def]
    return reverse("beneficiary_detail", args=[b.pk])


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("<section", start)
    return html[start:end if end != -1 else None]


def _set_item(b, period: date, status: ItemStatus, reason: str = "",  # type: ignore[no-untyped-def]
              at: datetime | None = None) -> None:
    PaymentItem.objects.filter(beneficiary=b, cycle__period=period).update(
        status=status, reason_code=reason, status_changed_at=at)


# --- payment history ------------------------------------------------------------------------

@pytest.fixture
def paid_person():  # type: ignore[no-untyped-def]
    b = f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT, amount=5_250_000)
    computed_cycle(NOV)
    computed_cycle(DEC)
    _set_item(b, NOV, ItemStatus.REJECTED, "AC04", datetime(2026, 11, 6, 3, tzinfo=UTC))
    _set_item(b, DEC, ItemStatus.PAID, "", datetime(2026, 12, 2, 3, tzinfo=UTC))
    return b


def test_payment_history_shows_each_month_amount_channel_status_reason_and_day_paid(
        login, paid_person):
    html = login(_ward_user()).get(_detail(paid_person)).text
    payments = _section(html, "payments")
    assert payments.index("12/2026") < payments.index("11/2026")  # newest month first
    assert payments.count("5.250.000 ₫") == 2
    assert "Agribank" in payments
    assert 'class="chip chip-item-rejected">Bị từ chối' in payments
    assert 'class="chip chip-item-paid">Đã chi' in payments
    assert "Tài khoản đã đóng (AC04)" in payments  # the code's meaning, not the bare code
    assert "02/12/2026" in payments  # the day paid
    assert "06/11/2026" not in payments  # a refusal has no day paid


def test_payment_history_is_limited_to_24_months_and_says_so(login):
    b = f.beneficiary()
    computed_cycle(date(2024, 12, 1))  # the 25th month up to December 2026 (today)
    computed_cycle(date(2025, 1, 1))  # the 24th
    payments = _section(login(_ward_user()).get(_detail(b)).text, "payments")
    assert "01/2025" in payments
    assert "12/2024" not in payments
    assert "24 tháng gần nhất" in payments


def test_payment_history_in_english(login, client, paid_person):
    client = login(_ward_user())
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    payments = _section(client.get(_detail(paid_person)).text, "payments")
    assert "Account closed (AC04)" in payments
    assert "Tài khoản đã đóng" not in payments
    assert "Bank account" in payments


def test_no_payments_yet(login):
    html = login(_ward_user()).get(_detail(f.beneficiary())).text
    assert 'id="no-payments"' in html


# --- change history -------------------------------------------------------------------------

def test_change_history_names_people_and_says_what_changed_in_words(login):
    b = f.beneficiary("Lò Thị Mai")
    officer = f.user(Role.BHXH_OFFICER, username="canbo.lan")
    officer.first_name, officer.last_name = "Nguyễn Thị", "Lan"
    officer.save()
    services.record_payment_account(
        b, channel=Channel.BANK_ACCOUNT, provider=f.provider("Agribank"),
        account_number="8800205123456", holder_name="Lò Thị Mai", valid_from=date(2026, 7, 1),
        actor=officer.username, approved_by="lanhdao")
    services.stop_payment(b, status=BeneficiaryStatus.SUSPENDED, reason="Chờ xác minh",
                          actor="system:seed_demo")
    audit.record(officer.username, "outreach.contact", "beneficiary", b.pk,
                 after={"outcome": "agreed", "place": "home", "client_ref": "abc"})
    html = login(_ward_user()).get(_detail(b)).text
    changes = _section(html, "changes")
    assert "Đổi tài khoản nhận tiền" in changes
    assert "Nguyễn Thị Lan" in changes
    assert "canbo.lan" not in html
    assert "Hệ thống" in changes
    assert "system:seed_demo" not in html
    assert re.search(r"Tiền mặt</span> → <span class=\"new\">Tài khoản ngân hàng", changes)
    assert "…3456" in changes
    assert "01/07/2026" in changes
    assert re.search(r"Đang hưởng</span> → <span class=\"new\">Tạm dừng", changes)
    assert "Chờ xác minh" in changes
    assert "Đồng ý mở tài khoản" in changes
    assert "Tại nhà" in changes
    for internal in ("account_tail", "holder_name", "valid_from", "client_ref", "outcome",
                     "agreed", "payment_account.change", "bank_account", "suspended"):
        assert internal not in changes, internal
    assert changes.index("Ghi nhận lần gặp") < changes.index("Đổi tài khoản nhận tiền")


def test_change_history_shows_an_imports_field_changes(login):
    b = f.beneficiary("Lò Văn Pọm")
    importer = f.user(Role.BHXH_OFFICER, username="nhap.lieu")
    importer.first_name, importer.last_name = "Trần", "Hoa"
    importer.save()
    entry = audit.record(importer.username, "beneficiary.import", "import_job", 7,
                         after={"file": "x.csv"})
    for field, old, new in (("phone", "0912345678", "0987654321"),
                            ("benefit_amount", "5250000", "5400000"),
                            ("date_of_birth", "1958-03-14", "1958-04-14")):
        ImportFieldChange.objects.create(audit_entry=entry, beneficiary=b, field=field,
                                         old_value=old, new_value=new)
    changes = _section(login(_ward_user()).get(_detail(b)).text, "changes")
    assert "Cập nhật từ tệp nhập" in changes
    assert "Trần Hoa" in changes
    assert "0912345678</span> → <span class=\"new\">0987654321" in changes
    assert "5.250.000 ₫</span> → <span class=\"new\">5.400.000 ₫" in changes
    assert "14/03/1958</span> → <span class=\"new\">14/04/1958" in changes
    assert "benefit_amount" not in changes


def test_change_history_is_bounded_and_the_page_makes_a_fixed_number_of_queries(
        login, django_assert_max_num_queries):
    b = f.beneficiary(channel=Channel.BANK_ACCOUNT)
    client = login(_ward_user())
    audit.record("a", "beneficiary.stop_payment", "beneficiary", b.pk,
                 before={"status": "active"}, after={"status": "suspended"})
    with django_assert_max_num_queries(40) as few:
        client.get(_detail(b))
    for i in range(HISTORY_LIMIT + 10):
        u = f.user(Role.BHXH_OFFICER)
        audit.record(u.username, "payment_account.change", "beneficiary", b.pk,
                     before={"channel": "cash", "provider": None},
                     after={"channel": "bank_account", "provider": f.provider().pk,
                            "account_tail": f"{i:04d}"})
    computed_cycle(NOV)
    computed_cycle(DEC)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = client.get(_detail(b))
    assert len(response.context["history"]) == HISTORY_LIMIT
    assert 'id="changes-note"' in response.text


# --- proxy letters ----------------------------------------------------------------------------

def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def with_letter(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    b = f.beneficiary("Lò Thị Mai")
    path = letters.store_letter(letters.clean_letter(_png()))
    auth = Authorization.objects.create(
        beneficiary=b, proxy_name="Lò Văn Hùng", proxy_citizen_id="012190000123",
        valid_from=date(2026, 1, 15), valid_to=date(2026, 12, 31), letter_path=path,
        created_by="x")
    return b, auth


def _letter_url(b, auth) -> str:  # type: ignore[no-untyped-def]
    return reverse("beneficiary_letter", args=[b.pk, auth.pk])


@pytest.mark.parametrize("role", [Role.WARD_TEAM, Role.BHXH_OFFICER, Role.BHXH_APPROVER])
def test_the_ward_team_and_bhxh_open_the_letter_and_it_is_recorded(login, with_letter, role):
    b, auth = with_letter
    user = _ward_user() if role == Role.WARD_TEAM else f.user(role)
    client = login(user)
    html = _section(client.get(_detail(b)).text, "authorizations")
    assert "Lò Văn Hùng" in html
    assert "15/01/2026 – 31/12/2026" in html
    assert f'href="{_letter_url(b, auth)}"' in html
    response = client.get(_letter_url(b, auth))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"\x89PNG")
    assert AuditEntry.objects.filter(actor=user.username, action="download",
                                     object_type="authorization_letter",
                                     object_id=str(auth.pk)).exists()


def test_others_get_no_letter(login, with_letter):
    b, auth = with_letter
    police = f.user(Role.POLICE_VERIFIER)
    client = login(police)
    html = client.get(_detail(b)).text  # the police see the person, not the letter
    assert "Lò Văn Hùng" in html
    assert _letter_url(b, auth) not in html
    assert client.get(_letter_url(b, auth)).status_code == 404
    for user in (_ward_user(f.TAN_PHONG), f.user(Role.BHXH_OFFICER,
                                                 f.organization(province_code=f.DIEN_BIEN)),
                 f.user(Role.BANK_OPERATOR), f.user(Role.VIEWER)):
        assert login(user).get(_letter_url(b, auth)).status_code == 404
    # Another person's page does not open this person's letter.
    other = f.beneficiary("Lò Văn Khoan")
    url = reverse("beneficiary_letter", args=[other.pk, auth.pk])
    assert login(_ward_user()).get(url).status_code == 404
    assert login(_ward_user()).post(_letter_url(b, auth)).status_code == 405


def test_an_authorization_without_a_stored_letter_has_no_link(login):
    b = f.beneficiary()
    auth = Authorization.objects.create(
        beneficiary=b, proxy_name="Lò Văn Hùng", proxy_citizen_id="012190000123",
        valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), created_by="x")
    client = login(_ward_user())
    assert _letter_url(b, auth) not in client.get(_detail(b)).text
    assert client.get(_letter_url(b, auth)).status_code == 404


# --- what the pages do not show ---------------------------------------------------------------

def test_no_internal_names_on_the_detail_page(login, paid_person):
    audit.record("system:seed_demo", "payment_account.change", "beneficiary", paid_person.pk,
                 before=None, after={"channel": "cash"})
    html = login(_ward_user()).get(_detail(paid_person)).text
    visible = re.sub(r"<[^>]+>", " ", html)
    for internal in ("citizen_id", "system:", "end_to_end_id", "bank_account", "rejected",
                     "{", "AC04 "):
        assert internal not in visible, internal


def test_import_problem_columns_are_named_as_the_template_names_them() -> None:
    assert import_column("citizen_id") == "Số định danh cá nhân"
    assert import_column("Cột lạ") == "Cột lạ"


# --- Excel export of the list -----------------------------------------------------------------

def _sheet(response) -> list[list[object]]:  # type: ignore[no-untyped-def]
    data = b"".join(response.streaming_content)
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def test_export_has_the_scope_and_the_kept_search(login):
    duc = f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT,
                        account_number="8800205123456")
    f.beneficiary("Lò Thị Mai")
    f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG)
    f.beneficiary("Quàng Văn Ét", province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    member = _ward_user()
    client = login(member)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="nguoi-huong-')
    rows = _sheet(response)
    assert rows[0][:4] == ["Họ tên", "Số định danh", "Mã số BHXH", "Ngày sinh"]
    assert sorted(r[0] for r in rows[1:]) == ["Lò Thị Mai", "Nguyễn Văn Đức"]
    [row] = [r for r in rows if r[0] == "Nguyễn Văn Đức"]
    assert row[1] == duc.citizen_id  # the ward team needs whole IDs
    assert row[3] == datetime(1958, 3, 14)  # a real date
    assert row[5] == "Phường Đoàn Kết"
    assert row[11] == 5_250_000
    assert row[12:14] == ["Tài khoản ngân hàng", "Agribank"]
    assert row[14] == "*********3456"  # … not whole account numbers
    assert AuditEntry.objects.filter(actor=member.username, action="download",
                                     object_type="beneficiary_list").exists()
    # The list's search, kept in the session behind its token.
    location = client.post(LIST, {"q": "nguyen van duc"})["Location"]
    page = client.get(location).text
    token = location.split("?s=")[1]
    assert re.search(rf'href="{EXPORT}\?s={token}"', page)
    assert [r[0] for r in _sheet(client.get(EXPORT, {"s": token}))[1:]] == ["Nguyễn Văn Đức"]


def test_export_cells_cannot_become_formulas(login):
    b = f.beneficiary("Lò Văn Pọm")
    b.street = '=HYPERLINK("http://x","y")'
    b.save()
    rows = _sheet(login(f.user()).get(EXPORT))
    assert rows[1][6] == "'=HYPERLINK(\"http://x\",\"y\")"


def test_export_of_a_lost_search_or_too_many_people_changes_nothing(login, monkeypatch):
    f.beneficiary()
    f.beneficiary("Lò Thị Mai")
    client = login(f.user())
    lost = client.get(EXPORT, {"s": "0" * 24})
    assert lost.status_code == 302
    assert lost["Location"] == f"{LIST}?s={'0' * 24}"
    monkeypatch.setattr(export, "EXPORT_MAX_ROWS", 1)
    big = client.get(EXPORT, follow=True)
    assert "quá 1 người để xuất một tệp" in big.text
    assert not AuditEntry.objects.filter(object_type="beneficiary_list").exists()


@pytest.mark.parametrize("role", [Role.BANK_OPERATOR, Role.VIEWER, Role.POST_OFFICE_OPERATOR])
def test_roles_without_people_export_nothing(login, role):
    f.beneficiary()
    assert login(f.user(role)).get(EXPORT).status_code == 404


def test_export_is_a_get_download(login):
    assert login(f.user()).post(EXPORT).status_code == 405


def test_list_counts_have_thousand_separators(login, monkeypatch):
    for i in range(3):
        f.beneficiary(f"Người {i}")
    from django.core.paginator import Paginator

    monkeypatch.setattr(Paginator, "count", 12_345)
    html = login(f.user()).get(LIST).text
    assert "12.345 người" in html
