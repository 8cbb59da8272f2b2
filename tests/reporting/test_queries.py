"""KPIs of an area and month read from the counted figures: shares in basis points, the
target in force, the change from the month before, rankings, a projection — and, after
real status files, the same figures as counting the raw items."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import Channel
from chitra.reporting import kpi, shares, targets
from chitra.reporting.models import FigureRefresh, PaidPeople, Target
from chitra.reporting.queries import Area, month_kpi, projection, ranking, trend
from tests import factories as f

DEC, NOV, OCT = date(2026, 12, 1), date(2026, 11, 1), date(2026, 10, 1)
LAI_CHAU = Area("12")


@pytest.mark.parametrize(("part", "whole", "bp"), [
    (1, 3, 3333), (2, 3, 6667), (0, 5, 0), (5, 5, 10000), (1, 8, 1250), (1, 0, None)])
def test_shares_are_basis_points_rounded_half_up(part, whole, bp):
    assert shares.share_bp(part, whole) == bp


@pytest.mark.parametrize(("part", "whole", "target", "met", "needed"), [
    (90, 100, 9000, False, 1),  # "more than 90 %": 90 of 100 is not enough
    (91, 100, 9000, True, 0),
    (9, 10, 9000, False, 1),
    (99, 100, 10000, False, 1),  # 100 %: everyone
    (100, 100, 10000, True, 0),
    (0, 0, 9000, False, 0)])
def test_a_target_is_met_by_more_than_it_or_by_everyone(part, whole, target, met, needed):
    assert shares.met(part, whole, target) is met
    assert shares.still_needed(part, whole, target) == needed


def test_percent_text_is_vietnamese():
    assert [shares.percent_text(b) for b in (9250, 10000, 0, 3333, None)] == [
        "92,5 %", "100,0 %", "0,0 %", "33,3 %", "—"]


def _target(ward: str, people_bp: int, **kw) -> Target:
    return Target.objects.create(year=2026, province_code="12", ward_code=ward,
                                 benefit_group="monthly", people_bp=people_bp,
                                 amount_bp=people_bp, set_by="x", set_at=timezone.now(), **kw)


def test_the_ward_target_else_the_province_target_else_the_plan():
    assert targets.goal(2026, "12", f.DOAN_KET, "monthly") == targets.Goal(9000, 9000, "plan")
    assert targets.goal(2026, "12", f.DOAN_KET, "one_time").people_bp == 10000
    _target("", 9200, replaced_at=timezone.now())  # history: no longer in force
    _target("", 9300)
    assert targets.goal(2026, "12", f.DOAN_KET, "monthly") == targets.Goal(9300, 9300,
                                                                          "province")
    _target(f.DOAN_KET, 9500)
    assert targets.goal(2026, "12", f.DOAN_KET, "monthly").source == "ward"
    assert targets.goal(2026, "12", f.TAN_PHONG, "monthly").people_bp == 9300
    assert targets.goal(2027, "12", f.DOAN_KET, "monthly").source == "plan"


def _people(period: date, ward: str, people: int, cashless: int, province: str = "12",
            group: str = "monthly") -> None:
    PaidPeople.objects.create(period=period, province_code=province, ward_code=ward,
                              benefit_group=group, people=people, cashless=cashless)


def test_month_kpi_adds_up_wards_and_compares_with_the_month_before():
    _people(OCT, f.DOAN_KET, 100, 80)
    _people(NOV, f.DOAN_KET, 100, 88)
    _people(NOV, f.TAN_PHONG, 50, 46)
    _people(NOV, "00004", 10, 10, province="01")  # another province
    FigureRefresh.objects.create(period=NOV, province_code="12", refreshed_at=timezone.now(),
                                 items=150)
    k = month_kpi(LAI_CHAU, NOV)
    monthly = k.groups["monthly"]
    assert (monthly.people, monthly.cashless_people, monthly.people_bp) == (150, 134, 8933)
    assert monthly.previous_people_bp == 8000
    assert monthly.change_bp == 933
    assert not monthly.met
    assert monthly.still_needed == 2
    assert k.counted
    assert not month_kpi(LAI_CHAU, DEC).counted
    ward = month_kpi(Area("12", f.DOAN_KET), NOV).groups["monthly"]
    assert (ward.people, ward.cashless_people) == (100, 88)
    nation = month_kpi(Area(), NOV).groups["monthly"]
    assert (nation.people, nation.cashless_people) == (160, 144)


def test_trend_ranking_and_projection():
    _people(date(2026, 8, 1), f.DOAN_KET, 100, 70)
    _people(OCT, f.DOAN_KET, 100, 80)
    _people(NOV, f.DOAN_KET, 100, 85)
    _people(NOV, f.TAN_PHONG, 40, 40)
    assert trend(Area("12", f.DOAN_KET), "monthly", NOV, 4) == [
        (date(2026, 8, 1), 7000), (date(2026, 9, 1), None), (OCT, 8000), (NOV, 8500)]
    assert ranking(LAI_CHAU, NOV, "monthly") == [
        (f.TAN_PHONG, 40, 40, 10000), (f.DOAN_KET, 100, 85, 8500)]
    # 15 more people in the 3 months from August: 5 a month, 2 months on → 95 of 100.
    assert projection(Area("12", f.DOAN_KET), "monthly", NOV, date(2027, 1, 1)) == 9500
    assert projection(Area("12", f.TAN_PHONG), "monthly", NOV, date(2027, 1, 1)) is None


def test_after_real_status_files_the_kpis_are_the_raw_items(reconciled):
    kpi.refresh_cycle(reconciled.pk, "officer")
    paid = [i for i in PaymentItem.objects.filter(cycle=reconciled)
            if i.current_status == ItemStatus.PAID]
    cashless = [i for i in paid if i.channel != Channel.CASH]
    k = month_kpi(LAI_CHAU, NOV).groups["monthly"]
    assert (k.people, k.cashless_people) == (len({i.beneficiary_id for i in paid}),
                                             len({i.beneficiary_id for i in cashless}))
    assert (k.amount, k.cashless_amount) == (sum(i.amount for i in paid),
                                             sum(i.amount for i in cashless))
    assert (k.registered, k.registered_cashless) == (3, 1)
    assert month_kpi(LAI_CHAU, NOV).groups["one_time"].people == 0  # Sơn not paid yet


def test_a_share_is_never_all_while_someone_is_missing():
    assert shares.share_bp(19_999, 20_000) == 9999
    assert shares.share_bp(20_000, 20_000) == 10000
    assert shares.percent_text(shares.share_bp(19_999, 20_000)) == "99,9 %"
