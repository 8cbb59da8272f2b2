"""Issue 14 on the method-change pages and the referral desk: every error at its field with
the entered values kept; a refusal needs its reason; nothing irreversible without a
confirmation; the bank's desk shows what KYC needs; no internal names in the UI."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role
from chitra.core.errors import DomainError
from chitra.core.identifiers import Sex
from chitra.outreach import services
from chitra.outreach.models import ChangeStatus, MethodChange, Referral, ReferralStatus
from chitra.registry.models import Authorization, Channel, PaymentAccount
from tests import factories as f

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000056 00000 n \n"
       b"0000000111 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n180\n%%EOF\n")


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def field_error(page: str, field: str) -> str:
    """The error shown under ``field`` ('' if none)."""
    m = re.search(rf'id="id_{field}_error">(.*?)</p>', page, re.S)
    return m.group(1).strip() if m else ""


def change_form(**kw: object) -> dict[str, object]:
    today = timezone.localdate()
    data: dict[str, object] = {
        "channel": "bank_account", "provider": str(f.provider("Agribank").pk),
        "account_number": "8800205123456", "holder_name": "LO THI IN",
        "proxy_name": "Lò Thị Ín", "proxy_id": f.citizen_id_for(date(1980, 1, 1), Sex.FEMALE),
        "proxy_relation": "con gái", "proxy_from": f"{today:%d/%m/%Y}",
        "proxy_to": f"{today + timedelta(days=300):%d/%m/%Y}",
        "proxy_letter": SimpleUploadedFile("uy-quyen.pdf", PDF, "application/pdf")}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


# --- the form: all errors at their fields, values kept ------------------------------------------

def test_two_errors_are_both_shown_at_their_fields_and_every_value_is_kept(login):
    pom = f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    response = client.post(reverse("outreach_method_change", args=[pom.pk]), change_form(
        account_number="12ab", proxy_from="hôm nay"))
    page = text(response)
    assert response.status_code == 400
    assert "chỉ được gồm chữ số" in field_error(page, "account_number")
    assert "dd/mm/yyyy" in field_error(page, "proxy_from")
    for value in ("12ab", "LO THI IN", "Lò Thị Ín", "con gái", "hôm nay"):
        assert f'value="{value}"' in page, value
    assert re.search(r'<option value="bank_account" selected>', page)
    assert re.search(rf'<option value="{f.provider("Agribank").pk}" selected>', page)
    # the summary on top links to both fields; the letter must be chosen again, and says so
    assert 'href="#id_account_number"' in page
    assert 'href="#id_proxy_from"' in page
    assert 'id="letter-again"' in page
    assert 'aria-invalid="true"' in page
    assert not MethodChange.objects.exists()
    assert not Authorization.objects.exists()


def test_an_empty_account_part_reports_each_missing_field(login):
    pom = f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    page = text(client.post(reverse("outreach_method_change", args=[pom.pk]), {
        "channel": "bank_account", "provider": "", "account_number": "", "holder_name": ""}))
    for field in ("provider", "account_number", "holder_name"):
        assert field_error(page, field), field
    assert 'id="letter-again"' not in page  # no proxy given: nothing to choose again
    assert not MethodChange.objects.exists()


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "'; DROP TABLE x;--",
                                     "9" * 41, "\u202e12345"])
def test_hostile_input_is_refused_escaped_and_changes_nothing(login, hostile):
    pom = f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    response = client.post(reverse("outreach_method_change", args=[pom.pk]), change_form(
        account_number=hostile, provider="abc", channel="wire"))
    page = text(response)
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in page
    assert field_error(page, "channel")
    assert field_error(page, "provider")
    assert not MethodChange.objects.exists()


def test_a_refusal_only_the_service_sees_is_shown_in_the_summary(login):
    pom = f.beneficiary("Lò Văn Pọm")
    ward = f.user(Role.WARD_TEAM)
    services.submit_method_change(ward, pom.pk, channel=Channel.BANK_ACCOUNT,
                                  provider_id=f.provider().pk, account_number="8800205123456",
                                  holder_name="Lò Văn Pọm")
    page = text(login(ward).post(reverse("outreach_method_change", args=[pom.pk]),
                                 change_form(proxy_name="", proxy_id="", proxy_relation="",
                                             proxy_from="", proxy_to="", proxy_letter=None,
                                             holder_name="Lò Văn Pọm")))
    assert "đã có một đề nghị đang chờ duyệt" in page
    assert 'id="error-summary"' in page
    assert MethodChange.objects.count() == 1


def test_a_valid_form_submits_and_the_inputs_are_styled(login):
    pom = f.beneficiary("Lò Văn Pọm")
    client = login(f.user(Role.WARD_TEAM))
    page = text(client.get(reverse("outreach_method_change", args=[pom.pk])))
    assert page.count('class="field-input"') == 10
    assert "outreach/changes.css" in page
    client.post(reverse("outreach_method_change", args=[pom.pk]), change_form())
    change = MethodChange.objects.get()
    assert change.authorization is not None
    assert change.holder_name == "LO THI IN"


# --- the decision: reason to refuse, confirmation first -----------------------------------------

def _change(ward_user, holder: str = "Lò Văn Pọm") -> MethodChange:  # type: ignore[no-untyped-def]
    pom = f.beneficiary("Lò Văn Pọm")
    return services.submit_method_change(
        ward_user, pom.pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number="8800205123456", holder_name=holder)


def test_refusing_without_a_reason_is_refused_and_changes_nothing(login):
    change = _change(f.user(Role.WARD_TEAM))
    approver = f.user(Role.BHXH_APPROVER)
    url = reverse("outreach_method_change_decide", args=[change.pk])
    for data in ({"decision": "reject"}, {"decision": "reject", "note": "   ",
                                          "confirmed": "1"}):
        response = login(approver).post(url, data)
        assert response.status_code == 400
        assert "Cần ghi lý do không duyệt." in field_error(text(response), "note")
    assert MethodChange.objects.get().status == ChangeStatus.SUBMITTED
    with pytest.raises(DomainError) as e:  # the service refuses it too, whoever calls it
        services.decide_method_change(approver, change.pk, approve=False, note=" ")
    assert e.value.code == "rejection_reason"
    assert MethodChange.objects.get().status == ChangeStatus.SUBMITTED


def test_approving_asks_for_confirmation_first(login):
    change = _change(f.user(Role.WARD_TEAM))
    client = login(f.user(Role.BHXH_APPROVER))
    url = reverse("outreach_method_change_decide", args=[change.pk])
    page = text(client.post(url, {"decision": "approve"}))
    assert 'id="confirm-form"' in page
    assert "Xác nhận duyệt" in page
    assert '<input type="hidden" name="confirmed" value="1">' in page
    assert MethodChange.objects.get().status == ChangeStatus.SUBMITTED
    assert PaymentAccount.objects.get(beneficiary=change.beneficiary,
                                      valid_to__isnull=True).channel == Channel.CASH
    response = client.post(url, {"decision": "approve", "confirmed": "1"})
    assert response.status_code == 302
    assert MethodChange.objects.get().status == ChangeStatus.APPROVED


def test_refusing_with_a_reason_is_confirmed_then_recorded(login):
    change = _change(f.user(Role.WARD_TEAM))
    client = login(f.user(Role.BHXH_OFFICER))
    url = reverse("outreach_method_change_decide", args=[change.pk])
    page = text(client.post(url, {"decision": "reject", "note": "Sai số tài khoản"}))
    assert "Xác nhận không duyệt" in page
    assert 'value="Sai số tài khoản"' in page
    assert MethodChange.objects.get().status == ChangeStatus.SUBMITTED
    client.post(url, {"decision": "reject", "note": "Sai số tài khoản", "confirmed": "1"})
    decided = MethodChange.objects.get()
    assert (decided.status, decided.decision_note) == (ChangeStatus.REJECTED, "Sai số tài khoản")


def test_a_bad_decision_value_changes_nothing(login):
    change = _change(f.user(Role.WARD_TEAM))
    client = login(f.user(Role.BHXH_APPROVER))
    url = reverse("outreach_method_change_decide", args=[change.pk])
    assert client.post(url, {"decision": "approve!", "confirmed": "1"}).status_code == 400
    assert client.post(url, {"decision": "approve", "note": "x" * 301,
                             "confirmed": "1"}).status_code == 400
    assert MethodChange.objects.get().status == ChangeStatus.SUBMITTED


def test_the_queue_offers_no_one_tap_refusal(login):
    change = _change(f.user(Role.WARD_TEAM))
    page = text(login(f.user(Role.BHXH_APPROVER)).get(reverse("outreach_method_changes")))
    assert f'data-change="{change.pk}"' in page
    assert 'value="reject"' not in page
    assert 'id="changes-count"' in page


def test_the_approver_opens_the_letter_from_the_decision_page(login, lai_chau, dien_bien):
    pom = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    login(lai_chau.ward_team).post(reverse("outreach_method_change", args=[pom.pk]),
                                   change_form())
    change = MethodChange.objects.get()
    page = text(login(lai_chau.approver).get(
        reverse("outreach_method_change_decide", args=[change.pk])))
    letter_url = reverse("outreach_method_change_letter", args=[change.pk])
    assert f'href="{letter_url}"' in page
    assert 'id="letter-link"' in page
    assert login(lai_chau.approver).get(letter_url).content == PDF
    assert login(dien_bien.approver).get(letter_url).status_code == 404


# --- no internal names --------------------------------------------------------------------------

def test_submitters_are_shown_by_name_never_by_login(login):
    pom = f.beneficiary("Lò Văn Pọm")
    MethodChange.objects.create(beneficiary=pom, ward_code=pom.ward_code,
                                channel=Channel.CASH, submitted_by="system:seed_demo")
    named = f.user(Role.WARD_TEAM, username="to.cong.tac.7")
    named.first_name, named.last_name = "Hoa", "Lò Thị"
    named.save()
    other = _change(named, holder="Lò Văn Pọm")
    client = login(f.user(Role.BHXH_APPROVER))
    page = text(client.get(reverse("outreach_method_changes")))
    assert "Hệ thống (dữ liệu mẫu)" in page
    assert "system:seed_demo" not in page
    assert "Hoa Lò Thị" in page
    assert "to.cong.tac.7" not in page
    detail = text(client.get(reverse("outreach_method_change_decide", args=[other.pk])))
    assert "Hoa Lò Thị" in detail
    assert "to.cong.tac.7" not in detail
    for internal in ("citizen_id", "end_to_end_id", "holder_name_mismatch<"):
        assert internal not in page
        assert internal not in detail


# --- the referral desk ---------------------------------------------------------------------------

@pytest.fixture
def desk(login):  # type: ignore[no-untyped-def]
    person = f.beneficiary("Lò Văn Pọm", dob=date(1950, 2, 3))
    person.phone = "0912345678"
    person.save(update_fields=["phone"])
    late = f.beneficiary("Tao Thị Mai")
    referral = Referral.objects.create(beneficiary=person, provider=f.provider("Agribank"),
                                       ward_code=person.ward_code,
                                       deadline=timezone.localdate() + timedelta(days=5),
                                       requested_by="x")
    Referral.objects.create(beneficiary=late, provider=f.provider("Agribank"),
                            ward_code=late.ward_code, deadline=date(2020, 1, 1),
                            requested_by="x")
    return person, referral, login(f.user(Role.BANK_OPERATOR))


def test_the_desk_shows_what_kyc_needs(desk):
    person, referral, client = desk
    page = text(client.get(reverse("outreach_referrals")))
    row = page[page.index(f'data-referral="{referral.pk}"'):]
    assert person.citizen_id in row  # whole: the bank opens the account with it
    assert "03/02/1950" in row
    assert 'href="tel:0912345678"' in row
    assert re.search(r'id="count-shown">2<', page)
    assert re.search(r'id="count-overdue">1<', page)
    assert re.search(r'id="count-to-open">2<', page)


def test_another_desk_and_other_roles_see_no_ids(desk, login):
    person, _referral, _client = desk
    bidv = login(f.user(Role.BANK_OPERATOR, org=f.organization(
        OrganizationKind.BANK, provider=f.provider("BIDV"))))
    assert person.citizen_id not in text(bidv.get(reverse("outreach_referrals")))
    assert login(f.user(Role.WARD_TEAM)).get(reverse("outreach_referrals")).status_code == 403


def test_a_desk_step_is_confirmed_before_it_is_recorded(desk):
    _person, referral, client = desk
    url = reverse("outreach_referral_step", args=[referral.pk])
    page = text(client.post(url, {"step": "opened", "account_number": "8800 2051 23456",
                                  "waives_card_fee": "1"}))
    assert 'id="confirm-form"' in page
    assert 'id="confirm-account">8800205123456<' in page
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.REQUESTED
    client.post(url, {"step": "opened", "account_number": "8800205123456",
                      "waives_card_fee": "1", "confirmed": "1"})
    opened = Referral.objects.get(pk=referral.pk)
    assert (opened.status, opened.waives_card_fee) == (ReferralStatus.ACCOUNT_OPENED, True)
    assert "Xác nhận đã giao thẻ" in text(client.post(url, {"step": "delivered"}))
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCOUNT_OPENED


@pytest.mark.parametrize("number", ["", "12ab", "1" * 41, "<b>1</b>"])
def test_a_bad_account_number_is_shown_at_the_row_and_changes_nothing(desk, number):
    _person, referral, client = desk
    response = client.post(reverse("outreach_referral_step", args=[referral.pk]),
                           {"step": "opened", "account_number": number, "confirmed": "1",
                            "waives_account_fee": "1"})
    page = text(response)
    assert response.status_code == 400
    assert f'id="acc-{referral.pk}_error"' in page
    assert "<b>1</b>" not in page
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.REQUESTED


# --- English --------------------------------------------------------------------------------------

ENGLISH = {
    "outreach_method_change": ["Payment-method change requests", "Send to BHXH for approval",
                               "Account number", "Account holder"],
    "outreach_method_changes": ["Waiting for approval", "Beneficiaries", "Check",
                                "View details and decide"],
    "outreach_referrals": ["Account-opening referrals", "Personal ID", "Date of birth",
                           "Phone", "Overdue", "Waiting for the account"],
    "outreach_method_change_decide": ["Refuse", "Reason (required when refusing)",
                                      "You will be asked to confirm", "Approve"],
}
VIETNAMESE = ["Hình thức nhận", "Số tài khoản", "Chờ duyệt", "Người hưởng", "Ngày sinh",
              "Điện thoại", "Quá hạn", "Chờ mở tài khoản", "Xem chi tiết và duyệt",
              "Đề nghị đổi hình thức nhận", "đề nghị bởi", "Không duyệt", "Lý do",
              "Bạn sẽ được hỏi", "Duyệt"]


def test_every_label_is_english_in_english_mode(login):
    pom = f.beneficiary("Lò Văn Pọm")
    ward = f.user(Role.WARD_TEAM)
    change = _change(ward)
    approver = f.user(Role.BHXH_APPROVER)
    Referral.objects.create(beneficiary=f.beneficiary("Tao Thị Mai"), provider=f.provider(),
                            ward_code=pom.ward_code, deadline=date(2020, 1, 1),
                            requested_by="x")
    other = f.beneficiary("Lò Văn Khác")
    for user, name, args in ((ward, "outreach_method_change", [other.pk]),
                             (approver, "outreach_method_changes", []),
                             (approver, "outreach_method_change_decide", [change.pk]),
                             (f.user(Role.BANK_OPERATOR), "outreach_referrals", [])):
        client = login(user)
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        page = text(client.get(reverse(name, args=args)))
        for label in ENGLISH[name]:
            assert label in page, (name, label)
        for vi in VIETNAMESE:
            assert vi not in page, (name, vi)
