"""Review fixes of issue 14 in outreach: a report that stops payment is confirmed on a second
page first; people shown by name, never a username or ``system:…``; the campaign report's
xlsx titled in the reader's language; an import's unknown field does not break the history."""

from __future__ import annotations

import io
import uuid
from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from chitra.access.models import OrganizationKind, Role
from chitra.core import audit
from chitra.core.models import AuditEntry
from chitra.outreach import services
from chitra.outreach.models import Contact, ContactOutcome, ContactPlace, ReviewState
from chitra.registry.history import change_history
from chitra.registry.models import BeneficiaryStatus, ImportFieldChange
from tests import factories as f


def named(role: Role, first: str, last: str, **kw):  # type: ignore[no-untyped-def]
    user = f.user(role, **kw)
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.fixture
def ward_user():  # type: ignore[no-untyped-def]
    return named(Role.WARD_TEAM, "Lò Thị", "Hoa")


def report(user, outcome: ContactOutcome = ContactOutcome.DECEASED,  # type: ignore[no-untyped-def]
           name: str = "Lò Văn Mất") -> Contact:
    contact, _new = services.record_contact(user, services.ContactInput(
        client_ref=str(uuid.uuid4()), beneficiary_id=f.beneficiary(name).pk,
        contacted_at=timezone.now(), place=ContactPlace.HOME, outcome=outcome,
        notes="Gia đình báo"))
    return contact


def review(client, contact: Contact, **data: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("outreach_report_review", args=[contact.pk]), data)


def unchanged(contact: Contact) -> bool:
    contact.refresh_from_db()
    contact.beneficiary.refresh_from_db()
    return (contact.review == ReviewState.WAITING
            and contact.beneficiary.status == BeneficiaryStatus.ACTIVE
            and not AuditEntry.objects.filter(action="outreach.report_reviewed").exists())


# --- 1. confirm before a report stops payment ---------------------------------------------------

@pytest.mark.parametrize(("decision", "button"), [("confirm", "Xác nhận, dừng chi"),
                                                   ("dismiss", "Không xác nhận")])
def test_a_decision_without_confirmation_shows_the_confirm_page_and_changes_nothing(
        login, ward_user, decision, button):
    contact = report(ward_user)
    response = review(login(f.user(Role.BHXH_OFFICER)), contact, decision=decision)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="confirm-form"' in page
    assert f'name="decision" value="{decision}"' in page
    assert 'name="confirmed" value="1"' in page
    assert button in page
    for shown in ("Lò Văn Mất", "Báo đã mất", "Lò Thị Hoa"):
        assert shown in page, shown
    assert "Không hoàn tác được" in page
    assert unchanged(contact)


@pytest.mark.parametrize("confirmed", ["", "0", "yes", "true", "1 ", "<script>"])
def test_only_confirmed_1_applies_the_decision(login, ward_user, confirmed):
    contact = report(ward_user)
    response = review(login(f.user(Role.BHXH_OFFICER)), contact, decision="confirm",
                      confirmed=confirmed)
    assert 'id="confirm-form"' in response.content.decode()
    assert unchanged(contact)


def test_a_confirmed_death_report_stops_payment(login, ward_user):
    contact = report(ward_user)
    response = review(login(f.user(Role.BHXH_OFFICER)), contact, decision="confirm",
                      confirmed="1")
    assert response.status_code == 302
    contact.refresh_from_db()
    contact.beneficiary.refresh_from_db()
    assert contact.review == ReviewState.CONFIRMED
    assert contact.beneficiary.status == BeneficiaryStatus.DECEASED
    assert AuditEntry.objects.get(action="outreach.report_reviewed").after["confirmed"] is True


def test_a_confirmed_dismissal_keeps_payment(login, ward_user):
    contact = report(ward_user, ContactOutcome.MOVED)
    review(login(f.user(Role.BHXH_OFFICER)), contact, decision="dismiss", confirmed="1")
    contact.refresh_from_db()
    contact.beneficiary.refresh_from_db()
    assert contact.review == ReviewState.DISMISSED
    assert contact.beneficiary.status == BeneficiaryStatus.ACTIVE


@pytest.mark.parametrize("decision", ["", "approve", "CONFIRM", "confirm'; drop table x",
                                      "x" * 5000])
def test_a_bad_decision_is_refused_and_changes_nothing(login, ward_user, decision):
    contact = report(ward_user)
    response = review(login(f.user(Role.BHXH_OFFICER)), contact, decision=decision,
                      confirmed="1")
    assert response.status_code == 400
    assert "Quyết định không hợp lệ." in response.content.decode()
    assert unchanged(contact)


def test_a_report_already_reviewed_is_not_offered_again(login, ward_user):
    contact = report(ward_user)
    client = login(f.user(Role.BHXH_OFFICER))
    review(client, contact, decision="dismiss", confirmed="1")
    for data in ({"decision": "confirm"}, {"decision": "confirm", "confirmed": "1"}):
        response = client.post(reverse("outreach_report_review", args=[contact.pk]), data,
                               follow=True)
        assert "Báo cáo này đã được xử lý." in response.content.decode()
        assert 'id="confirm-form"' not in response.content.decode()
    contact.refresh_from_db()
    contact.beneficiary.refresh_from_db()
    assert contact.review == ReviewState.DISMISSED
    assert contact.beneficiary.status == BeneficiaryStatus.ACTIVE


def test_another_provinces_report_is_not_found(login, ward_user):
    contact = report(ward_user)
    other = login(f.user(Role.BHXH_OFFICER, org=f.organization(province_code=f.DIEN_BIEN)))
    for data in ({"decision": "confirm"}, {"decision": "confirm", "confirmed": "1"}):
        assert review(other, contact, **data).status_code == 404
    assert unchanged(contact)


# --- 2. people by name ------------------------------------------------------------------------

def test_the_report_queue_names_who_reported_in_one_query(login, ward_user):
    first = report(ward_user, name="Người Một")
    client = login(f.user(Role.BHXH_OFFICER))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("outreach_reports"))
    seeded = report(ward_user, ContactOutcome.NOT_FOUND, name="Người Hai")
    Contact.objects.filter(pk=seeded.pk).update(recorded_by="system:seed_demo")
    another = named(Role.WARD_TEAM, "Quàng Văn", "Inh", username="to.cong.tac.2")
    report(another, ContactOutcome.MOVED, name="Người Ba")
    with CaptureQueriesContext(connection) as three:
        page = client.get(reverse("outreach_reports")).content.decode()
    assert len(three) == len(one)  # the names in one query, whatever the number of reports
    assert f'data-report="{first.pk}"' in page
    for shown in ("Lò Thị Hoa", "Quàng Văn Inh", "Hệ thống"):
        assert shown in page, shown
    for raw in (ward_user.username, "to.cong.tac.2", "system:"):
        assert raw not in page, raw


def test_ward_target_history_names_who_set_it(login):
    officer = named(Role.BHXH_OFFICER, "Nguyễn Thị", "Lan", username="canbo.lan")
    campaign = services.create_campaign(officer, name="Chiến dịch 2026",
                                        starts_on=date(2026, 6, 1), ends_on=date(2026, 10, 31))
    services.set_ward_target(officer, campaign, ward_code=f.DOAN_KET, monthly_pct=95,
                             one_time_pct=100)
    audit.record("system:seed_demo", "outreach.ward_target", "campaign", campaign.pk,
                 after={"ward": f.TAN_PHONG, "monthly": 91, "one_time": 100})
    page = login(officer).get(reverse("outreach_setup_targets", args=[campaign.pk])
                              ).content.decode()
    history = page.split('id="target-history"')[1]
    assert "Nguyễn Thị Lan" in history
    assert "Hệ thống" in history
    assert "canbo.lan" not in history
    assert "system:" not in history


# --- 3. the campaign report's titles in the reader's language -----------------------------------

def _report_rows(client, campaign) -> tuple[list[str], list[tuple]]:  # type: ignore[no-untyped-def]
    response = client.get(reverse("outreach_campaign_report", args=[campaign.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return wb.sheetnames, list(wb.active.iter_rows(values_only=True))


@pytest.fixture
def campaign():  # type: ignore[no-untyped-def]
    f.beneficiary("Lò Văn Pọm")
    return services.create_campaign(f.user(Role.BHXH_OFFICER), name="Chiến dịch 2026",
                                    starts_on=date(2020, 1, 1), ends_on=date(2030, 12, 31))


def test_the_campaign_report_is_titled_in_vietnamese(login, campaign):
    sheets, rows = _report_rows(login(f.user(Role.WARD_TEAM)), campaign)
    assert sheets == ["Báo cáo"]
    titles = rows[1]
    assert titles[:4] == ("Mã phường/xã", "Phường/xã", "Nhận tiền mặt khi vào chiến dịch",
                          "Đã gặp / liên hệ")
    assert titles[9:] == ("Hàng tháng không tiền mặt", "Người hưởng hàng tháng",
                          "Một lần không tiền mặt", "Người hưởng một lần")
    assert not any("Ward" in t or "Paid" in t for t in titles)
    assert rows[2][:3] == (f.DOAN_KET, "Phường Đoàn Kết", 1)


def test_the_campaign_report_is_titled_in_english(login, campaign):
    client = login(f.user(Role.WARD_TEAM))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    sheets, rows = _report_rows(client, campaign)
    assert sheets == ["Report"]
    titles = rows[1]
    assert titles[:4] == ("Ward code", "Ward/commune", "Paid in cash when the campaign began",
                          "Contacted")
    assert (titles[9], titles[11]) == ("Monthly cashless", "One-time cashless")
    assert not any(" / Ward" in t or "Mã phường" in t for t in titles)
    assert len(rows[2]) == len(titles)


# --- 4. an import's field the history does not know ---------------------------------------------

def test_an_unknown_imported_field_does_not_break_the_history(login):
    b = f.beneficiary("Lò Văn Pọm")
    entry = audit.record("system:import", "beneficiary.import", "import_job", 7,
                         after={"file": "x.csv"})
    for field, old, new in (("phone", "0912345678", "0987654321"),
                            ("internal_flag_x", "a", "b")):
        ImportFieldChange.objects.create(audit_entry=entry, beneficiary=b, field=field,
                                         old_value=old, new_value=new)
    with translation.override("vi"):
        history = change_history(b.pk)
    assert [(c.label, c.old, c.new) for c in history[0].changes] == [
        ("Điện thoại", "0912345678", "0987654321")]
    ward = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET))
    response = login(ward).get(reverse("beneficiary_detail", args=[b.pk]))
    assert response.status_code == 200
    assert "internal_flag_x" not in response.content.decode()
