"""What the official reports (:mod:`chitra.reporting.reports`) share: the period a report
covers, the BHXH office's document around it, the table of KPIs per benefit group, the
month's summary sentence, the 12-month trend chart, the names of places and whether a ward
is urban."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.errors import DomainError
from chitra.reporting import charts, queries, shares
from chitra.reporting.documents import AdminDocument, Section, Table
from chitra.reporting.queries import Area

GROUP_LABELS = {"monthly": "Hưởng hàng tháng", "one_time": "Hưởng một lần, ngắn hạn"}


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


def province_name(area: Area) -> str:
    return current_provinces().get(area.province_code or "", area.province_code or "")


def _place(area: Area) -> str:
    return province_name(area).removeprefix("Tỉnh ").removeprefix("Thành phố ")


def ward_name(code: str) -> str:
    ward = current_wards().get(code)
    return ward.name if ward else code


def bhxh(area: Area, day: date, *, title: str, addressee: str,
         sections: tuple[Section, ...], recipients: tuple[str, ...]) -> AdminDocument:
    """A report of the province's BHXH office, its number left to fill in by hand."""
    return AdminDocument(
        issuer_parent="BẢO HIỂM XÃ HỘI VIỆT NAM",
        issuer=f"BẢO HIỂM XÃ HỘI {province_name(area).upper()}",
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
                     shares.percent_text(g.amount_bp), goal_text(g.goal.people_bp),
                     "Đạt" if g.met else f"Thiếu {g.still_needed} người" if g.people else "—"))
    return Table(("Nhóm chế độ", "Số người đã nhận", "Nhận không dùng tiền mặt",
                  "Tỷ lệ theo người", "Số tiền đã chi (đồng)", "Chi không dùng tiền mặt (đồng)",
                  "Tỷ lệ theo số tiền", "Chỉ tiêu", "Đánh giá"), tuple(rows),
                 (False, True, True, True, True, True, True, False, False))


def goal_text(bp: int) -> str:
    """A target in basis points as the documents write it: ``> 90,0 %`` or ``100 %``."""
    return "100 %" if bp >= shares.FULL else f"> {shares.percent_text(bp)}"


def summary(kpi: queries.MonthKpi, where: str) -> str:
    m = kpi.groups["monthly"]
    o = kpi.groups["one_time"]
    return (f"Trong tháng {kpi.period:%m/%Y}, {where} đã chi trả cho {_dots(m.people)} người "
            f"hưởng hàng tháng, trong đó {_dots(m.cashless_people)} người nhận qua tài khoản "
            f"({shares.percent_text(m.people_bp)}); {_dots(o.people)} người hưởng một lần, "
            f"ngắn hạn, trong đó {_dots(o.cashless_people)} người nhận qua tài khoản "
            f"({shares.percent_text(o.people_bp)}).")


def _dots(n: int) -> str:
    """1234567 → ``1.234.567`` (Vietnamese thousands)."""
    return f"{n:,}".replace(",", ".")


def trend_section(area: Area, last: date) -> Section:
    points = [charts.Point(f"{m:%m/%Y}", bp)
              for m, bp in queries.trend(area, "monthly", last) if bp is not None]
    target = queries.month_kpi(area, last).groups["monthly"].goal.people_bp
    return Section("Diễn biến tỷ lệ nhận không dùng tiền mặt (hưởng hàng tháng)",
                   chart_svg=charts.trend(points, target_bp=target, id_prefix="trend",
                                          title="Tỷ lệ theo tháng"),
                   chart_caption="Tỷ lệ người hưởng hàng tháng nhận qua tài khoản, 12 tháng")


def urban(ward_code: str) -> bool:
    """Urban or rural by the kind of administrative unit: a phường is urban; a xã or a
    đặc khu rural."""
    return ward_name(ward_code).startswith("Phường")
