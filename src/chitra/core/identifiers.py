"""Structural checks of personal IDs and legacy BHXH codes (DESIGN §6).

The 12-digit personal ID has no check digit: 3 digits province of birth registration,
1 digit century+sex, 2 digits birth year, 6 random digits. Validation is structural plus
agreement with the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chitra.core.admin_units import citizen_id_province_codes


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


# century+sex digit → (first year of the century, sex)
_CENTURY_SEX = {
    0: (1900, Sex.MALE), 1: (1900, Sex.FEMALE),
    2: (2000, Sex.MALE), 3: (2000, Sex.FEMALE),
    4: (2100, Sex.MALE), 5: (2100, Sex.FEMALE),
    6: (2200, Sex.MALE), 7: (2200, Sex.FEMALE),
    8: (1800, Sex.MALE), 9: (1800, Sex.FEMALE),
}


@dataclass(frozen=True)
class IdProblem:
    code: str
    message_vi: str
    message_en: str


def check_citizen_id(
    citizen_id: str, date_of_birth: date | None = None, sex: Sex | None = None
) -> list[IdProblem]:
    """Every way ``citizen_id`` fails to be a personal ID of this person; empty if it is one."""
    if len(citizen_id) != 12 or not citizen_id.isascii() or not citizen_id.isdigit():
        return [IdProblem("citizen_id_format", "Số định danh phải gồm đúng 12 chữ số.",
                          "Personal ID must be exactly 12 digits.")]
    problems = []
    if citizen_id[:3] not in citizen_id_province_codes():
        problems.append(IdProblem(
            "citizen_id_province",
            f"Mã tỉnh {citizen_id[:3]} trong số định danh không tồn tại.",
            f"Province code {citizen_id[:3]} in the personal ID does not exist."))
    century, id_sex = _CENTURY_SEX[int(citizen_id[3])]
    if sex is not None and id_sex != sex:
        problems.append(IdProblem(
            "citizen_id_sex", "Giới tính trong số định danh không khớp với hồ sơ.",
            "Sex encoded in the personal ID does not match the record."))
    if date_of_birth is not None:
        if date_of_birth.year - date_of_birth.year % 100 != century:
            problems.append(IdProblem(
                "citizen_id_century", "Thế kỷ sinh trong số định danh không khớp ngày sinh.",
                "Century of birth in the personal ID does not match the date of birth."))
        if int(citizen_id[4:6]) != date_of_birth.year % 100:
            problems.append(IdProblem(
                "citizen_id_birth_year", "Năm sinh trong số định danh không khớp ngày sinh.",
                "Birth year in the personal ID does not match the date of birth."))
    return problems


def century_sex_digit(date_of_birth: date, sex: Sex) -> int:
    """The 4th digit of the personal ID for a person born on ``date_of_birth``."""
    century = date_of_birth.year - date_of_birth.year % 100
    for digit, (c, s) in _CENTURY_SEX.items():
        if c == century and s == sex:
            return digit
    raise ValueError(f"no personal-ID century digit for {date_of_birth.year}")


def check_bhxh_code(code: str) -> list[IdProblem]:
    if len(code) != 10 or not code.isascii() or not code.isdigit():
        return [IdProblem("bhxh_code_format", "Mã số BHXH phải gồm đúng 10 chữ số.",
                          "Legacy BHXH code must be exactly 10 digits.")]
    return []


def mask(value: str, visible: int = 4) -> str:
    """``001234567890`` → ``********7890``: for roles that must not see the whole number."""
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
