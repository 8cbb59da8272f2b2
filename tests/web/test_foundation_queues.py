"""The menu's queue counts: pending method changes and reports to confirm (BHXH of the
province), overdue referrals (the bank's desk), unresolved status exceptions (BHXH). Each
equals its queue's size, and another province's (or another bank's) items never count."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chitra.outreach import services as outreach
from chitra.outreach.models import (
    ChangeStatus,
    Contact,
    ContactOutcome,
    ContactPlace,
    MethodChange,
    Referral,
    ReferralStatus,
    ReviewState,
)
from chitra.payments import services as payments
from chitra.payments.models import (
    ExceptionKind,
    ExceptionResolution,
    ExceptionState,
    StatusException,
)
from chitra.registry.models import Beneficiary, Channel
from tests import factories as f
from tests.payments.exception_factories import held, sent_items
from tests.payments.factories import DEC


def _person(p, name: str) -> Beneficiary:  # type: ignore[no-untyped-def]
    return f.beneficiary(name, ward_code=p.ward_code, province_code=p.code)


def _change(p, status: ChangeStatus = ChangeStatus.SUBMITTED) -> MethodChange:  # type: ignore[no-untyped-def]
    person = _person(p, "Lò Văn Đổi")
    return MethodChange.objects.create(
        beneficiary=person, ward_code=p.ward_code, channel=Channel.BANK_ACCOUNT,
        provider=f.provider("Agribank"), account_number="7700123456789",
        holder_name=person.full_name, submitted_by=p.ward_team.username, status=status,
        decided_by="" if status == ChangeStatus.SUBMITTED else p.approver.username)


def _contact(p, review: ReviewState = ReviewState.WAITING) -> Contact:  # type: ignore[no-untyped-def]
    return Contact.objects.create(
        client_ref=uuid.uuid4(), beneficiary=_person(p, "Tao Thị Báo"), ward_code=p.ward_code,
        contacted_at=timezone.now(), place=ContactPlace.HOME, outcome=ContactOutcome.MOVED,
        recorded_by=p.ward_team.username, review=review)


def _referral(p, *, days: int, status: ReferralStatus = ReferralStatus.REQUESTED,  # type: ignore[no-untyped-def]
              bank: str = "Agribank") -> Referral:
    return Referral.objects.create(
        beneficiary=_person(p, "Giàng A Hẹn"), provider=f.provider(bank),
        ward_code=p.ward_code, deadline=timezone.localdate() + timedelta(days=days),
        requested_by=p.ward_team.username, status=status,
        account_number="" if status == ReferralStatus.REQUESTED else "7700987654321")


def _queues(p, *, mine: bool) -> None:  # type: ignore[no-untyped-def]
    """``mine``: the province under test gets 2 of each queue plus items that do not count;
    the other province gets 1 of each, which must not count either."""
    n = 2 if mine else 1
    for _ in range(n):
        _change(p)
        _contact(p)
        _referral(p, days=-3)
    if mine:
        _change(p, ChangeStatus.REJECTED)
        _contact(p, ReviewState.CONFIRMED)
        _referral(p, days=5)  # not due yet
        _referral(p, days=-3, status=ReferralStatus.CARD_DELIVERED)  # done
        _referral(p, days=-3, status=ReferralStatus.ACCOUNT_OPENED)  # still open: counts
        _referral(p, days=-3, bank="BIDV")  # another bank's desk


def _exceptions(p, *, mine: bool) -> None:  # type: ignore[no-untyped-def]
    items = sent_items(3 if mine else 1, province=p.code, period=DEC)
    held(items[0], ExceptionKind.NEEDS_REVIEW, "BLCK")
    if mine:
        proposed = {"resolution": ExceptionResolution.KEEP, "note": "giữ nguyên",
                    "proposed_by": p.officer.username}
        StatusException.objects.filter(pk=held(items[1], ExceptionKind.UNKNOWN_CODE, "ZZZZ").pk
                                       ).update(state=ExceptionState.PROPOSED, **proposed)
        StatusException.objects.filter(pk=held(items[2], ExceptionKind.NEEDS_REVIEW, "BLCK").pk
                                       ).update(state=ExceptionState.RESOLVED,
                                                resolved_by=p.approver.username, **proposed)


def test_bhxh_sees_its_province_queue_sizes_only(login, lai_chau, dien_bien):
    _queues(lai_chau, mine=True)
    _queues(dien_bien, mine=False)
    _exceptions(lai_chau, mine=True)
    _exceptions(dien_bien, mine=False)
    for user in (lai_chau.officer, lai_chau.approver):
        response = login(user).get("/")
        counts = response.context["nav_counts"]
        states = payments.state_counts(user)
        assert counts == {"method_changes": 2, "reports": 2,
                          "exceptions": states["open"] + states["proposed"]}
        assert counts["exceptions"] == 2
        html = response.content.decode()
        assert 'data-queue="method_changes">2<' in html
        assert 'data-queue="reports">2<' in html
        assert 'data-queue="exceptions">2<' in html
        assert 'data-queue="total">6<' in html


def test_the_bank_desk_counts_its_overdue_referrals_only(login, lai_chau, dien_bien):
    _queues(lai_chau, mine=True)
    _queues(dien_bien, mine=False)
    today = timezone.localdate()
    desk = outreach.desk_referrals(lai_chau.bank)
    expected = sum(outreach.is_overdue(r, today) for r in desk)
    assert expected == 3  # two requested and one opened, past their deadline
    response = login(lai_chau.bank).get("/")
    assert response.context["nav_counts"] == {"overdue_referrals": expected}
    assert f'data-queue="overdue_referrals">{expected}<' in response.content.decode()
    other = login(lai_chau.other_bank).get("/")
    assert other.context["nav_counts"] == {"overdue_referrals": 1}  # BIDV's own one


def test_roles_without_queues_count_nothing_and_pay_no_query(login, lai_chau):
    _queues(lai_chau, mine=True)
    for user in (lai_chau.ward_team, lai_chau.post_office, lai_chau.viewer, lai_chau.police):
        response = login(user).get("/")
        assert response.context["nav_counts"] == {}
        assert 'class="badge' not in response.content.decode()


def test_all_counts_take_one_query(login, lai_chau):
    _queues(lai_chau, mine=True)
    client = login(lai_chau.officer)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    counting = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]
                and "outreach_methodchange" in q["sql"]]
    assert len(counting) == 1
    assert "outreach_contact" in counting[0]
    assert "payments_statusexception" in counting[0]
