"""The official reports (issue 15 item 4), as administrative documents built from the same
KPIs the dashboards show (:mod:`chitra.reporting.queries`): a ward's monthly report to the
province's People's Committee (through BHXH), the province's monthly summary with proposals
for commendation, the annual report to the State Bank (due 30 October) and the indicators of
Decision 241/QĐ-TTg and Resolution 02/NQ-CP (shares of people and of amounts paid cashless,
urban and rural)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import BinaryIO

from django.utils import timezone

from chitra.access.models import User
from chitra.core import audit
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.errors import DomainError, NotInScope
from chitra.reporting import charts, documents, queries, shares, targets
from chitra.reporting.areas import area_for
from chitra.reporting.documents import AdminDocument, Section, Table
from chitra.reporting.queries import Area, GroupKpi

GROUP_LABELS = {"monthly": "Hưởng hàng tháng", "one_time": "Hưởng một lần, ngắn hạn"}


class ReportKind(StrEnum):
    WARD_MONTHLY = "ward-monthly"
    PROVINCE_MONTHLY = "province-monthly"
    ANNUAL_SBV = "annual-sbv"
    DECISION_241 = "decision-241"


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``) or a year (``2026``)."""

    year: int
    month: int | None = None

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month or 12, 1)

    @property
    def label(self) -> str:
        return f"tháng {self.month:02d}/{self.year}" if self.month else f"năm {self.year}"

    @property
    def label_slug(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}"

    def months(self) -> list[date]:
        return [date(self.year, m, 1) for m in ([self.month] if self.month else range(1, 13))]


def parse_period(text: str) -> Period:
    """``YYYY-MM`` or ``YYYY``; a clear error otherwise."""
    parts = text.strip().split("-") if text.strip().isascii() else []
    try:
        if (len(parts) == 1 and len(parts[0]) == 4 and parts[0].isdigit()
                and 2000 <= int(parts[0]) <= 2100):
            return Period(int(parts[0]))
        if (len(parts) == 2 and len(parts[0]) == 4 and len(parts[1]) == 2
                and parts[0].isdigit() and parts[1].isdigit()):
            year, month = int(parts[0]), int(parts[1])
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return Period(year, month)
    except ValueError:
        pass
    raise DomainError("bad_period", "Kỳ báo cáo không hợp lệ (YYYY-MM hoặc YYYY, năm 2000–2100).",
                      "Invalid report period (YYYY-MM or YYYY, years 2000–2100).")


# What each kind needs: the level of its area, and a month or a year.
NEEDS = {ReportKind.WARD_MONTHLY: ("ward", "month"),
         ReportKind.PROVINCE_MONTHLY: ("province", "month"),
         ReportKind.ANNUAL_SBV: ("province", "year"),
         ReportKind.DECISION_241: ("province", "any")}


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
    return {ReportKind.WARD_MONTHLY: _ward_monthly,
            ReportKind.PROVINCE_MONTHLY: _province_monthly,
            ReportKind.ANNUAL_SBV: _annual_sbv,
            ReportKind.DECISION_241: _decision_241}[kind](area, period, day)


# --- the parts ----------------------------------------------------------------------------

def _province_name(area: Area) -> str:
    return current_provinces().get(area.province_code or "", area.province_code or "")


def _place(area: Area) -> str:
    return _province_name(area).removeprefix("Tỉnh ").removeprefix("Thành phố ")


def _ward_name(code: str) -> str:
    ward = current_wards().get(code)
    return ward.name if ward else code


def _bhxh(area: Area, day: date, *, title: str, addressee: str,
          sections: tuple[Section, ...], recipients: tuple[str, ...]) -> AdminDocument:
    """A report of the province's BHXH office, its number left to fill in by hand."""
    return AdminDocument(
        issuer_parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
        issuer=f"BẢO HIỂM XÃ HỘI {_province_name(area).upper()}",
        number="Số:        /BC-BHXH", place=_place(area), issued_on=day, kind_title="BÁO CÁO",
        title=title, addressee=addressee, sections=sections, recipients=recipients,
        signer_title="GIÁM ĐỐC")


def kpi_table(kpi: queries.MonthKpi) -> Table:
    """Per benefit group: people paid, of them cashless and the share; amounts likewise; the
    target in force and whether it is met."""
    rows = []
    for g in kpi.groups.values():
        rows.append((GROUP_LABELS[g.group], g.people, g.cashless_people,
                     shares.percent_text(g.people_bp), g.amount, g.cashless_amount,
                     shares.percent_text(g.amount_bp), _target_text(g),
                     "Đạt" if g.met else f"Thiếu {g.still_needed} người" if g.people else "—"))
    return Table(("Nhóm chế độ", "Số người đã nhận", "Nhận không dùng tiền mặt",
                  "Tỷ lệ theo người", "Số tiền đã chi (đồng)", "Chi không dùng tiền mặt (đồng)",
                  "Tỷ lệ theo số tiền", "Chỉ tiêu", "Đánh giá"), tuple(rows),
                 (False, True, True, True, True, True, True, False, False))


def _target_text(g: GroupKpi) -> str:
    bp = g.goal.people_bp
    return "100 %" if bp >= shares.FULL else f"> {shares.percent_text(bp)}"


def _summary(kpi: queries.MonthKpi, where: str) -> str:
    m = kpi.groups["monthly"]
    o = kpi.groups["one_time"]
    return (f"Trong tháng {kpi.period:%m/%Y}, {where} đã chi trả cho {m.people:,} người hưởng "
            f"hàng tháng, trong đó {m.cashless_people:,} người nhận qua tài khoản "
            f"({shares.percent_text(m.people_bp)}); {o.people:,} người hưởng một lần, ngắn hạn, "
            f"trong đó {o.cashless_people:,} người nhận qua tài khoản "
            f"({shares.percent_text(o.people_bp)}).").replace(",", ".")


def _trend_section(area: Area, last: date) -> Section:
    points = [charts.Point(f"{m:%m/%Y}", bp)
              for m, bp in queries.trend(area, "monthly", last) if bp is not None]
    target = queries.month_kpi(area, last).groups["monthly"].goal.people_bp
    return Section("Diễn biến tỷ lệ nhận không dùng tiền mặt (hưởng hàng tháng)",
                   chart_svg=charts.trend(points, target_bp=target, id_prefix="trend",
                                          title="Tỷ lệ theo tháng"),
                   chart_caption="Tỷ lệ người hưởng hàng tháng nhận qua tài khoản, 12 tháng")


def _ward_monthly(area: Area, period: Period, day: date) -> AdminDocument:
    kpi = queries.month_kpi(area, period.first)
    ward = _ward_name(area.ward_code or "")
    return _bhxh(
        area, day, title=f"Kết quả chi trả không dùng tiền mặt {period.label} của {ward}",
        addressee=f"Kính gửi: Ủy ban nhân dân {_province_name(area)}",
        sections=(Section("I. Kết quả", paragraphs=(_summary(kpi, ward),),
                          table=kpi_table(kpi)),
                  _trend_section(area, period.first)),
        recipients=(f"Ủy ban nhân dân {_province_name(area)};", f"UBND {ward};",
                    "Lưu: VT."))


def _province_monthly(area: Area, period: Period, day: date) -> AdminDocument:
    kpi = queries.month_kpi(area, period.first)
    ranking = queries.ranking(area, period.first, "monthly")
    target = kpi.groups["monthly"].goal.people_bp
    rows = tuple((n, _ward_name(code), people, cashless, shares.percent_text(bp))
                 for n, (code, people, cashless, bp) in enumerate(ranking, 1))
    # Each ward against its own target in force (as the dashboard's chips say).
    best = [_ward_name(code) for code, people, cashless, _bp in ranking
            if shares.met(cashless, people, targets.goal(period.year, area.province_code or "",
                                                         code, "monthly").people_bp)]
    bars = charts.share_bars([charts.Bar(_ward_name(c), bp or 0) for c, _p, _c, bp in ranking],
                             target_bp=target, id_prefix="wards",
                             title="Tỷ lệ theo phường/xã (hưởng hàng tháng)")
    return _bhxh(
        area, day, title=f"Kết quả chi trả không dùng tiền mặt {period.label}",
        addressee=f"Kính gửi: Ủy ban nhân dân {_province_name(area)}",
        sections=(
            Section("I. Kết quả chung", paragraphs=(_summary(kpi, _province_name(area)),),
                    table=kpi_table(kpi)),
            Section("II. Theo phường/xã (hưởng hàng tháng)",
                    table=Table(("STT", "Phường/xã", "Số người đã nhận",
                                 "Nhận không dùng tiền mặt", "Tỷ lệ"), rows,
                                (True, False, True, True, True)),
                    chart_svg=bars if ranking else None,
                    chart_caption="Đường đứt: chỉ tiêu"),
            _trend_section(area, period.first),
            Section("III. Đề xuất khen thưởng", paragraphs=(
                ("Đề nghị khen thưởng các phường/xã đạt chỉ tiêu: " + ", ".join(best) + ".")
                if best else "Chưa có phường/xã nào đạt chỉ tiêu trong tháng.",))),
        recipients=(f"Ủy ban nhân dân {_province_name(area)};", "BHXH Việt Nam;",
                    "Lưu: VT, KHTC."))


def _annual_sbv(area: Area, period: Period, day: date) -> AdminDocument:
    rows = []
    for m in period.months():
        g = queries.month_kpi(area, m).groups
        people = sum(x.people for x in g.values())
        cashless = sum(x.cashless_people for x in g.values())
        amount = sum(x.amount for x in g.values())
        cashless_amount = sum(x.cashless_amount for x in g.values())
        rows.append((f"{m:%m/%Y}", people, cashless, shares.percent_text(
            shares.share_bp(cashless, people)), amount, cashless_amount,
            shares.percent_text(shares.share_bp(cashless_amount, amount))))
    return _bhxh(
        area, day, title=f"Tình hình chi trả lương hưu, trợ cấp BHXH không dùng tiền mặt "
                         f"{period.label}",
        addressee="Kính gửi: Ngân hàng Nhà nước Việt Nam, chi nhánh khu vực",
        sections=(Section("Số liệu theo tháng", table=Table(
            ("Tháng", "Số người đã nhận", "Nhận qua tài khoản", "Tỷ lệ theo người",
             "Số tiền đã chi (đồng)", "Chi qua tài khoản (đồng)", "Tỷ lệ theo số tiền"),
            tuple(rows), (False, True, True, True, True, True, True))),),
        recipients=("Như trên;", "BHXH Việt Nam;", "Lưu: VT, KHTC."))


def urban(ward_code: str) -> bool:
    """Urban or rural by the kind of administrative unit: a phường is urban; a xã or a
    đặc khu rural."""
    return _ward_name(ward_code).startswith("Phường")


def _decision_241(area: Area, period: Period, day: date) -> AdminDocument:
    totals = {True: [0, 0, 0, 0], False: [0, 0, 0, 0]}  # people, cashless, amount, cashless
    for m in period.months():
        for code, groups in queries.groups_by_ward(area, m).items():
            t = totals[urban(code)]
            for people, cashless in groups.values():
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
    return _bhxh(
        area, day, title=f"Kết quả thực hiện chỉ tiêu thanh toán không dùng tiền mặt theo "
                         f"Quyết định 241/QĐ-TTg và Nghị quyết 02/NQ-CP, {period.label}",
        addressee=f"Kính gửi: Ủy ban nhân dân {_province_name(area)}",
        sections=(Section("Tỷ lệ người hưởng và số tiền chi trả không dùng tiền mặt", table=Table(
            ("Khu vực", "Lượt người đã nhận", "Nhận qua tài khoản", "Tỷ lệ theo người",
             "Số tiền đã chi (đồng)", "Chi qua tài khoản (đồng)", "Tỷ lệ theo số tiền"),
            tuple(rows), (False, True, True, True, True, True, True))),),
        recipients=(f"Ủy ban nhân dân {_province_name(area)};", "BHXH Việt Nam;",
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
