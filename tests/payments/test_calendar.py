from datetime import date

import pytest

from chitra.payments.calendar import (
    counter_window,
    default_ward_day,
    is_working_day,
    next_working_day,
    payment_point_date,
    transfer_date,
)


def test_transfer_date_skips_new_year_and_weekend():
    # 1 Jan 2028 is a Saturday; the holiday is observed on Monday 3 Jan → Tuesday 4 Jan.
    assert transfer_date(date(2028, 1, 1)) == date(2028, 1, 4)


def test_tet_moves_payments_past_the_lunar_new_year():
    # Tết 2026: 16–20 Feb are holidays, then the weekend → Monday 23 Feb.
    assert not is_working_day(date(2026, 2, 17))
    assert next_working_day(date(2026, 2, 16)) == date(2026, 2, 23)


def test_weekday_without_holiday_stays():
    assert transfer_date(date(2026, 12, 1)) == date(2026, 12, 1)  # a Tuesday


def test_national_day_moves_payment_point_date():
    # 2 Sep 2026 (Wednesday) is National Day → 3 Sep.
    assert payment_point_date(date(2026, 9, 1), 2) == date(2026, 9, 3)


def test_payment_point_day_must_be_2_to_10():
    with pytest.raises(ValueError, match="2–10"):
        payment_point_date(date(2026, 9, 1), 11)


def test_wards_spread_over_days_2_to_10():
    wards = [f"{n:05d}" for n in range(12)]
    days = [default_ward_day(wards, w) for w in wards]
    assert days[:9] == list(range(2, 11))
    assert days[9] == 2


def test_counter_window_days_11_to_25():
    # 11 Apr 2026 is a Saturday; 25 Apr a Saturday, 26–27 Apr Hùng Kings (observed).
    assert counter_window(date(2026, 4, 1)) == (date(2026, 4, 13), date(2026, 4, 28))
