"""The population database's record of one person, and the answer we derive from it.

Whatever the exchange path (HTTP service, file from the police, simulator), the population
database gives back *its* record; *we* compare it with what BHXH holds and decide the
:class:`~chitra.verification.outcomes.Outcome`. That decision is :func:`answer_for`, the one
place it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chitra.core.identifiers import Sex
from chitra.verification.names import compare_names
from chitra.verification.outcomes import Outcome, PersonAnswer, PersonCheck, birth_date_outcome


@dataclass(frozen=True)
class PopulationRecord:
    """One person as the population database holds them. ``death_date`` only if deceased."""

    citizen_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    ward_code: str = ""
    death_date: date | None = None

    def __post_init__(self) -> None:
        # The same checks as a request row: 12-digit ID, a name, a date, M/F, a ward code.
        PersonCheck(self.citizen_id, self.full_name, self.date_of_birth, self.sex,
                    self.ward_code)
        object.__setattr__(self, "sex", Sex(self.sex))
        if self.death_date is not None:
            if not isinstance(self.death_date, date) or isinstance(self.death_date, datetime):
                raise TypeError(f"death_date must be a date, not {type(self.death_date).__name__}")
            if self.death_date < self.date_of_birth:
                raise ValueError("the date of death is before the date of birth")

    @property
    def deceased(self) -> bool:
        return self.death_date is not None


def answer_for(check: PersonCheck, record: PopulationRecord | None) -> PersonAnswer:
    """What the population database's ``record`` says about the person BHXH asked about.

    No record → not found. Otherwise the first that applies of: deceased (with the date),
    moved (their ward code differs from ours, both known), name differs (the names differ
    beyond normalization, :attr:`~chitra.verification.names.NameMatch.needs_correction`),
    birth date differs; else match. The comparisons are carried whatever the outcome, for
    the reviewer. A different sex is carried, not an outcome of its own.
    """
    if record is None:
        return PersonAnswer(check.citizen_id, Outcome.NOT_FOUND)
    if record.citizen_id != check.citizen_id:
        raise ValueError("the record is about another person")
    name = compare_names(check.full_name, record.full_name)
    birth = birth_date_outcome(check.date_of_birth, record.date_of_birth)
    moved = bool(check.ward_code and record.ward_code and check.ward_code != record.ward_code)
    if record.deceased:
        outcome = Outcome.DECEASED
    elif moved:
        outcome = Outcome.MOVED
    elif name.needs_correction:
        outcome = Outcome.NAME_DIFFERS
    elif birth.outcome == Outcome.BIRTH_DATE_DIFFERS:
        outcome = Outcome.BIRTH_DATE_DIFFERS
    else:
        outcome = Outcome.MATCH
    return PersonAnswer(
        citizen_id=check.citizen_id, outcome=outcome, full_name=record.full_name,
        date_of_birth=record.date_of_birth, sex=record.sex, ward_code=record.ward_code,
        death_date=record.death_date, new_ward_code=record.ward_code if moved else "",
        name_match=name, birth_date=birth)
