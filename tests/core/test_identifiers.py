from datetime import date

import pytest

from chitra.core.identifiers import Sex, check_bhxh_code, check_citizen_id, mask


def codes(problems):
    return [p.code for p in problems]


def test_valid_citizen_id_agrees_with_record():
    assert check_citizen_id("012058000123", date(1958, 3, 14), Sex.MALE) == []


@pytest.mark.parametrize("value", ["01205800012", "0120580001234", "01205800012a", "０12058000123"])
def test_citizen_id_must_be_twelve_ascii_digits(value):
    assert codes(check_citizen_id(value)) == ["citizen_id_format"]


def test_citizen_id_unknown_province_is_refused():
    assert codes(check_citizen_id("099058000123")) == ["citizen_id_province"]


def test_citizen_id_pre_reform_province_is_accepted():
    # 062 = old Kon Tum (merged into Quảng Ngãi in 2025): IDs do not change on mergers.
    assert check_citizen_id("062058000123") == []


def test_citizen_id_sex_digit_must_match():
    problems = check_citizen_id("012158000123", date(1958, 3, 14), Sex.MALE)
    assert codes(problems) == ["citizen_id_sex"]


def test_citizen_id_century_and_year_must_match():
    assert codes(check_citizen_id("012258000123", date(1958, 3, 14))) == ["citizen_id_century"]
    assert codes(check_citizen_id("012059000123", date(1958, 3, 14))) == ["citizen_id_birth_year"]


def test_female_born_2001():
    assert check_citizen_id("001301000001", date(2001, 5, 2), Sex.FEMALE) == []


@pytest.mark.parametrize(("value", "ok"), [("0123456789", True), ("012345678", False),
                                           ("01234567890", False), ("01234S6789", False)])
def test_bhxh_code_ten_digits(value, ok):
    assert (check_bhxh_code(value) == []) is ok


def test_mask_keeps_last_four():
    assert mask("012058000123") == "********0123"
    assert mask("123") == "***"
