"""Payment calendar (DESIGN §6, Decision 166/QĐ-BHXH practice).

Account transfers from the first working day of the month; payment points on days 2–10
(each ward on its day); post-office counters days 11–25. A date on a weekend or a public
holiday (lunar Tết included, from the maintained ``holidays`` library) moves to the next
working day.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import holidays

PAYMENT_POINT_DAYS = range(2, 11)
COUNTER_DAYS = (11, 25)


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def transfer_date(period: date) -> date:
    """The day account transfers are requested for: the first working day of the month."""
    return next_working_day(period.replace(day=1))


def default_ward_day(ward_codes: list[str], ward_code: str) -> int:
    """Spread a province's wards over days 2–10 in code order, when none is configured."""
    index = sorted(ward_codes).index(ward_code)
    return PAYMENT_POINT_DAYS[index % len(PAYMENT_POINT_DAYS)]


def payment_point_date(period: date, day_of_month: int) -> date:
    if day_of_month not in PAYMENT_POINT_DAYS:
        raise ValueError(f"payment-point day must be 2–10, not {day_of_month}")
    return next_working_day(period.replace(day=day_of_month))


def counter_window(period: date) -> tuple[date, date]:
    return (next_working_day(period.replace(day=COUNTER_DAYS[0])),
            next_working_day(period.replace(day=COUNTER_DAYS[1])))
