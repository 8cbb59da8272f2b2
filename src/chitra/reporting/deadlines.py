"""When the reports are due, for the reminders on the dashboards: the monthly reports by
the 5th of the next month (the reporting rule the province sets for its campaign), the
annual report to the State Bank by 30 October."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

REMIND_DAYS = 14
MONTHLY_DUE_DAY = 5


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    days_left: int


def upcoming(today: date, *, ward: bool) -> list[Deadline]:
    """The reports of the area due within :data:`REMIND_DAYS` days, soonest first."""
    monthly = date(today.year, today.month, MONTHLY_DUE_DAY)
    if monthly < today:
        monthly = (date(today.year, today.month, 28) + timedelta(days=4)).replace(
            day=MONTHLY_DUE_DAY)
    found = [Deadline("Báo cáo tháng của phường/xã" if ward else "Báo cáo tháng của tỉnh",
                      monthly, (monthly - today).days)]
    if not ward:
        sbv = date(today.year, 10, 30)
        if sbv < today:
            sbv = date(today.year + 1, 10, 30)
        found.append(Deadline("Báo cáo năm gửi Ngân hàng Nhà nước", sbv, (sbv - today).days))
    return sorted((d for d in found if d.days_left <= REMIND_DAYS), key=lambda d: d.due)
