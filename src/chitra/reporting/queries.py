"""The KPIs of an area (a ward, a province, the nation) and a month, read from the counted
figures (:mod:`chitra.reporting.kpi`), never from the raw items; on the reporting database
(a read replica when there is one)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet, Sum

from chitra.core.dbrouting import reporting_db
from chitra.registry.models import BenefitGroup, Channel
from chitra.reporting import shares, targets
from chitra.reporting.models import (
    FigureRefresh,
    PaidFigure,
    PaidPeople,
    PaidPeopleAll,
    RegisteredFigure,
)

GROUPS = (BenefitGroup.MONTHLY.value, BenefitGroup.ONE_TIME.value)


@dataclass(frozen=True)
class Area:
    """The nation (no codes), a province, or one of its wards."""

    province_code: str | None = None
    ward_code: str | None = None

    def of(self, qs: QuerySet) -> QuerySet:
        if self.province_code is not None:
            qs = qs.filter(province_code=self.province_code)
        if self.ward_code is not None:
            qs = qs.filter(ward_code=self.ward_code)
        return qs


@dataclass(frozen=True)
class GroupKpi:
    """One benefit group of an area in a month."""

    group: str
    people: int  # paid
    cashless_people: int  # paid cashless (the official figure)
    amount: int  # đồng paid
    cashless_amount: int
    registered: int  # active people then
    registered_cashless: int  # with a cashless account on file then
    goal: targets.Goal
    previous_people_bp: int | None = None  # the month before, for the change

    @property
    def people_bp(self) -> int | None:
        return shares.share_bp(self.cashless_people, self.people)

    @property
    def amount_bp(self) -> int | None:
        return shares.share_bp(self.cashless_amount, self.amount)

    @property
    def registered_bp(self) -> int | None:
        return shares.share_bp(self.registered_cashless, self.registered)

    @property
    def change_bp(self) -> int | None:
        now, before = self.people_bp, self.previous_people_bp
        return None if now is None or before is None else now - before

    @property
    def met(self) -> bool:
        return shares.met(self.cashless_people, self.people, self.goal.people_bp)

    @property
    def still_needed(self) -> int:
        """People still to convert to meet the headcount target."""
        return shares.still_needed(self.cashless_people, self.people, self.goal.people_bp)


@dataclass(frozen=True)
class Slice:
    label: str
    items: int
    amount: int


@dataclass(frozen=True)
class MonthKpi:
    area: Area
    period: date
    groups: dict[str, GroupKpi]
    by_type: list[tuple[str, str, Slice]] = field(default_factory=list)  # (type, channel)
    by_provider: list[Slice] = field(default_factory=list)
    counted: bool = True  # False: no figures counted for this month yet


def _paid(area: Area, period: date) -> QuerySet[PaidFigure]:
    return area.of(PaidFigure.objects.using(reporting_db()).filter(period=period))


def _people(area: Area, period: date) -> dict[str, tuple[int, int]]:
    rows = (area.of(PaidPeople.objects.using(reporting_db()).filter(period=period))
            .values("benefit_group").annotate(p=Sum("people"), c=Sum("cashless")))
    return {r["benefit_group"]: (r["p"], r["c"]) for r in rows}


def _registered(area: Area, period: date) -> dict[str, tuple[int, int]]:
    rows = (area.of(RegisteredFigure.objects.using(reporting_db()).filter(period=period))
            .values("benefit_group").annotate(p=Sum("people"), c=Sum("cashless")))
    return {r["benefit_group"]: (r["p"], r["c"]) for r in rows}


def month_kpi(area: Area, period: date) -> MonthKpi:
    """Every group's KPIs for the area and month, with the change from the month before."""
    previous = date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)
    people, before = _people(area, period), _people(area, previous)
    registered = _registered(area, period)
    amounts = {r["benefit_group"]: (r["a"], r["c"] or 0) for r in (
        _paid(area, period).values("benefit_group")
        .annotate(a=Sum("amount"), c=Sum("amount", filter=~Q(channel=Channel.CASH))))}
    groups = {}
    for group in GROUPS:
        p, c = people.get(group, (0, 0))
        b = before.get(group)
        groups[group] = GroupKpi(
            group=group, people=p, cashless_people=c,
            amount=amounts.get(group, (0, 0))[0], cashless_amount=amounts.get(group, (0, 0))[1],
            registered=registered.get(group, (0, 0))[0],
            registered_cashless=registered.get(group, (0, 0))[1],
            goal=_goal(area, period, group),
            previous_people_bp=shares.share_bp(b[1], b[0]) if b else None)
    by_type = [(r["benefit_type"], r["channel"], Slice(r["benefit_type"], r["i"], r["a"]))
               for r in _paid(area, period).values("benefit_type", "channel")
               .annotate(i=Sum("items"), a=Sum("amount")).order_by("benefit_type", "channel")]
    by_provider = [Slice(r["provider__short_name"] or Channel.CASH.label, r["i"], r["a"])
                   for r in _paid(area, period).values("provider__short_name")
                   .annotate(i=Sum("items"), a=Sum("amount")).order_by("-a")]
    refreshes = FigureRefresh.objects.using(reporting_db()).filter(period=period)
    if area.province_code is not None:
        refreshes = refreshes.filter(province_code=area.province_code)
    return MonthKpi(area, period, groups, by_type, by_provider, refreshes.exists())


def _goal(area: Area, period: date, group: str) -> targets.Goal:
    if area.province_code is None:  # the nation: the plan's
        plan = targets.PLAN_BP.get(group, shares.FULL)
        return targets.Goal(plan, plan, "plan")
    return targets.goal(period.year, area.province_code, area.ward_code or "", group,
                        month=period)


def trend(area: Area, group: str, last: date, months: int = 12) -> list[tuple[date, int | None]]:
    """The paid-cashless headcount share of each of the ``months`` months up to ``last``."""
    first = _months_back(last, months - 1)
    rows = (area.of(PaidPeople.objects.using(reporting_db()).filter(
        period__gte=first, period__lte=last, benefit_group=group))
        .values("period").annotate(p=Sum("people"), c=Sum("cashless")))
    found = {r["period"]: shares.share_bp(r["c"], r["p"]) for r in rows}
    return [(m, found.get(m)) for m in (_months_back(last, k) for k in range(months - 1, -1, -1))]


def ranking(area: Area, period: date, group: str) -> list[tuple[str, int, int, int | None]]:
    """The wards of a province (or the provinces of the nation), best share first:
    (code, people paid, paid cashless, share)."""
    key = "province_code" if area.province_code is None else "ward_code"
    rows = (area.of(PaidPeople.objects.using(reporting_db()).filter(
        period=period, benefit_group=group)).values(key)
        .annotate(p=Sum("people"), c=Sum("cashless")))
    found = [(r[key], r["p"], r["c"], shares.share_bp(r["c"], r["p"])) for r in rows]
    return sorted(found, key=lambda r: (-(r[3] if r[3] is not None else -1), r[0]))


def projection(area: Area, group: str, last: date, until: date,
               window: int = 3) -> int | None:
    """The share expected at ``until`` if people keep converting at the pace of the last
    ``window`` months (cashless people gained per month), out of the last month's paid
    people; None without two counted months."""
    points = []
    for k in range(window, -1, -1):
        m = _months_back(last, k)
        got = _people(area, m).get(group)
        if got:
            points.append((m, got))
    if len(points) < 2:
        return None
    (m0, (_p0, c0)), (m1, (p1, c1)) = points[0], points[-1]
    span = (m1.year - m0.year) * 12 + m1.month - m0.month
    ahead = max(0, (until.year - m1.year) * 12 + until.month - m1.month)
    expected = min(p1, c1 + (c1 - c0) * ahead // span) if span else c1
    return shares.share_bp(max(expected, 0), p1)


def _months_back(day: date, k: int) -> date:
    n = day.year * 12 + day.month - 1 - k
    return date(n // 12, n % 12 + 1, 1)


def groups_by_ward(area: Area, period: date) -> dict[str, dict[str, tuple[int, int]]]:
    """(people paid, paid cashless) per ward and group: a province's ward table."""
    out: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for r in area.of(PaidPeople.objects.using(reporting_db()).filter(period=period)).values(
            "ward_code", "benefit_group", "people", "cashless"):
        out[r["ward_code"]][r["benefit_group"]] = (r["people"], r["cashless"])
    return dict(out)


def amounts_by_ward(area: Area, period: date) -> list[tuple[str, int, int]]:
    """(ward, đồng paid, of it cashless) of the month."""
    rows = (_paid(area, period).values("ward_code")
            .annotate(a=Sum("amount"), c=Sum("amount", filter=~Q(channel=Channel.CASH))))
    return [(r["ward_code"], r["a"], r["c"] or 0) for r in rows]


def people_all_by_ward(area: Area, period: date) -> list[tuple[str, int, int]]:
    """(ward, people paid, of them cashless) of the month, each person once whatever the
    number of their benefit groups (:class:`~chitra.reporting.models.PaidPeopleAll`)."""
    rows = area.of(PaidPeopleAll.objects.using(reporting_db()).filter(period=period)).values(
        "ward_code", "people", "cashless")
    return [(r["ward_code"], r["people"], r["cashless"]) for r in rows]


def people_all(area: Area, period: date) -> tuple[int, int]:
    """(people paid, of them cashless) of the area's month, each person once across the
    benefit groups."""
    got = area.of(PaidPeopleAll.objects.using(reporting_db()).filter(period=period)).aggregate(
        p=Sum("people"), c=Sum("cashless"))
    return got["p"] or 0, got["c"] or 0


def counted_months(area: Area) -> list[date]:
    """The months counted for the area (a province's, or any province's), oldest first."""
    rows = FigureRefresh.objects.using(reporting_db())
    if area.province_code is not None:
        rows = rows.filter(province_code=area.province_code)
    return sorted(set(rows.values_list("period", flat=True)))
