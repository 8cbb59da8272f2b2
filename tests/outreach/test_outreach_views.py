"""Outreach pages and the phone's JSON endpoint: a ward sees only its worklist, a bank only
its referrals; a resent entry is stored once; bad input is refused and changes nothing."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role
from chitra.outreach.models import (
    ChangeStatus,
    Contact,
    ContactOutcome,
    MethodChange,
    Referral,
    ReferralStatus,
)
from chitra.registry.models import Channel, PaymentAccount
from tests import factories as f


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def people():
    return {"pom": f.beneficiary("Lò Văn Pọm"),
            "bank": f.beneficiary("Có Tài Khoản", channel=Channel.BANK_ACCOUNT),
            "other": f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)}


def entry(person, **kw) -> dict[str, str]:
    data = {"client_ref": str(uuid.uuid4()), "beneficiary_id": str(person.pk),
            "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place": "home", "outcome": "not_present"}
    data.update(kw)
    return data


def post_json(client, data, **extra):
    return client.post(reverse("outreach_contact_api"), data=json.dumps(data),
                       content_type="application/json", **extra)


def test_a_ward_sees_only_its_cash_recipients(login, people):
    client = login(f.user(Role.WARD_TEAM))
    page = text(client.get(reverse("outreach_worklist")))
    assert f'data-beneficiary="{people["pom"].pk}"' in page
    assert f'data-beneficiary="{people["bank"].pk}"' not in page  # not on cash
    assert f'data-beneficiary="{people["other"].pk}"' not in page  # another ward
    assert 'id="nav-outreach"' in page
    assert client.get(reverse("outreach_contact", args=[people["other"].pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.BHXH_OFFICER, Role.BANK_OPERATOR, Role.VIEWER,
                                  Role.POLICE_VERIFIER])
def test_other_roles_have_no_worklist(login, role, people):
    client = login(f.user(role))
    assert client.get(reverse("outreach_worklist")).status_code == 403
    assert post_json(client, entry(people["pom"])).status_code == 403
    assert not Contact.objects.exists()


def test_the_form_records_a_contact_once_even_if_sent_twice(login, people):
    client = login(f.user(Role.WARD_TEAM))
    form = entry(people["pom"], outcome="agreed", provider=str(f.provider("BIDV").pk))
    url = reverse("outreach_contact", args=[people["pom"].pk])
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Contact.objects.count() == 1
    assert Referral.objects.get().provider.short_name == "BIDV"


def test_the_phone_queue_endpoint_is_idempotent_and_validates(login, people):
    client = login(f.user(Role.WARD_TEAM))
    data = entry(people["pom"])
    first = post_json(client, data)
    assert (first.status_code, first.json()["created"]) == (201, True)
    again = post_json(client, data)
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert Contact.objects.count() == 1
    for bad, code in [({"outcome": "refuses"}, "invalid_reason"),
                      ({"contacted_at": "yesterday"}, "invalid_contacted_at"),
                      ({"beneficiary_id": str(people["other"].pk)}, "outreach_forbidden"),
                      ({"beneficiary_id": "1; DROP TABLE x"}, "invalid_id")]:
        response = post_json(client, entry(people["pom"], **bad))
        assert response.status_code in (400, 403), bad
        assert response.json()["error"] == code
    assert post_json(client, ["not", "an", "object"]).status_code == 400
    huge = client.post(reverse("outreach_contact_api"), data="{" + " " * 20_000 + "}",
                       content_type="application/json")
    assert huge.status_code == 413
    assert Contact.objects.count() == 1


def test_the_endpoint_needs_the_csrf_token(client, people):
    from django.test import Client

    user = f.user(Role.WARD_TEAM)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert post_json(strict, entry(people["pom"])).status_code == 403
    assert not Contact.objects.exists()


def test_a_bank_sees_and_moves_only_its_referrals(login, people):
    ward_user = f.user(Role.WARD_TEAM)
    ward = login(ward_user)
    ward.post(reverse("outreach_contact", args=[people["pom"].pk]),
              entry(people["pom"], outcome="agreed", provider=str(f.provider("Agribank").pk)))
    referral = Referral.objects.get()
    bidv = login(f.user(Role.BANK_OPERATOR, org=f.organization(
        OrganizationKind.BANK, provider=f.provider("BIDV"))))
    assert f'data-referral="{referral.pk}"' not in text(bidv.get(reverse("outreach_referrals")))
    assert bidv.post(reverse("outreach_referral_step", args=[referral.pk]),
                     {"step": "opened", "account_number": "8800205123456"}).status_code == 404
    agribank = login(f.user(Role.BANK_OPERATOR))
    page = text(agribank.get(reverse("outreach_referrals")))
    assert f'data-referral="{referral.pk}"' in page
    assert 'id="nav-referrals"' in page
    agribank.post(reverse("outreach_referral_step", args=[referral.pk]),
                  {"step": "opened", "account_number": "8800205123456", "waives_card_fee": "1",
                   "confirmed": "1"})
    referral.refresh_from_db()
    assert (referral.status, referral.waives_card_fee) == (ReferralStatus.ACCOUNT_OPENED, True)
    assert login(ward_user).get(reverse("outreach_referrals")).status_code == 403


def test_an_overdue_referral_is_highlighted(login, people):
    referral = Referral.objects.create(
        beneficiary=people["pom"], provider=f.provider("Agribank"), ward_code=f.DOAN_KET,
        deadline=timezone.localdate().replace(year=2020), requested_by="x")
    page = text(login(f.user(Role.BANK_OPERATOR)).get(reverse("outreach_referrals")))
    assert f'data-referral="{referral.pk}" class="overdue"' in page


def test_outcome_labels_are_vietnamese_first(login, people):
    client = login(f.user(Role.WARD_TEAM))
    post_json(client, entry(people["pom"], outcome=ContactOutcome.NEEDS_PROXY.value))
    assert "Cần người được ủy quyền" in text(client.get(reverse("outreach_worklist")))


def test_the_worklist_in_english(login, people):
    client = login(f.user(Role.WARD_TEAM))
    post_json(client, entry(people["pom"], outcome=ContactOutcome.NEEDS_PROXY.value))
    client.post("/i18n/setlang/", {"language": "en", "next": "/outreach/"})
    page = text(client.get(reverse("outreach_worklist")))
    assert "Outreach worklist" in page
    assert "Needs a proxy" in page


# --- method changes on screen -------------------------------------------------------------------

def test_ward_submits_and_bhxh_approves_a_method_change(login, people):
    ward_user = f.user(Role.WARD_TEAM)
    ward = login(ward_user)
    agribank = f.provider("Agribank")
    url = reverse("outreach_method_change", args=[people["pom"].pk])
    assert ward.get(url).status_code == 200
    assert ward.get(reverse("outreach_method_change",
                            args=[people["other"].pk])).status_code == 404
    assert ward.get(reverse("outreach_method_changes")).status_code == 403
    ward.post(url, {"channel": "bank_account", "provider": str(agribank.pk),
                    "account_number": "8800205123456", "holder_name": "LO VAN POM"})
    change = MethodChange.objects.get()
    assert change.submitted_by == ward_user.username

    other_province = login(f.user(Role.BHXH_APPROVER, org=f.organization(province_code="01")))
    assert f'data-change="{change.pk}"' not in text(
        other_province.get(reverse("outreach_method_changes")))
    assert other_province.post(reverse("outreach_method_change_decide", args=[change.pk]),
                               {"decision": "approve"}).status_code == 404

    bhxh = login(f.user(Role.BHXH_APPROVER))
    page = text(bhxh.get(reverse("outreach_method_changes")))
    assert f'data-change="{change.pk}"' in page
    assert "data-problem" not in page
    bhxh.post(reverse("outreach_method_change_decide", args=[change.pk]),
              {"decision": "approve", "confirmed": "1"})
    assert MethodChange.objects.get().status == ChangeStatus.APPROVED
    current = PaymentAccount.objects.get(beneficiary=people["pom"], valid_to__isnull=True)
    assert (current.account_number, current.approved_by) == ("8800205123456",
                                                             MethodChange.objects.get().decided_by)


def test_the_queue_shows_what_the_check_found(login, people):
    ward = login(f.user(Role.WARD_TEAM))
    ward.post(reverse("outreach_method_change", args=[people["pom"].pk]),
              {"channel": "bank_account", "provider": str(f.provider("Agribank").pk),
               "account_number": "8800205123456", "holder_name": "TRAN VAN KHAC"})
    page = text(login(f.user(Role.BHXH_OFFICER)).get(reverse("outreach_method_changes")))
    assert 'data-problem="holder_name_mismatch"' in page
    assert 'value="approve"' not in page


def test_bhxh_confirms_a_report_on_screen(login, people):
    ward = login(f.user(Role.WARD_TEAM))
    post_json(ward, entry(people["pom"], outcome="not_found"))
    report = Contact.objects.get()
    other = login(f.user(Role.BHXH_OFFICER, org=f.organization(province_code="01")))
    assert f'data-report="{report.pk}"' not in text(other.get(reverse("outreach_reports")))
    assert other.post(reverse("outreach_report_review", args=[report.pk]),
                      {"decision": "confirm"}).status_code == 404
    bhxh = login(f.user(Role.BHXH_OFFICER))
    assert f'data-report="{report.pk}"' in text(bhxh.get(reverse("outreach_reports")))
    bhxh.post(reverse("outreach_report_review", args=[report.pk]),
              {"decision": "confirm", "confirmed": "1"})
    people["pom"].refresh_from_db()
    assert people["pom"].status == "suspended"
    assert 'id="reports-empty"' in text(bhxh.get(reverse("outreach_reports")))
