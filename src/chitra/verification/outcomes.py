"""What a verification asks and answers, per person (issue 16, item 1): plain values, no models.

A :class:`PersonCheck` is one row BHXH sends (personal ID, full name, date of birth, sex,
ward); a :class:`PersonAnswer` is what comes back: an :class:`Outcome`, the population
database's values, and how its name and date of birth compare with ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _

from chitra.core.identifiers import Sex
from chitra.verification.names import InvalidName, NameMatch, name_problems


class Outcome(models.TextChoices):
    """One outcome per person. When several apply, the answer carries the first of: not
    found, deceased, moved, name differs, birth date differs (the details of the others stay
    in :class:`PersonAnswer`)."""

    MATCH = "match", _("Khớp")
    NAME_DIFFERS = "name_differs", _("Họ tên khác")
    BIRTH_DATE_DIFFERS = "birth_date_differs", _("Ngày sinh khác")
    NOT_FOUND = "not_found", _("Không tìm thấy")
    DECEASED = "deceased", _("Đã chết")
    MOVED = "moved", _("Đã chuyển nơi cư trú")


class BirthDateReason(StrEnum):
    SAME = "same"
    DAY_MONTH_SWAPPED = "day_month_swapped"
    SAME_YEAR = "same_year"
    YEAR_DIFFERS = "year_differs"

    @property
    def text_vi(self) -> str:
        return _BIRTH_DATE_TEXTS[self][0]

    @property
    def text_en(self) -> str:
        return _BIRTH_DATE_TEXTS[self][1]


_BIRTH_DATE_TEXTS = {
    BirthDateReason.SAME: ("Trùng khớp", "Same date"),
    BirthDateReason.DAY_MONTH_SWAPPED: ("Nhầm ngày và tháng", "Day and month swapped"),
    BirthDateReason.SAME_YEAR: ("Cùng năm sinh, khác ngày tháng",
                                "Same year, different day or month"),
    BirthDateReason.YEAR_DIFFERS: ("Khác năm sinh", "Different year of birth"),
}


@dataclass(frozen=True)
class BirthDateMatch:
    outcome: Outcome  # MATCH or BIRTH_DATE_DIFFERS
    reason: BirthDateReason

    @property
    def reason_vi(self) -> str:
        return self.reason.text_vi

    @property
    def reason_en(self) -> str:
        return self.reason.text_en


def _require_date(value: object, what: str) -> None:
    # A datetime is a date too, but compares unequal to every date: refuse it.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{what} must be a date, not {type(value).__name__}")


def birth_date_outcome(ours: date, theirs: date) -> BirthDateMatch:
    """Compare our date of birth with the population database's.

    ``03/04/1950`` against ``04/03/1950`` differs, with the reason "day and month swapped".
    """
    _require_date(ours, "ours")
    _require_date(theirs, "theirs")
    if ours == theirs:
        return BirthDateMatch(Outcome.MATCH, BirthDateReason.SAME)
    if ours.year != theirs.year:
        reason = BirthDateReason.YEAR_DIFFERS
    elif ours.day == theirs.month and ours.month == theirs.day:
        reason = BirthDateReason.DAY_MONTH_SWAPPED
    else:
        reason = BirthDateReason.SAME_YEAR
    return BirthDateMatch(Outcome.BIRTH_DATE_DIFFERS, reason)


def _check_citizen_id(value: object) -> None:
    if (not isinstance(value, str) or len(value) != 12 or not value.isascii()
            or not value.isdigit()):
        raise ValueError(f"citizen_id must be exactly 12 ASCII digits, not {value!r}")


def _check_ward_code(value: object, what: str) -> None:
    if not isinstance(value, str) or (value and not (value.isascii() and value.isdigit())):
        raise ValueError(f"{what} must be digits or empty, not {value!r}")


def _check_name(value: str) -> None:
    for problem in name_problems(value):
        raise InvalidName(problem.code, problem.message_vi, problem.message_en)


@dataclass(frozen=True)
class PersonCheck:
    """One person BHXH asks about. ``ward_code`` is the official code ("" if unknown)."""

    citizen_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    ward_code: str = ""
    address: str = ""

    def __post_init__(self) -> None:
        _check_citizen_id(self.citizen_id)
        _check_name(self.full_name)
        _require_date(self.date_of_birth, "date_of_birth")
        object.__setattr__(self, "sex", Sex(self.sex))
        _check_ward_code(self.ward_code, "ward_code")


@dataclass(frozen=True)
class PersonAnswer:
    """The population database's answer about one person.

    Not found carries no value of theirs; deceased carries the date of death (and only
    deceased does); moved carries the new ward code.
    """

    citizen_id: str
    outcome: Outcome
    full_name: str = ""
    date_of_birth: date | None = None
    sex: Sex | None = None
    ward_code: str = ""
    death_date: date | None = None
    new_ward_code: str = ""
    name_match: NameMatch | None = None
    birth_date: BirthDateMatch | None = None

    def __post_init__(self) -> None:
        _check_citizen_id(self.citizen_id)
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        if self.sex is not None:
            object.__setattr__(self, "sex", Sex(self.sex))
        if self.full_name:
            _check_name(self.full_name)
        for what in ("date_of_birth", "death_date"):
            if (value := getattr(self, what)) is not None:
                _require_date(value, what)
        _check_ward_code(self.ward_code, "ward_code")
        _check_ward_code(self.new_ward_code, "new_ward_code")
        if self.outcome == Outcome.NOT_FOUND and (
                self.full_name or self.date_of_birth or self.sex or self.ward_code
                or self.death_date or self.new_ward_code or self.name_match
                or self.birth_date):
            raise ValueError("a person not found has no values of the population database")
        if (self.outcome == Outcome.DECEASED) != (self.death_date is not None):
            raise ValueError("a date of death goes with the outcome deceased, and only with it")
        if self.outcome == Outcome.MOVED and not self.new_ward_code:
            raise ValueError("the outcome moved needs the new ward code")
        if self.outcome == Outcome.NAME_DIFFERS and (
                self.name_match is None or not self.name_match.needs_correction):
            raise ValueError("the outcome name differs needs a name comparison that differs")
        if self.outcome == Outcome.BIRTH_DATE_DIFFERS and (
                self.birth_date is None or self.birth_date.outcome != Outcome.BIRTH_DATE_DIFFERS):
            raise ValueError("the outcome birth date differs needs a birth date that differs")
