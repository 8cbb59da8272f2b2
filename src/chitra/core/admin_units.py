"""Administrative units from the data files under ``core/data`` (see docs/reference-data.md).

Pure functions over the shipped CSV files, so validation needs no database round trip.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    province_code: str
    province_name: str


@dataclass(frozen=True)
class LegacyWard:
    code: str
    name: str
    district_code: str
    district_name: str
    province_code: str
    province_name: str
    new_province_code: str
    new_ward_code: str  # "" for island districts that have no ward any more


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


@cache
def current_wards() -> dict[str, Ward]:
    return {
        r["ward_code"]: Ward(r["ward_code"], r["ward_name"], r["province_code"], r["province_name"])
        for r in _rows("admin_units_2025.csv")
    }


@cache
def ward_name(code: str) -> str:
    """The current name of a ward code, or the code itself if unknown."""
    ward = current_wards().get(code)
    return ward.name if ward else code


def current_provinces() -> dict[str, str]:
    return {w.province_code: w.province_name for w in current_wards().values()}


@cache
def legacy_rows() -> tuple[LegacyWard, ...]:
    """Every pre-reform row; island districts without wards have an empty ward code."""
    return tuple(
        LegacyWard(
            r["ward_code"], r["ward_name"], r["district_code"], r["district_name"],
            r["province_code"], r["province_name"], r["new_province_code"], r["new_ward_code"])
        for r in _rows("admin_units_2024.csv"))


@cache
def legacy_wards() -> dict[str, LegacyWard]:
    return {w.code: w for w in legacy_rows() if w.code}


@cache
def legacy_provinces() -> dict[str, str]:
    return {w.province_code: w.province_name for w in legacy_rows()}


@cache
def citizen_id_province_codes() -> frozenset[str]:
    """3-digit province codes of birth registration: every pre- and post-reform province."""
    return frozenset("0" + c for c in {*legacy_provinces(), *current_provinces()})


def ward_for_2024_code(code: str) -> Ward | None:
    """The current ward a pre-reform ward code resolves to (its default successor)."""
    old = legacy_wards().get(code)
    return current_wards().get(old.new_ward_code) if old else None
