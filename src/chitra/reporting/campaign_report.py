"""The province's summary at the end of an outreach campaign (issue 15 item 4): the cashless
shares before the campaign and at its end, the people converted, the outreach funnel, the
wards against the campaign's targets, the proposals for commendation and what remains to
do."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import date

from chitra.core.dbrouting import reporting_db
from chitra.core.errors import DomainError
from chitra.outreach.funnel import Funnel, funnel
from chitra.outreach.models import Campaign, WardTarget, WorkTeam
from chitra.registry.models import Beneficiary
from chitra.reporting import charts, queries, shares
from chitra.reporting.documents import AdminDocument, Section, Table
from chitra.reporting.queries import Area
from chitra.reporting.report_parts import (
    GROUP_LABELS,
    Period,
    bhxh,
    goal_text,
    province_name,
    trend_section,
    ward_name,
)

FAR_BELOW_BP = 1000  # a ward 10 points or more under its target is "far below"


@dataclass(frozen=True)
class CampaignSpan:
    """A campaign and the counted months that frame it: ``start`` the last month counted
    before the month it starts (None if none was), ``end`` the last one counted from the
    month it starts to the month it ends."""

    campaign: Campaign
    start: date | None
    end: date


def campaign_span(area: Area, period: Period) -> CampaignSpan:
    """The province's campaign ending in ``period`` (a month), else the latest one ended by
    then; a clear error when there is none or none of its months was counted."""
    until = date(period.year, period.month or 12,
                 calendar.monthrange(period.year, period.month or 12)[1])
    campaign = (Campaign.objects.using(reporting_db())
                .filter(province_code=area.province_code, ends_on__lte=until)
                .order_by("-ends_on", "-starts_on", "-pk").first())
    if campaign is None:
        raise DomainError("no_campaign",
                          f"Tỉnh chưa có chiến dịch nào kết thúc đến hết {period.label}.",
                          f"The province has no campaign ended by {period.label_slug}.")
    first, last = campaign.starts_on.replace(day=1), campaign.ends_on.replace(day=1)
    months = queries.counted_months(area)
    during = [m for m in months if first <= m <= last]
    if not during:
        raise DomainError("no_figures",
                          f"Chưa có tháng nào của chiến dịch “{campaign.name}” (từ "
                          f"{campaign.starts_on:%d/%m/%Y} đến {campaign.ends_on:%d/%m/%Y}) "
                          "được tổng hợp số liệu chi trả.",
                          "No month of the campaign has counted payment figures.")
    before = [m for m in months if m < first]
    return CampaignSpan(campaign, before[-1] if before else None, during[-1])


def latest_campaign_month(area: Area, today: date) -> str | None:
    """``YYYY-MM`` of the end of the province's latest campaign ended by ``today`` (what a
    download link offers by default); None without one."""
    ends = (Campaign.objects.using(reporting_db())
            .filter(province_code=area.province_code, ends_on__lte=today)
            .order_by("-ends_on").values_list("ends_on", flat=True).first())
    return f"{ends:%Y-%m}" if ends else None


@dataclass(frozen=True)
class WardResult:
    """A ward at the end of the campaign against the campaign's target for it (its own if
    the province set one, else the campaign's): per group (people paid, paid cashless)."""

    code: str
    groups: dict[str, tuple[int, int]]
    goals: dict[str, int]  # basis points
    converted: int  # cash recipients who switched and were first paid cashless (the funnel)

    def share(self, group: str) -> int | None:
        people, cashless = self.groups.get(group, (0, 0))
        return shares.share_bp(cashless, people)

    @property
    def judged(self) -> list[str]:
        """The groups with someone paid: those the target is judged on."""
        return [g for g in queries.GROUPS if self.groups.get(g, (0, 0))[0]]

    @property
    def met(self) -> bool:
        return bool(self.judged) and all(
            shares.met(self.groups[g][1], self.groups[g][0], self.goals[g]) for g in self.judged)

    @property
    def still_needed(self) -> int:
        return sum(shares.still_needed(self.groups[g][1], self.groups[g][0], self.goals[g])
                   for g in self.judged)

    @property
    def shares_text(self) -> str:
        """``hàng tháng 92,5 %; một lần 100,0 %``: the groups judged."""
        return "; ".join(f"{'hàng tháng' if g == 'monthly' else 'một lần'} "
                         f"{shares.percent_text(self.share(g))}" for g in self.judged)

    @property
    def far_below(self) -> bool:
        return any((self.share(g) or 0) < self.goals[g] - FAR_BELOW_BP for g in self.judged)


def _campaign_goals(campaign: Campaign) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """The campaign's targets in basis points, and each ward's own where set."""
    default = {"monthly": campaign.target_monthly_pct * 100,
               "one_time": campaign.target_one_time_pct * 100}
    own = {t.ward_code: {"monthly": t.target_monthly_pct * 100,
                         "one_time": t.target_one_time_pct * 100}
           for t in WardTarget.objects.using(reporting_db()).filter(campaign=campaign)}
    return default, own


def _funnels(campaign: Campaign) -> dict[str, Funnel]:
    """The outreach funnel of each ward of the province that has people."""
    wards = (Beneficiary.objects.using(reporting_db())
             .filter(province_code=campaign.province_code)
             .values_list("ward_code", flat=True).distinct().order_by("ward_code"))
    return {code: funnel(campaign, code) for code in wards}


def _funnel_total(parts: list[Funnel]) -> Funnel:
    return Funnel(**{f.name: sum(getattr(p, f.name) for p in parts) for f in fields(Funnel)})


def _ward_results(area: Area, span: CampaignSpan, funnels: dict[str, Funnel]
                  ) -> list[WardResult]:
    """The wards paid in the campaign's last counted month, best monthly share first (the
    wards with no monthly recipient last)."""
    default, own = _campaign_goals(span.campaign)
    results = [WardResult(code, groups, own.get(code, default),
                          funnels[code].converted if code in funnels else 0)
               for code, groups in queries.groups_by_ward(area, span.end).items()]
    def key(r: WardResult) -> tuple[int, str]:
        share = r.share("monthly")
        return (-(share if share is not None else -1), r.code)

    return sorted(results, key=key)


def _points_text(delta_bp: int | None) -> str:
    """A change of share: ``+12,5 điểm %``."""
    if delta_bp is None:
        return "—"
    sign = "+" if delta_bp > 0 else "-" if delta_bp < 0 else ""
    return sign + shares.percent_text(abs(delta_bp)).replace(" %", " điểm %")


def _delta(before: int | None, after: int | None) -> int | None:
    return None if before is None or after is None else after - before


def _start_end_table(start: queries.MonthKpi | None, end: queries.MonthKpi) -> Table:
    """Per group: the month before the campaign, its last month and the change."""
    rows: list[tuple[str | int, ...]] = []
    for group in queries.GROUPS:
        e = end.groups[group]
        figures = [(f"Cuối kỳ: {end.period:%m/%Y}", e)]
        if start is not None:
            figures.insert(0, (f"Đầu kỳ: {start.period:%m/%Y}", start.groups[group]))
        for when, g in figures:
            rows.append((GROUP_LABELS[group], when, g.people, g.cashless_people,
                         shares.percent_text(g.people_bp), g.amount, g.cashless_amount,
                         shares.percent_text(g.amount_bp)))
        if start is not None:
            s = start.groups[group]
            rows.append((GROUP_LABELS[group], "Thay đổi", e.people - s.people,
                         e.cashless_people - s.cashless_people,
                         _points_text(_delta(s.people_bp, e.people_bp)),
                         e.amount - s.amount, e.cashless_amount - s.cashless_amount,
                         _points_text(_delta(s.amount_bp, e.amount_bp))))
    return Table(("Nhóm chế độ", "Thời điểm", "Số người đã nhận", "Nhận không dùng tiền mặt",
                  "Tỷ lệ theo người", "Số tiền đã chi (đồng)",
                  "Chi không dùng tiền mặt (đồng)", "Tỷ lệ theo số tiền"), tuple(rows),
                 (False, False, True, True, True, True, True, True))


def _conversion_table(start: queries.MonthKpi | None, end: queries.MonthKpi) -> Table:
    """Per group: paid cashless then and now, and with a cashless account on file (the
    registry when each month was counted) then and now."""
    def pair(then: int | None, now: int) -> tuple[str | int, str | int, str | int]:
        return ("—" if then is None else then, now, "—" if then is None else now - then)

    rows = []
    for group in queries.GROUPS:
        e, s = end.groups[group], start.groups[group] if start else None
        rows.append((GROUP_LABELS[group],
                     *pair(s.cashless_people if s else None, e.cashless_people),
                     *pair(s.registered_cashless if s else None, e.registered_cashless)))
    before = f"tháng {start.period:%m/%Y}" if start else "đầu chiến dịch"
    after = f"tháng {end.period:%m/%Y}"
    return Table(("Nhóm chế độ", f"Nhận qua tài khoản {before}",
                  f"Nhận qua tài khoản {after}", "Tăng thêm",
                  f"Có tài khoản trên hồ sơ {before}", f"Có tài khoản trên hồ sơ {after}",
                  "Tăng thêm"), tuple(rows), (False, True, True, True, True, True, True))


def _ward_table(results: list[WardResult]) -> Table:
    rows = []
    for n, r in enumerate(results, 1):
        people, cashless = r.groups.get("monthly", (0, 0))
        verdict = ("Đạt" if r.met else f"Chưa đạt, thiếu {r.still_needed} người"
                   if r.judged else "—")
        rows.append((n, ward_name(r.code), people, cashless,
                     shares.percent_text(r.share("monthly")),
                     shares.percent_text(r.share("one_time")),
                     f"{goal_text(r.goals['monthly'])}; {goal_text(r.goals['one_time'])}",
                     r.converted, verdict))
    return Table(("STT", "Phường/xã", "Số người hưởng hàng tháng đã nhận",
                  "Nhận không dùng tiền mặt", "Tỷ lệ hàng tháng",
                  "Tỷ lệ một lần, ngắn hạn", "Chỉ tiêu (hàng tháng; một lần)",
                  "Đã chuyển đổi trong chiến dịch", "Đánh giá"), tuple(rows),
                 (True, False, True, True, True, True, False, True, False))


def _funnel_section(total: Funnel) -> Section:
    rows = tuple((label, n, shares.percent_text(shares.share_bp(n, total.cash_at_start)))
                 for _key, label, n in total.as_rows())
    svg = charts.funnel([charts.Step(label, n) for _key, label, n in total.as_rows()],
                        id_prefix="funnel", title="Từ tiền mặt đến nhận qua tài khoản")
    return Section("Kết quả vận động (các bước chuyển đổi, toàn tỉnh)",
                   paragraphs=("Số liệu tính từ dữ liệu tiếp xúc, giới thiệu mở tài khoản và "
                               "đối soát chi trả, không do nhập tay; chỉ người đã nhận lần "
                               "đầu qua tài khoản được tính là đã chuyển đổi.",),
                   table=Table(("Bước", "Số người", "Tỷ lệ so với số nhận tiền mặt khi vào "
                                "chiến dịch"), rows, (False, True, True)),
                   chart_svg=svg, chart_caption="Các bước từ tiền mặt đến nhận qua tài khoản")


def _dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _commendation(area: Area, results: list[WardResult]) -> Section:
    best = [r for r in results if r.met]
    if not best:
        return Section("III. Đề xuất khen thưởng", paragraphs=(
            "Chưa có phường/xã nào đạt chỉ tiêu của chiến dịch; chưa đề xuất khen thưởng.",))
    teams = dict(WorkTeam.objects.using(reporting_db())
                 .filter(ward_code__in=[r.code for r in best]).values_list("ward_code", "name"))
    lines = [f"Đề nghị Ủy ban nhân dân {province_name(area)} khen thưởng các phường/xã đạt "
             "chỉ tiêu của chiến dịch: " + ", ".join(
                 f"{ward_name(r.code)} ({r.shares_text})"
                 for r in best) + "."]
    if teams:
        lines.append("Đề nghị khen thưởng các tổ công tác của các phường/xã trên: "
                     + ", ".join(teams[r.code] for r in best if r.code in teams) + ".")
    return Section("III. Đề xuất khen thưởng", paragraphs=tuple(lines))


def _problems(results: list[WardResult], total: Funnel) -> Section:
    far = [r for r in results if r.far_below]
    behind = [r for r in results if r.judged and not r.met and not r.far_below]
    lines = []
    if far:
        lines.append("Các phường/xã còn thấp hơn chỉ tiêu từ 10 điểm % trở lên: " + "; ".join(
            f"{ward_name(r.code)} ({r.shares_text}, còn "
            f"{_dots(r.still_needed)} người cần chuyển đổi)" for r in far)
            + ". Đề nghị Ủy ban nhân dân các phường/xã này tiếp tục chỉ đạo tổ công tác vận "
              "động người hưởng mở tài khoản.")
    if behind:
        lines.append("Các phường/xã chưa đạt chỉ tiêu: " + "; ".join(
            f"{ward_name(r.code)} (còn {_dots(r.still_needed)} người)" for r in behind) + ".")
    not_met = total.cash_at_start - total.contacted
    waiting = total.switched - total.converted
    if not_met:
        lines.append(f"Còn {_dots(not_met)} người nhận tiền mặt khi vào chiến dịch chưa được "
                     "gặp hoặc liên hệ.")
    if waiting:
        lines.append(f"{_dots(waiting)} người đã chuyển sang nhận qua tài khoản nhưng chưa "
                     "nhận lần đầu thành công; đề nghị đơn vị chi trả kiểm tra tài khoản.")
    if not lines:
        lines.append("Các phường/xã đều đạt chỉ tiêu của chiến dịch.")
    return Section("IV. Tồn tại, hạn chế và kiến nghị", paragraphs=tuple(lines))


def _people_change(area: Area, span: CampaignSpan) -> str:
    """The people paid cashless before and at the end, each once across the groups."""
    now_people, now_cashless = queries.people_all(area, span.end)
    now = f"{_dots(now_cashless)} trong số {_dots(now_people)} người"
    if span.start is None:
        return f"Tháng {span.end:%m/%Y} có {now} nhận qua tài khoản"
    then_people, then_cashless = queries.people_all(area, span.start)
    moved = _points_text(_delta(shares.share_bp(then_cashless, then_people),
                                shares.share_bp(now_cashless, now_people)))
    return (f"Số người nhận qua tài khoản {'tăng' if now_cashless >= then_cashless else 'giảm'}"
            f" từ {_dots(then_cashless)} trong số {_dots(then_people)} người (tháng "
            f"{span.start:%m/%Y}) {'lên' if now_cashless >= then_cashless else 'xuống'} {now} "
            f"(tháng {span.end:%m/%Y}; tỷ lệ {moved})")


def campaign_summary(area: Area, period: Period, day: date) -> AdminDocument:
    """The province's summary at the end of a campaign: the cashless shares before it (the
    last counted month before its first month) and at its end (its last counted month),
    the people converted, the outreach funnel, the wards against the campaign's target for
    each (a ward's own, else the campaign's; a ward meets it when every group with someone
    paid does), the wards and teams proposed for commendation and what remains to do."""
    span = campaign_span(area, period)
    c = span.campaign
    start = queries.month_kpi(area, span.start) if span.start else None
    end = queries.month_kpi(area, span.end)
    funnels = _funnels(c)
    total = _funnel_total(list(funnels.values()))
    results = _ward_results(area, span, funnels)
    peak = (f" (cao điểm từ ngày {c.peak_starts_on:%d/%m/%Y} đến ngày "
            f"{c.peak_ends_on:%d/%m/%Y})" if c.peak_starts_on and c.peak_ends_on else "")
    intro = (f"Chiến dịch “{c.name}” diễn ra từ ngày {c.starts_on:%d/%m/%Y} đến ngày "
             f"{c.ends_on:%d/%m/%Y}{peak}. Chỉ tiêu của chiến dịch: người hưởng hàng tháng "
             f"nhận không dùng tiền mặt trên {c.target_monthly_pct} %, người hưởng một lần, "
             f"ngắn hạn {c.target_one_time_pct} %. "
             + (f"Số liệu đầu chiến dịch là của tháng {span.start:%m/%Y} (tháng chi trả cuối "
                "cùng trước chiến dịch); " if span.start else
                "Không có tháng chi trả nào được tổng hợp trước chiến dịch; ")
             + f"số liệu cuối chiến dịch là của tháng {span.end:%m/%Y}.")
    converted = (_people_change(area, span) + f"; trong chiến dịch "
                 f"{_dots(total.converted)} người đang nhận tiền mặt đã chuyển sang và nhận "
                 "lần đầu qua tài khoản thành công. Mỗi người được tính một lần dù hưởng cả "
                 "hai nhóm chế độ.")
    bars = charts.share_bars(
        [charts.Bar(ward_name(r.code), r.share("monthly") or 0) for r in results
         if "monthly" in r.judged],
        target_bp=c.target_monthly_pct * 100, id_prefix="wards",
        title="Tỷ lệ theo phường/xã cuối chiến dịch (hưởng hàng tháng)")
    return bhxh(
        area, day, title=f"Tổng kết chiến dịch “{c.name}”, từ ngày "
                         f"{c.starts_on:%d/%m/%Y} đến ngày {c.ends_on:%d/%m/%Y}",
        addressee=f"Kính gửi: Ủy ban nhân dân {province_name(area)}",
        sections=(
            Section("I. Kết quả chung", paragraphs=(intro,),
                    table=_start_end_table(start, end)),
            Section("Số người chuyển sang nhận không dùng tiền mặt", paragraphs=(converted,),
                    table=_conversion_table(start, end)),
            _funnel_section(total),
            Section("II. Kết quả theo phường/xã so với chỉ tiêu của chiến dịch",
                    table=_ward_table(results),
                    chart_svg=bars if results else None,
                    chart_caption="Đường đứt: chỉ tiêu của chiến dịch"),
            trend_section(area, span.end),
            _commendation(area, results),
            _problems(results, total)),
        recipients=(f"Ủy ban nhân dân {province_name(area)};", "BHXH Việt Nam;",
                    "Lưu: VT, KHTC."))
