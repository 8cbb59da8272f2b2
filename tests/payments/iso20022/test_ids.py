from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chitra.payments.iso20022 import Pain001Error, end_to_end_id, msg_id, parse_end_to_end_id
from chitra.payments.iso20022.ids import check_id, item_id_part

MAX_ITEM = 10**12 - 1  # 12 decimal digits: a trillion payment items
periods = st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)).map(
    lambda d: d.replace(day=1)
)
item_ids = st.integers(min_value=1, max_value=MAX_ITEM)


def test_end_to_end_id_is_period_and_base36_item_id() -> None:
    assert end_to_end_id(date(2025, 7, 1), 123456) == "CT202507000000123456"


def test_end_to_end_id_has_a_fixed_width() -> None:
    assert len(end_to_end_id(date(2025, 7, 1), 1)) == len(end_to_end_id(date(2025, 7, 1), MAX_ITEM))


@given(period=periods, item_id=item_ids)
def test_end_to_end_id_fits_max35text_and_round_trips(period: date, item_id: int) -> None:
    value = end_to_end_id(period, item_id)

    assert len(value) <= 35
    assert check_id(value, "EndToEndId") == value
    assert parse_end_to_end_id(value) == (period, item_id)


@given(a=st.tuples(periods, item_ids), b=st.tuples(periods, item_ids))
def test_end_to_end_id_is_injective(a: tuple[date, int], b: tuple[date, int]) -> None:
    if a != b:
        assert end_to_end_id(*a) != end_to_end_id(*b)


def test_end_to_end_id_ignores_the_day_of_the_period() -> None:
    assert end_to_end_id(date(2025, 7, 31), 5) == end_to_end_id(date(2025, 7, 1), 5)


@pytest.mark.parametrize("item_id", [0, -1, 36**13, True])
def test_end_to_end_id_refuses_impossible_item_ids(item_id: int) -> None:
    with pytest.raises(Pain001Error):
        end_to_end_id(date(2025, 7, 1), item_id)


@pytest.mark.parametrize(
    "value",
    ["", "CT202507", "XX2025070000000002N9C", "CT202513000000123456", "CT202507000000000000"],
)
def test_foreign_end_to_end_ids_parse_to_none(value: str) -> None:
    assert parse_end_to_end_id(value) is None


def test_msg_id_is_readable_and_fits() -> None:
    value = msg_id("01", date(2025, 7, 1), "VCB", 2)

    assert value == "BHXH-01-202507-VCB-0002"
    assert len(msg_id("999", date(2025, 7, 1), "A" * 12, 9999)) <= 35


@pytest.mark.parametrize(
    ("province", "provider", "sequence"),
    [
        ("1234", "VCB", 1),
        ("01", "vcb", 1),
        ("01", "V-CB", 1),
        ("01", "VCB", 0),
        ("01", "VCB", 10000),
    ],
)
def test_msg_id_refuses_codes_that_would_not_fit(
    province: str, provider: str, sequence: int
) -> None:
    with pytest.raises(Pain001Error):
        msg_id(province, date(2025, 7, 1), provider, sequence)


@given(period=periods, item_id=item_ids)
def test_item_id_part_reads_the_item_of_any_id_of_ours(period: date, item_id: int) -> None:
    assert item_id_part(end_to_end_id(period, item_id)) == item_id


@pytest.mark.parametrize("value", ["", "CT2025070000001234567", "ct202507000000123456",
                                   "XX202507000000123456", "CT20250700000012345٣",
                                   " CT202507000000123456"])
def test_item_id_part_is_none_for_other_shapes(value: str) -> None:
    assert item_id_part(value) is None
