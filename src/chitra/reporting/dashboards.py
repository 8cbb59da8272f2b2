"""What a dashboard page shows for an area and month, computed from the counted figures
(:mod:`chitra.reporting.queries`): the views only render it. The charts are SVG made here,
the same pictures the PDF reports carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from chitra.access.models import User
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.dbrouting import reporting_db
from chitra.outreach.funnel import Funnel, funnel
from chitra.outreach.models import Campaign
from chitra.registry.models import Beneficiary, BeneficiaryStatus, PaymentAccount
from chitra.registry.queries import CASHLESS_CHANNELS, beneficiaries_visible_to
from chitra.reporting import charts, queries, shares, targets
from chitra.reporting.areas import name_of
from chitra.reporting.queries import Area, GroupKpi, MonthKpi

STILL_ON_CASH_SHOWN = 100


@dataclass(frozen=True)
class Row:
    """One ward (or province) of the ranking."""

    code: str
    name: str
    people: int
    cashless: int
    share_bp: int | None
    target_bp: int
    rag: str

    @property
    def share_text(self) -> str:
        return shares.percent_text(self.share_bp)


@dataclass(frozen=True)
class Page:
    area: Area
    name: str
    period: date | None
    periods: list[date]
    group: str
    kpi: MonthKpi | None
    rows: list[Row]
    bars_svg: str  # each chart twice: the wide layout and the narrow (charts.for_screen)
    trend_svg: str
    funnel_svg: str
    funnel_counts: Funnel | None
    campaign: Campaign | None
    projection_bp: int | None
    projection_until: date | None
    still_on_cash: list[Beneficiary]
    still_on_cash_total: int

    @property
    def selected(self) -> GroupKpi | None:
        return self.kpi.groups[self.group] if self.kpi else None


def counted_periods(area: Area) -> list[date]:
    """The months counted for the area, newest first."""
    return queries.counted_months(area)[::-1]


def page(user: User, area: Area, period: date | None, group: str) -> Page:
    periods = counted_periods(area)
    if period is None or period not in periods:
        period = periods[0] if periods else None
    name = name_of(area)
    if period is None:
        return Page(area, name, None, [], group, None, [], "", "", "", None, None, None, None,
                    [], 0)
    kpi = queries.month_kpi(area, period)
    rows = _rows(area, period, group)
    target = kpi.groups[group].goal.people_bp
    # Each chart in both layouts, the desk's and the phone's (charts.for_screen).
    bars = charts.for_screen(charts.share_bars,
                             [charts.Bar(r.name, r.share_bp or 0, f"{r.cashless}/{r.people}")
                              for r in rows],
                             target_bp=target, id_prefix="bars",
                             title=_bars_title(area, group)) if rows else ""
    points = [charts.Point(f"{m:%m/%Y}", bp) for m, bp in queries.trend(area, group, period)
              if bp is not None]
    trend = charts.for_screen(charts.trend, points, target_bp=target, id_prefix="trend",
                              title=_("Tỷ lệ nhận không dùng tiền mặt theo tháng"))
    campaign = _campaign(area, period)
    until = campaign.ends_on if campaign else date(period.year, 12, 1)
    counts = funnel(campaign, area.ward_code) if campaign and area.ward_code else None
    funnel_svg = charts.for_screen(
        charts.funnel, [charts.Step(_(label), n) for _key, label, n in counts.as_rows()],
        id_prefix="funnel", title=_("Từ tiền mặt đến nhận qua tài khoản")) if counts else ""
    cash, cash_total = _still_on_cash(user, area)
    return Page(area, name, period, periods, group, kpi, rows, bars, trend, funnel_svg,
                counts, campaign, queries.projection(area, group, period, until), until,
                cash, cash_total)


def _bars_title(area: Area, group: str) -> str:
    """Whole sentences, each translated as one (a page in English shows English titles; the
    PDF reports draw their own, in Vietnamese)."""
    if area.province_code is None:
        return (_("Tỷ lệ không dùng tiền mặt (hàng tháng) theo tỉnh/thành phố")
                if group == "monthly"
                else _("Tỷ lệ không dùng tiền mặt (một lần, ngắn hạn) theo tỉnh/thành phố"))
    return (_("Tỷ lệ không dùng tiền mặt (hàng tháng) theo phường/xã") if group == "monthly"
            else _("Tỷ lệ không dùng tiền mặt (một lần, ngắn hạn) theo phường/xã"))


def _rows(area: Area, period: date, group: str) -> list[Row]:
    """The ranking one level down: the provinces of the nation, the wards of a province;
    each against its target in force at the end of the month (all of them in one query)."""
    if area.ward_code is not None:
        return []
    names = (dict(current_provinces()) if area.province_code is None
             else {c: w.name for c, w in current_wards().items()})
    ranking = queries.ranking(area, period, group)
    keys = {code: (code, "") if area.province_code is None else (area.province_code, code)
            for code, _people, _cashless, _bp in ranking}
    found = targets.goals(period.year, keys.values(), group, month=period)
    rows = []
    for code, people, cashless, bp in ranking:
        goal = found[keys[code]].people_bp
        rows.append(Row(code, names.get(code, code), people, cashless, bp, goal,
                        charts.rag(bp or 0, goal) if people else "neutral"))
    return rows


def _campaign(area: Area, period: date) -> Campaign | None:
    if area.province_code is None:
        return None
    return (Campaign.objects.using(reporting_db())
            .filter(province_code=area.province_code, ends_on__gte=period)
            .order_by("starts_on").first())


def _still_on_cash(user: User, area: Area) -> tuple[list[Beneficiary], int]:
    """A ward's active people without a current cashless account, for those who may see
    people (the first :data:`STILL_ON_CASH_SHOWN`, by name) and how many in all."""
    if area.ward_code is None:
        return [], 0
    cashless = PaymentAccount.objects.filter(beneficiary=OuterRef("pk"), valid_to__isnull=True,
                                             channel__in=CASHLESS_CHANNELS)
    people = (beneficiaries_visible_to(user)
              .filter(ward_code=area.ward_code, status=BeneficiaryStatus.ACTIVE)
              .exclude(Exists(cashless)))
    return list(people.order_by("full_name", "id")[:STILL_ON_CASH_SHOWN]), people.count()
