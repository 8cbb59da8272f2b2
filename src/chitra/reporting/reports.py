"""The official reports (issue 15 item 4), as administrative documents built from the same
KPIs the dashboards show (:mod:`chitra.reporting.queries`): a ward's monthly report to the
province's People's Committee (through BHXH), the province's monthly summary with proposals
for commendation, the annual report to the State Bank (due 30 October) and the indicators of
Decision 241/QĐ-TTg and Resolution 02/NQ-CP (shares of people and of amounts paid cashless,
urban and rural), and the province's summary at the end of an outreach campaign
(:mod:`chitra.reporting.campaign_report`); the parts they share are in
:mod:`chitra.reporting.report_parts`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import BinaryIO

from django.utils import timezone, translation

from chitra.access.models import User
from chitra.core import audit
from chitra.core.admin_units import current_wards
from chitra.core.errors import DomainError, NotInScope
from chitra.reporting import charts, documents, queries, shares, targets
from chitra.reporting.areas import area_for
from chitra.reporting.campaign_report import campaign_summary
from chitra.reporting.documents import AdminDocument, Section, Table
from chitra.reporting.queries import Area
from chitra.reporting.report_parts import (
    Period,
    bhxh,
    kpi_table,
    parse_period,
    province_name,
    summary,
    trend_section,
    urban,
    ward_name,
)


class ReportKind(StrEnum):
    WARD_MONTHLY = "ward-monthly"
    PROVINCE_MONTHLY = "province-monthly"
    ANNUAL_SBV = "annual-sbv"
    DECISION_241 = "decision-241"
    CAMPAIGN_SUMMARY = "campaign-summary"


# What each kind needs: the level of its area, and a month or a year.
NEEDS = {ReportKind.WARD_MONTHLY: ("ward", "month"),
         ReportKind.PROVINCE_MONTHLY: ("province", "month"),
         ReportKind.ANNUAL_SBV: ("province", "year"),
         ReportKind.DECISION_241: ("province", "any"),
         # The month the campaign ends (or any month after: the latest ended by then).
         ReportKind.CAMPAIGN_SUMMARY: ("province", "month")}


def check(kind: ReportKind, area: Area, period: Period) -> None:
    level, span = NEEDS[kind]
    if (level == "ward") != (area.ward_code is not None) or area.province_code is None:
        raise DomainError("bad_area", "Báo cáo này lập cho "
                          + ("một phường/xã." if level == "ward" else "một tỉnh/thành phố."),
                          f"This report is made for a {level}.")
    if (span == "month" and period.month is None) or (span == "year" and period.month):
        raise DomainError("bad_period", "Báo cáo này lập theo "
                          + ("tháng (YYYY-MM)." if span == "month" else "năm (YYYY)."),
                          f"This report is made per {span}.")


def build(kind: ReportKind, area: Area, period: Period, today: date | None = None
          ) -> AdminDocument:
    check(kind, area, period)
    day = today or timezone.localdate()
    with translation.override("vi"):  # an administrative document, whatever the page's
        return {ReportKind.WARD_MONTHLY: _ward_monthly,
                ReportKind.PROVINCE_MONTHLY: _province_monthly,
                ReportKind.ANNUAL_SBV: _annual_sbv,
                ReportKind.DECISION_241: _decision_241,
                ReportKind.CAMPAIGN_SUMMARY: campaign_summary}[kind](area, period, day)


def _ward_monthly(area: Area, period: Period, day: date) -> AdminDocument:
    kpi = queries.month_kpi(area, period.first)
    ward = ward_name(area.ward_code or "")
    return bhxh(
        area, day, title=f"Kết quả chi trả không dùng tiền mặt {period.label} của {ward}",
        addressee=f"Kính gửi: Ủy ban nhân dân {province_name(area)}",
        sections=(Section("I. Kết quả", paragraphs=(summary(kpi, ward),),
                          table=kpi_table(kpi)),
                  trend_section(area, period.first)),
        recipients=(f"Ủy ban nhân dân {province_name(area)};", f"UBND {ward};",
                    "Lưu: VT."))


def _province_monthly(area: Area, period: Period, day: date) -> AdminDocument:
    kpi = queries.month_kpi(area, period.first)
    ranking = queries.ranking(area, period.first, "monthly")
    target = kpi.groups["monthly"].goal.people_bp
    rows = tuple((n, ward_name(code), people, cashless, shares.percent_text(bp))
                 for n, (code, people, cashless, bp) in enumerate(ranking, 1))
    # Each ward against its own target in force (as the dashboard's chips say).
    province = area.province_code or ""
    goals = targets.goals(period.year, [(province, code) for code, *_ in ranking], "monthly",
                          month=period.first)
    best = [ward_name(code) for code, people, cashless, _bp in ranking
            if shares.met(cashless, people, goals[(province, code)].people_bp)]
    bars = charts.share_bars([charts.Bar(ward_name(c), bp or 0) for c, _p, _c, bp in ranking],
                             target_bp=target, id_prefix="wards",
                             title="Tỷ lệ theo phường/xã (hưởng hàng tháng)")
    return bhxh(
        area, day, title=f"Kết quả chi trả không dùng tiền mặt {period.label}",
        addressee=f"Kính gửi: Ủy ban nhân dân {province_name(area)}",
        sections=(
            Section("I. Kết quả chung", paragraphs=(summary(kpi, province_name(area)),),
                    table=kpi_table(kpi)),
            Section("II. Theo phường/xã (hưởng hàng tháng)",
                    table=Table(("STT", "Phường/xã", "Số người đã nhận",
                                 "Nhận không dùng tiền mặt", "Tỷ lệ"), rows,
                                (True, False, True, True, True)),
                    chart_svg=bars if ranking else None,
                    chart_caption="Đường đứt: chỉ tiêu"),
            trend_section(area, period.first),
            Section("III. Đề xuất khen thưởng", paragraphs=(
                ("Đề nghị khen thưởng các phường/xã đạt chỉ tiêu: " + ", ".join(best) + ".")
                if best else "Chưa có phường/xã nào đạt chỉ tiêu trong tháng.",))),
        recipients=(f"Ủy ban nhân dân {province_name(area)};", "BHXH Việt Nam;",
                    "Lưu: VT, KHTC."))


def _annual_sbv(area: Area, period: Period, day: date) -> AdminDocument:
    """Each month of the year: the people paid, each counted once whatever the number of
    their benefit groups (a pensioner also paid a sickness benefit that month is one
    person), and of them those paid cashless — at least one item of the month paid through
    an account; the amounts are every item's."""
    rows = []
    for m in period.months():
        g = queries.month_kpi(area, m).groups
        people, cashless = queries.people_all(area, m)
        amount = sum(x.amount for x in g.values())
        cashless_amount = sum(x.cashless_amount for x in g.values())
        rows.append((f"{m:%m/%Y}", people, cashless, shares.percent_text(
            shares.share_bp(cashless, people)), amount, cashless_amount,
            shares.percent_text(shares.share_bp(cashless_amount, amount))))
    return bhxh(
        area, day, title=f"Tình hình chi trả lương hưu, trợ cấp BHXH không dùng tiền mặt "
                         f"{period.label}",
        addressee="Kính gửi: Ngân hàng Nhà nước Việt Nam, chi nhánh khu vực",
        sections=(Section("Số liệu theo tháng", table=Table(
            ("Tháng", "Số người đã nhận", "Nhận qua tài khoản", "Tỷ lệ theo người",
             "Số tiền đã chi (đồng)", "Chi qua tài khoản (đồng)", "Tỷ lệ theo số tiền"),
            tuple(rows), (False, True, True, True, True, True, True))),),
        recipients=("Như trên;", "BHXH Việt Nam;", "Lưu: VT, KHTC."))


def _decision_241(area: Area, period: Period, day: date) -> AdminDocument:
    """Urban and rural: the people paid in a month counted once whatever their benefit
    groups (cashless: at least one item of the month through an account), as in the annual
    report; over a year the months add up, so the figure is person-months ("lượt người")
    and the share is of them."""
    totals = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}  # people, cashless, amount, cashless
    for m in period.months():
        for code, people, cashless in queries.people_all_by_ward(area, m):
            t = totals[urban(code)]
            t[0] += people
            t[1] += cashless
        for code, amount, cashless_amount in queries.amounts_by_ward(area, m):
            t = totals[urban(code)]
            t[2] += amount
            t[3] += cashless_amount
    rows = []
    for label, t in (("Thành thị (phường)", totals[True]), ("Nông thôn (xã, đặc khu)",
                                                            totals[False])):
        rows.append((label, t[0], t[1], shares.percent_text(shares.share_bp(t[1], t[0])),
                     t[2], t[3], shares.percent_text(shares.share_bp(t[3], t[2]))))
    all_ = [a + b for a, b in zip(totals[True], totals[False], strict=True)]
    rows.append(("Tổng cộng", all_[0], all_[1],
                 shares.percent_text(shares.share_bp(all_[1], all_[0])), all_[2], all_[3],
                 shares.percent_text(shares.share_bp(all_[3], all_[2]))))
    return bhxh(
        area, day, title=f"Kết quả thực hiện chỉ tiêu thanh toán không dùng tiền mặt theo "
                         f"Quyết định 241/QĐ-TTg và Nghị quyết 02/NQ-CP, {period.label}",
        addressee=f"Kính gửi: Ủy ban nhân dân {province_name(area)}",
        sections=(Section("Tỷ lệ người hưởng và số tiền chi trả không dùng tiền mặt", table=Table(
            ("Khu vực", "Số người đã nhận" if period.month else
             "Lượt người đã nhận (cộng các tháng)", "Nhận qua tài khoản", "Tỷ lệ theo người",
             "Số tiền đã chi (đồng)", "Chi qua tài khoản (đồng)", "Tỷ lệ theo số tiền"),
            tuple(rows), (False, True, True, True, True, True, True))),),
        recipients=(f"Ủy ban nhân dân {province_name(area)};", "BHXH Việt Nam;",
                    "Lưu: VT, KHTC."))


def area_of_code(user: User, code: str) -> Area:
    """``12`` (a province) or ``00004`` (a ward), as the user may see it."""
    code = code.strip()
    if len(code) == 5 and code.isdigit():
        ward = current_wards().get(code)
        if ward is None:
            raise NotInScope
        return area_for(user, ward.province_code, code)
    if len(code) == 2 and code.isdigit():
        return area_for(user, code)
    raise NotInScope


def make(user: User, kind: str, area: Area, period_text: str, fmt: str,
         out: BinaryIO) -> AdminDocument:
    """Build the report and write it in ``fmt``; every input checked before a byte is
    written (an area outside the user's answers as one that does not exist)."""
    try:
        report = ReportKind(kind)
    except ValueError:
        raise DomainError("bad_kind", f"Không có loại báo cáo {kind[:30]!r}.",
                          f"No report kind {kind[:30]!r}.") from None
    if fmt not in documents.FORMATS:
        raise DomainError("bad_format", "Định dạng phải là xlsx, pdf hoặc docx.",
                          "The format must be xlsx, pdf or docx.")
    doc = build(report, area, parse_period(period_text))
    documents.write(doc, fmt, out)
    audit.record(user.username, "report.make", "report", kind, after={
        "province": area.province_code, "ward": area.ward_code, "period": period_text,
        "format": fmt})
    return doc
