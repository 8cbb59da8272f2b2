"""Outreach use cases on both databases: worklist order, contacts (idempotent, validated,
scoped), referrals (provider-only), method changes (maker–checker, BHXH checks) and the
funnel, which counts only what the data shows."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from chitra.access.models import OrganizationKind, Role
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.funnel import funnel
from chitra.outreach.models import (
    Campaign,
    ChangeStatus,
    Contact,
    ContactOutcome,
    ContactPlace,
    MethodChange,
    Referral,
    ReferralStatus,
)
from chitra.outreach.services import ContactInput, record_contact
from chitra.outreach.worklist import worklist
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import BenefitType, Channel, PaymentAccount
from tests import factories as f

TODAY = date(2026, 11, 20)
NOW = timezone.make_aware(datetime(2026, 11, 20, 9, 30))


@pytest.fixture
def ward_user():
    return f.user(Role.WARD_TEAM)  # Đoàn Kết


@pytest.fixture
def other_ward_user():
    org = f.organization(OrganizationKind.WARD, ward_code=f.TAN_PHONG)
    return f.user(Role.WARD_TEAM, org=org)


def contact(user, person, outcome=ContactOutcome.NOT_PRESENT, **kw) -> tuple[Contact, bool]:
    kw.setdefault("place", ContactPlace.HOME)
    data = ContactInput(client_ref=kw.pop("client_ref", str(uuid.uuid4())),
                        beneficiary_id=person.pk, contacted_at=kw.pop("at", NOW),
                        outcome=outcome, **kw)
    return record_contact(user, data, now=NOW)


# --- worklist -----------------------------------------------------------------------------------

def test_worklist_lists_cash_recipients_most_urgent_first(ward_user):
    old = f.beneficiary("Lò Văn Già", dob=date(1940, 1, 1))
    young = f.beneficiary("Lò Văn Trẻ", dob=date(1965, 1, 1))
    one_time = f.beneficiary("Tẩn Thị Mẩy", dob=date(1940, 1, 1),
                             benefit_type=BenefitType.UNEMPLOYMENT)
    f.beneficiary("Có Tài Khoản", channel=Channel.BANK_ACCOUNT)
    f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    rows = list(worklist(f.DOAN_KET, TODAY))
    assert [b.pk for b in rows] == [one_time.pk, young.pk, old.pk]
    assert [(b.one_time, b.young, b.priority) for b in rows] == [
        (True, False, 2), (False, True, 1), (False, False, 0)]
    contact(ward_user, young)
    rows = list(worklist(f.DOAN_KET, TODAY))
    assert rows[1].last_outcome == ContactOutcome.NOT_PRESENT
    assert rows[1].last_contact_at == NOW


def test_a_recent_failed_bank_payment_comes_first(ward_user):
    from tests.payments.factories import computed_cycle

    person = f.beneficiary("Lò Văn Hỏng", channel=Channel.BANK_ACCOUNT, dob=date(1940, 1, 1))
    f.beneficiary("Tẩn Thị Mẩy", benefit_type=BenefitType.UNEMPLOYMENT)
    cycle = computed_cycle()
    PaymentItem.objects.filter(cycle=cycle, beneficiary=person).update(status=ItemStatus.REJECTED)
    services_record_cash(person)
    first = worklist(f.DOAN_KET, TODAY).first()
    assert first is not None
    assert (first.pk, first.failed_recently, first.priority) == (person.pk, True, 4)


@pytest.mark.parametrize(("status", "reason", "failed"), [
    (ItemStatus.RETURNED, "AC04", True),
    (ItemStatus.REJECTED, "AM04", True),
    # The bank refused it as a duplicate of a payment it made: the person was paid.
    (ItemStatus.REJECTED, "DUPL", False),
    (ItemStatus.PAID, "", False),
])
def test_only_a_closed_attempt_is_a_recent_failed_payment(ward_user, status, reason, failed):
    from tests.payments.factories import computed_cycle

    person = f.beneficiary("Lò Văn Hỏng", channel=Channel.BANK_ACCOUNT, dob=date(1940, 1, 1))
    cycle = computed_cycle()
    PaymentItem.objects.filter(cycle=cycle, beneficiary=person).update(
        status=status, reason_code=reason)
    services_record_cash(person)
    first = worklist(f.DOAN_KET, TODAY).get(pk=person.pk)
    assert (first.failed_recently, first.priority) == (failed, 4 if failed else 0)


def test_a_failed_payment_older_than_three_cycles_is_not_recent(ward_user):
    from tests.payments.factories import computed_cycle

    person = f.beneficiary("Lò Văn Hỏng", channel=Channel.BANK_ACCOUNT, dob=date(1940, 1, 1))
    cycle = computed_cycle()
    PaymentItem.objects.filter(cycle=cycle, beneficiary=person).update(status=ItemStatus.REJECTED)
    services_record_cash(person)
    later = date(cycle.period.year + 1, cycle.period.month, 1)
    assert worklist(f.DOAN_KET, later).get(pk=person.pk).failed_recently is False
    assert worklist(f.DOAN_KET, TODAY).get(pk=person.pk).failed_recently is True


def services_record_cash(person) -> None:
    """After a bad-account rejection the person is back on cash (the reissue rule)."""
    PaymentAccount.objects.filter(beneficiary=person).update(valid_to=TODAY - timedelta(days=1))
    PaymentAccount.objects.create(beneficiary=person, channel=Channel.CASH, valid_from=TODAY,
                                  created_by="test")


# --- contacts -----------------------------------------------------------------------------------

def test_the_same_entry_sent_twice_is_stored_once(ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    ref = str(uuid.uuid4())
    first, created = contact(ward_user, person, client_ref=ref)
    again, created_again = contact(ward_user, person, client_ref=ref)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Contact.objects.count() == 1


def test_another_wards_person_is_refused(other_ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    with pytest.raises(DomainError) as e:
        contact(other_ward_user, person)
    assert e.value.code == "outreach_forbidden"
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("kw", "code"), [
    ({"outcome": "lost"}, "invalid_outcome"),
    ({"place": "moon"}, "invalid_place"),
    ({"outcome": ContactOutcome.REFUSES}, "invalid_reason"),
    ({"at": NOW + timedelta(days=1)}, "invalid_contacted_at"),
    ({"at": NOW - timedelta(days=61)}, "invalid_contacted_at"),
    ({"follow_up_on": date(2026, 11, 1)}, "invalid_follow_up_on"),
    ({"place": ContactPlace.PAYMENT_POINT}, "invalid_payment_point"),
    ({"client_ref": "not-a-uuid"}, "invalid_client_ref"),
])
def test_bad_contacts_are_refused_and_change_nothing(ward_user, kw, code):
    person = f.beneficiary("Lò Văn Pọm")
    outcome = kw.pop("outcome", ContactOutcome.NOT_PRESENT)
    with pytest.raises(DomainError) as e:
        contact(ward_user, person, outcome, **kw)
    assert e.value.code == code
    assert not Contact.objects.exists()


def test_a_refusal_without_reason_is_impossible_in_the_database():
    person = f.beneficiary("Lò Văn Pọm")
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(client_ref=uuid.uuid4(), beneficiary=person, ward_code="03388",
                               contacted_at=NOW, place=ContactPlace.HOME,
                               outcome=ContactOutcome.REFUSES, recorded_by="x")


# --- referrals ----------------------------------------------------------------------------------

def test_agreed_creates_a_referral_the_bank_completes(ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    agribank = f.provider("Agribank")
    contact(ward_user, person, ContactOutcome.AGREED, refer_to_provider_id=agribank.pk)
    referral = Referral.objects.get(beneficiary=person)
    assert referral.status == ReferralStatus.REQUESTED
    assert referral.deadline < services.next_transfer_date("12", TODAY)

    bidv_desk = f.user(Role.BANK_OPERATOR, org=f.organization(
        OrganizationKind.BANK, provider=f.provider("BIDV")))
    with pytest.raises(DomainError) as e:
        services.mark_account_opened(bidv_desk, referral.pk, "8800205123456")
    assert e.value.code == "not_in_scope"  # another desk's referral is not found

    desk = f.user(Role.BANK_OPERATOR)  # Agribank
    with pytest.raises(DomainError) as e:
        services.mark_account_opened(desk, referral.pk, "12")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.REQUESTED
    services.mark_account_opened(desk, referral.pk, "8800 2051 23456", waives_card_fee=True)
    services.mark_card_delivered(desk, referral.pk)
    referral.refresh_from_db()
    assert (referral.status, referral.account_number, referral.waives_card_fee) == (
        ReferralStatus.CARD_DELIVERED, "8800205123456", True)


def test_one_open_referral_per_person(ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    contact(ward_user, person, ContactOutcome.AGREED, refer_to_provider_id=f.provider().pk)
    with pytest.raises(DomainError) as e:
        contact(ward_user, person, ContactOutcome.AGREED, refer_to_provider_id=f.provider().pk)
    assert e.value.code == "referral_open"
    assert Contact.objects.count() == 1  # the second contact did not land either


def test_an_overdue_referral_is_flagged():
    referral = Referral(status=ReferralStatus.REQUESTED, deadline=TODAY - timedelta(days=1))
    assert services.is_overdue(referral, TODAY)
    referral.status = ReferralStatus.CARD_DELIVERED
    assert not services.is_overdue(referral, TODAY)


# --- method changes -----------------------------------------------------------------------------

def test_method_change_is_approved_by_another_user_and_lands_in_the_history(ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    change = services.submit_method_change(
        ward_user, person.pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number="8800205123456", holder_name="LO VAN POM")
    approver = f.user(Role.BHXH_APPROVER)
    services.decide_method_change(approver, change.pk, approve=True, today=TODAY)
    current = PaymentAccount.objects.get(beneficiary=person, valid_to__isnull=True)
    assert (current.channel, current.account_number) == (Channel.BANK_ACCOUNT, "8800205123456")
    assert (current.created_by, current.approved_by) == (ward_user.username, approver.username)
    old = PaymentAccount.objects.get(beneficiary=person, channel=Channel.CASH)
    assert old.valid_to is not None  # closed, never overwritten
    assert MethodChange.objects.get(pk=change.pk).status == ChangeStatus.APPROVED


def test_bhxh_checks_holder_name_and_shared_accounts(ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    f.beneficiary("Người Khác", channel=Channel.BANK_ACCOUNT, account_number="8800205999999")
    approver = f.user(Role.BHXH_APPROVER)
    wrong_name = services.submit_method_change(
        ward_user, person.pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number="8800205123456", holder_name="TRAN VAN KHAC")
    with pytest.raises(DomainError) as e:
        services.decide_method_change(approver, wrong_name.pk, approve=True, today=TODAY)
    assert e.value.code == "holder_name_mismatch"
    services.decide_method_change(approver, wrong_name.pk, approve=False, today=TODAY,
                                  note="Tên chủ tài khoản không đúng")
    shared = services.submit_method_change(
        ward_user, person.pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number="8800205999999", holder_name="Lò Văn Pọm")
    with pytest.raises(DomainError) as e:
        services.decide_method_change(approver, shared.pk, approve=True, today=TODAY)
    assert e.value.code == "account_used_by_another"
    assert PaymentAccount.objects.get(beneficiary=person, valid_to__isnull=True).channel == "cash"


def test_maker_cannot_check_and_wards_cannot_decide(ward_user):
    person = f.beneficiary("Lò Văn Pọm")
    officer = f.user(Role.BHXH_OFFICER)
    change = services.submit_method_change(
        officer, person.pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number="8800205123456", holder_name="LO VAN POM")
    with pytest.raises(DomainError) as e:
        services.decide_method_change(officer, change.pk, approve=True, today=TODAY)
    assert e.value.code == "maker_checker"
    with pytest.raises(DomainError) as e:
        services.decide_method_change(ward_user, change.pk, approve=True, today=TODAY)
    assert e.value.code == "outreach_forbidden"
    # the database itself refuses a decision by the maker
    with pytest.raises(IntegrityError), transaction.atomic():
        MethodChange.objects.filter(pk=change.pk).update(status=ChangeStatus.APPROVED,
                                                         decided_by=change.submitted_by)


# --- funnel -------------------------------------------------------------------------------------

def test_the_funnel_counts_only_what_happened(ward_user):
    campaign = Campaign.objects.create(name="Chiến dịch 2026", province_code="12",
                                       starts_on=date(2020, 1, 1), ends_on=date(2026, 12, 31),
                                       created_by="officer")
    people = [f.beneficiary(n) for n in ("Lò Văn Pọm", "Tẩn Thị Mẩy", "Lò Văn Trẻ")]
    f.beneficiary("Phường Khác", ward_code=f.TAN_PHONG)
    contact(ward_user, people[0], ContactOutcome.AGREED, refer_to_provider_id=f.provider().pk)
    contact(ward_user, people[1], ContactOutcome.NOT_PRESENT)
    desk = f.user(Role.BANK_OPERATOR)
    referral = Referral.objects.get(beneficiary=people[0])
    services.mark_account_opened(desk, referral.pk, "8800205123456")
    change = services.submit_method_change(
        ward_user, people[0].pk, channel=Channel.BANK_ACCOUNT, provider_id=f.provider().pk,
        account_number="8800205123456", holder_name="Lò Văn Pọm", referral_id=referral.pk)
    services.decide_method_change(f.user(Role.BHXH_APPROVER), change.pk, approve=True,
                                  today=TODAY)
    counts = funnel(campaign, f.DOAN_KET)
    assert counts.as_rows()[0][2] == 3
    assert (counts.cash_at_start, counts.contacted, counts.agreed, counts.referred,
            counts.account_opened, counts.switched, counts.converted) == (3, 2, 1, 1, 1, 1, 0)


# --- reports that stop payment -------------------------------------------------------------------

def test_a_confirmed_death_report_stops_payment_from_the_next_cycle(ward_user):
    from chitra.payments import services as payments
    from chitra.payments.models import CycleExclusion
    from chitra.registry.models import BeneficiaryStatus, Benefit, BenefitStatus
    from tests.payments.factories import NOV

    person = f.beneficiary("Lò Văn Mất")
    report, _ = contact(ward_user, person, ContactOutcome.DECEASED, notes="Gia đình báo")
    assert report.review == "waiting"
    with pytest.raises(DomainError) as e:
        services.review_report(ward_user, report.pk, confirm=True)
    assert e.value.code == "outreach_forbidden"
    officer = f.user(Role.BHXH_OFFICER)
    services.review_report(officer, report.pk, confirm=True)
    person.refresh_from_db()
    assert person.status == BeneficiaryStatus.DECEASED
    assert "BHXH xác nhận" in person.status_reason
    assert Benefit.objects.get(beneficiary=person).status == BenefitStatus.SUSPENDED
    cycle = payments.open_cycle("12", NOV, officer.username)
    payments.compute_cycle(cycle.pk, officer.username)
    assert not PaymentItem.objects.filter(cycle=cycle, beneficiary=person).exists()
    assert CycleExclusion.objects.filter(cycle=cycle, beneficiary=person).exists()
    with pytest.raises(DomainError) as e:
        services.review_report(officer, report.pk, confirm=False)
    assert e.value.code == "report_state"


def test_a_dismissed_report_changes_nothing_and_others_need_no_review(ward_user):
    from chitra.registry.models import BeneficiaryStatus

    person = f.beneficiary("Lò Văn Chuyển")
    moved, _ = contact(ward_user, person, ContactOutcome.MOVED)
    absent, _ = contact(ward_user, person, ContactOutcome.NOT_PRESENT)
    assert absent.review == ""
    services.review_report(f.user(Role.BHXH_APPROVER), moved.pk, confirm=False)
    person.refresh_from_db()
    assert person.status == BeneficiaryStatus.ACTIVE
    assert Contact.objects.get(pk=moved.pk).review == "dismissed"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database keeps it honest
        Contact.objects.filter(pk=absent.pk).update(review="waiting")
