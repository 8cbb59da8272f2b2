"""The paid figures of a month, counted from the items after real status files (issue 15,
item 2): the same figures as counting the raw items here, once each whatever the number of
refreshes, and written only by the province's own BHXH office."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chitra.access.models import OrganizationKind, Role
from chitra.payments import services
from chitra.payments.models import ItemStatus, PaymentCycle, PaymentItem
from chitra.registry.models import Channel
from chitra.reporting import kpi
from chitra.reporting.models import (
    FigureRefresh,
    PaidFigure,
    PaidPeople,
    PaidPeopleAll,
    RegisteredFigure,
)
from tests import factories as f
from tests.payments.factories import NOV

pytestmark = pytest.mark.usefixtures("paying_office")


def _counted_from_items(cycle: PaymentCycle) -> tuple[dict, dict]:
    """The figures counted here, item by item, without the database's GROUP BY."""
    figures: Counter = Counter()
    amounts: Counter = Counter()
    people: dict = defaultdict(set)
    cashless: dict = defaultdict(set)
    for item in PaymentItem.objects.filter(cycle=cycle).select_related("obligation__benefit"):
        if item.current_status != ItemStatus.PAID:
            continue
        benefit = item.obligation.benefit
        key = (item.ward_code, benefit.group, benefit.benefit_type, item.channel,
               item.provider_id)
        figures[key] += 1
        amounts[key] += item.amount
        people[(item.ward_code, benefit.group)].add(item.beneficiary_id)
        if item.channel != Channel.CASH:
            cashless[(item.ward_code, benefit.group)].add(item.beneficiary_id)
    return ({k: (figures[k], amounts[k]) for k in figures},
            {k: (len(v), len(cashless[k])) for k, v in people.items()})


def _everyone(cycle: PaymentCycle) -> dict[str, tuple[int, int]]:
    """The stored people of each ward across the groups, checked against the items."""
    stored = {r.ward_code: (r.people, r.cashless) for r in PaidPeopleAll.objects.filter(
        period=cycle.period, province_code=cycle.province_code)}
    paid = [i for i in PaymentItem.objects.filter(cycle=cycle)
            if i.current_status == ItemStatus.PAID]
    assert stored == {w: (len({i.beneficiary_id for i in paid if i.ward_code == w}),
                          len({i.beneficiary_id for i in paid
                               if i.ward_code == w and i.channel != Channel.CASH}))
                      for w in {i.ward_code for i in paid}}
    return stored


def _stored(cycle: PaymentCycle) -> tuple[dict, dict]:
    rows = PaidFigure.objects.filter(period=cycle.period, province_code=cycle.province_code)
    groups = PaidPeople.objects.filter(period=cycle.period, province_code=cycle.province_code)
    return ({(r.ward_code, r.benefit_group, r.benefit_type, r.channel, r.provider_id):
             (r.items, r.amount) for r in rows},
            {(g.ward_code, g.benefit_group): (g.people, g.cashless) for g in groups})


def test_the_command_counts_what_was_paid(reconciled, capsys):
    officer = f.user(Role.BHXH_OFFICER)
    call_command("kpi", "refresh", "2026-11", "--as", officer.username)
    assert "11/2026" in capsys.readouterr().out
    figures, people = _stored(reconciled)
    assert (figures, people) == _counted_from_items(reconciled)
    bidv = PaymentItem.objects.get(full_name="Lò Thị Mai").provider_id
    assert figures == {
        (f.DOAN_KET, "monthly", "pension", Channel.BANK_ACCOUNT, bidv): (1, 4_200_000),
        (f.DOAN_KET, "monthly", "pension", Channel.CASH, None): (1, 2_500_000)}
    assert people == {(f.DOAN_KET, "monthly"): (2, 1)}  # Sử rejected, Sơn not yet paid
    assert _everyone(reconciled) == {f.DOAN_KET: (2, 1)}
    # On file: Mai and Sử (whose AC04 closed the account: cash now) and Đức; Sơn's e-wallet.
    registered = {(r.ward_code, r.benefit_group): (r.people, r.cashless)
                  for r in RegisteredFigure.objects.all()}
    assert registered == {(f.DOAN_KET, "monthly"): (3, 1), (f.TAN_PHONG, "one_time"): (1, 1)}
    refresh = FigureRefresh.objects.get()
    assert (refresh.items, refresh.period, refresh.province_code) == (2, NOV, "12")


def test_closing_the_cycle_counts_its_month(reconciled):
    services.close_cycle(reconciled.pk, "officer")
    assert _stored(reconciled) == _counted_from_items(reconciled)
    assert PaidFigure.objects.count() == 2
    assert FigureRefresh.objects.get().items == 2


def test_a_close_whose_count_fails_does_not_close(reconciled, monkeypatch):
    def broken(cycle_id, actor, **kwargs):
        raise RuntimeError("the count failed")

    monkeypatch.setattr(kpi, "refresh_cycle", broken)
    with pytest.raises(RuntimeError):
        services.close_cycle(reconciled.pk, "officer")
    reconciled.refresh_from_db()
    assert reconciled.status != "closed"


def test_a_later_count_keeps_the_months_registry_snapshot(reconciled):
    services.close_cycle(reconciled.pk, "officer")
    before = sorted(RegisteredFigure.objects.values_list("ward_code", "people", "cashless"))
    f.beneficiary("Người Mới", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789099")  # joined after November closed
    call_command("kpi", "refresh", "2026-11", "--as", f.user(Role.BHXH_OFFICER).username)
    assert sorted(RegisteredFigure.objects.values_list("ward_code", "people", "cashless")) \
        == before


def test_counting_again_replaces_the_month(reconciled):
    officer = f.user(Role.BHXH_OFFICER)
    call_command("kpi", "refresh", "--as", officer.username)  # every sent cycle
    first = _stored(reconciled)
    call_command("kpi", "refresh", "2026-11", "--as", officer.username)
    assert _stored(reconciled) == first
    assert _everyone(reconciled) == {f.DOAN_KET: (2, 1)}  # replaced, not added to
    assert PaidFigure.objects.count() == 2
    assert FigureRefresh.objects.count() == 1


def test_another_provinces_office_and_a_ward_team_may_not_count(reconciled):
    other = f.user(Role.BHXH_OFFICER, f.organization(province_code="01"))
    ward = f.user(Role.WARD_TEAM, f.organization(OrganizationKind.WARD, ward_code=f.DOAN_KET))
    for user in (other, ward):
        with pytest.raises(CommandError, match="not_in_scope"):
            call_command("kpi", "refresh", "2026-11", "--province", "12", "--as",
                         user.username)
    assert not PaidFigure.objects.exists()
    assert not FigureRefresh.objects.exists()


def test_a_month_never_sent_has_nothing_to_count(capsys):
    officer = f.user(Role.BHXH_OFFICER)
    call_command("kpi", "refresh", "2026-11", "--as", officer.username)
    assert "no sent cycle" in capsys.readouterr().out
    assert not FigureRefresh.objects.exists()


def test_a_malformed_period_is_refused(capsys):
    officer = f.user(Role.BHXH_OFFICER)
    with pytest.raises(CommandError):
        call_command("kpi", "refresh", "11/2026", "--as", officer.username)
    assert not FigureRefresh.objects.exists()
