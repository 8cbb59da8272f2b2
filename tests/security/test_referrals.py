"""Issue 11, hole 2: the referral desk was scoped by provider only, so Agribank of one province
saw and completed another province's referrals. Now a bank's desk is its provider *and* its
province; another desk's referral is not found (404) and nothing of it changes. The other
ids the outreach pages take from a request are checked against the user's scope too."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.outreach import services
from chitra.outreach.models import Contact, MethodChange, Referral, ReferralStatus
from tests import factories as f
from tests.security.conftest import Province


def referral_in(p: Province, name: str, provider: str = "Agribank",
                status: ReferralStatus = ReferralStatus.REQUESTED) -> Referral:
    person = f.beneficiary(name, ward_code=p.ward_code, province_code=p.code)
    return Referral.objects.create(
        beneficiary=person, provider=f.provider(provider), ward_code=p.ward_code,
        deadline=timezone.localdate(), requested_by="x", status=status,
        account_number="8800205000001" if status != ReferralStatus.REQUESTED else "")


@pytest.fixture
def referrals(lai_chau, dien_bien):
    return {p.code: {"requested": referral_in(p, f"Người Chờ Mở {p.code}"),
                     "opened": referral_in(p, f"Người Chờ Thẻ {p.code}",
                                           status=ReferralStatus.ACCOUNT_OPENED)}
            for p in (lai_chau, dien_bien)}


def _state(r: Referral) -> tuple[str, str, str]:
    r.refresh_from_db()
    return r.status, r.account_number, r.opened_by


@pytest.mark.parametrize(("mine", "theirs"), [("lai_chau", "dien_bien"),
                                              ("dien_bien", "lai_chau")])
def test_each_province_agribank_sees_only_its_own_referrals(request, login, referrals,
                                                            mine, theirs):
    me, other = request.getfixturevalue(mine), request.getfixturevalue(theirs)
    page = login(me.bank).get(reverse("outreach_referrals")).content.decode()
    for r in referrals[me.code].values():
        assert f'data-referral="{r.pk}"' in page
        assert r.beneficiary.full_name in page
    for r in referrals[other.code].values():
        assert f'data-referral="{r.pk}"' not in page
        assert r.beneficiary.full_name not in page


@pytest.mark.parametrize(("mine", "theirs"), [("lai_chau", "dien_bien"),
                                              ("dien_bien", "lai_chau")])
def test_agribank_cannot_move_another_province_referral(request, login, referrals,
                                                        mine, theirs):
    me, other = request.getfixturevalue(mine), request.getfixturevalue(theirs)
    client = login(me.bank)
    requested, opened = referrals[other.code]["requested"], referrals[other.code]["opened"]
    before = (_state(requested), _state(opened))
    last_audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for r, step in ((requested, "opened"), (opened, "delivered"), (requested, "delivered"),
                    (opened, "opened")):
        response = client.post(reverse("outreach_referral_step", args=[r.pk]),
                               {"step": step, "account_number": "8800205123456",
                                "waives_card_fee": "1"})
        assert response.status_code == 404, (r.pk, step)
    assert (_state(requested), _state(opened)) == before
    assert not AuditEntry.objects.filter(id__gt=last_audit, object_type="referral").exists()
    # and the services refuse it too, whoever calls them
    for call in (lambda: services.mark_account_opened(me.bank, requested.pk, "8800205123456"),
                 lambda: services.mark_card_delivered(me.bank, opened.pk)):
        with pytest.raises(DomainError) as e:
            call()
        assert e.value.http_status == 404
    assert (_state(requested), _state(opened)) == before


@pytest.mark.parametrize("province", ["lai_chau", "dien_bien"])
def test_agribank_moves_its_own_province_referrals(request, login, referrals, province):
    me = request.getfixturevalue(province)
    client = login(me.bank)
    requested, opened = referrals[me.code]["requested"], referrals[me.code]["opened"]
    client.post(reverse("outreach_referral_step", args=[requested.pk]),
                {"step": "opened", "account_number": "8800205123456", "confirmed": "1"})
    client.post(reverse("outreach_referral_step", args=[opened.pk]),
                {"step": "delivered", "confirmed": "1"})
    assert _state(requested) == (ReferralStatus.ACCOUNT_OPENED, "8800205123456",
                                 me.bank.username)
    assert _state(opened)[0] == ReferralStatus.CARD_DELIVERED


def test_another_bank_of_the_same_province_sees_none_of_them(login, lai_chau, referrals):
    client = login(lai_chau.other_bank)  # BIDV Lai Châu
    page = client.get(reverse("outreach_referrals")).content.decode()
    assert "data-referral=" not in page
    r = referrals[lai_chau.code]["requested"]
    assert client.post(reverse("outreach_referral_step", args=[r.pk]),
                       {"step": "opened", "account_number": "8800205123456"}).status_code == 404
    assert _state(r)[0] == ReferralStatus.REQUESTED


@pytest.mark.parametrize("role", ["officer", "approver", "ward_team", "post_office", "police",
                                  "viewer"])
def test_no_other_role_has_a_referral_desk(login, lai_chau, referrals, role):
    client = login(getattr(lai_chau, role))
    assert client.get(reverse("outreach_referrals")).status_code == 403
    r = referrals[lai_chau.code]["requested"]
    assert client.post(reverse("outreach_referral_step", args=[r.pk]),
                       {"step": "opened", "account_number": "8800205123456"}).status_code == 403


# --- the other ids taken from a request --------------------------------------------------------

def test_a_change_cannot_carry_another_person_referral(lai_chau, dien_bien, referrals):
    """``referral_id`` was stored as given: a ward could tie a change to another province's
    referral (and its opened account)."""
    person = f.beneficiary("Lò Văn Pọm", ward_code=lai_chau.ward_code)
    theirs = referrals[dien_bien.code]["opened"]
    with pytest.raises(DomainError) as e:
        services.submit_method_change(
            lai_chau.ward_team, person.pk, channel="bank_account", provider_id=f.provider().pk,
            account_number="8800205123456", holder_name="Lò Văn Pọm", referral_id=theirs.pk)
    assert e.value.code == "invalid_referral"
    assert not MethodChange.objects.exists()


def test_the_phone_endpoint_refuses_another_province_person(login, lai_chau, dien_bien):
    theirs = f.beneficiary("Người Điện Biên", ward_code=dien_bien.ward_code,
                           province_code=dien_bien.code)
    response = login(lai_chau.ward_team).post(
        reverse("outreach_contact_api"), content_type="application/json",
        data={"client_ref": str(uuid.uuid4()), "beneficiary_id": str(theirs.pk),
              "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
              "place": "home", "outcome": "agreed", "provider": str(f.provider().pk)})
    assert response.status_code == 403
    assert not Contact.objects.exists()
    assert not Referral.objects.exists()


def test_forms_of_another_province_person_are_not_found(login, lai_chau, dien_bien):
    theirs = f.beneficiary("Người Điện Biên", ward_code=dien_bien.ward_code,
                           province_code=dien_bien.code)
    client = login(lai_chau.ward_team)
    for name in ("outreach_contact", "outreach_method_change"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.post(reverse(name, args=[theirs.pk]), {
            "channel": "cash", "client_ref": str(uuid.uuid4()), "place": "home",
            "outcome": "not_present",
            "contacted_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}).status_code == 404
    assert not Contact.objects.exists()
    assert not MethodChange.objects.exists()
