"""What the registry knows of each person for a check against the population database
(issue 16): one plain row per beneficiary, read in a stream.

The registry does not know the verification context (it sits below it): it yields its own
:class:`PersonOnFile` rows, which verification turns into its checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import NamedTuple

from chitra.core.admin_units import current_provinces
from chitra.registry.models import Beneficiary

CHUNK_SIZE = 2_000


class PersonOnFile(NamedTuple):
    """A beneficiary as the registry holds them (values as stored, not validated again)."""

    citizen_id: str
    full_name: str
    date_of_birth: date
    sex: str
    ward_code: str
    address: str  # street, house number; the ward is in ward_code


_FIELDS = ("citizen_id", "full_name", "date_of_birth", "sex", "ward_code", "street")


def person_checks(province_code: str | None = None, *,
                  chunk_size: int = CHUNK_SIZE) -> Iterator[PersonOnFile]:
    """Every beneficiary, or those of ``province_code``, in ``pk`` order, whatever their
    status (the population database knows the stopped ones too).

    Read ``chunk_size`` rows at a time (a server-side cursor on PostgreSQL): memory stays
    flat for the 3.4 million of the country. Raises ValueError for an unknown province.
    """
    if province_code is not None and province_code not in current_provinces():
        raise ValueError(f"unknown province code {province_code!r}")
    if type(chunk_size) is not int or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, not {chunk_size!r}")
    rows = Beneficiary.objects.order_by("pk")
    if province_code is not None:
        rows = rows.filter(province_code=province_code)
    # Checked above, read below: the generator starts reading only when iterated.
    return (PersonOnFile(*row)
            for row in rows.values_list(*_FIELDS).iterator(chunk_size=chunk_size))
