"""Load administrative units and payment providers from the shipped data files into the DB.

Called by a data migration and by ``chitra load_reference_data``; idempotent.
"""

from __future__ import annotations

import csv
from typing import Any

from chitra.core.admin_units import DATA_DIR, current_wards, legacy_rows


def admin_unit_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    provinces: dict[tuple[str, str], dict[str, str]] = {}
    districts: dict[str, dict[str, str]] = {}
    for w in current_wards().values():
        provinces.setdefault(("2025", w.province_code), dict(
            era="2025", level="province", code=w.province_code, name=w.province_name,
            province_code=w.province_code, district_code="", successor_code=""))
        rows.append(dict(era="2025", level="ward", code=w.code, name=w.name,
                         province_code=w.province_code, district_code="", successor_code=""))
    for o in legacy_rows():
        provinces.setdefault(("2024", o.province_code), dict(
            era="2024", level="province", code=o.province_code, name=o.province_name,
            province_code=o.province_code, district_code="",
            successor_code=o.new_province_code))
        districts.setdefault(o.district_code, dict(
            era="2024", level="district", code=o.district_code, name=o.district_name,
            province_code=o.province_code, district_code=o.district_code, successor_code=""))
        if not o.code:
            continue
        rows.append(dict(era="2024", level="ward", code=o.code, name=o.name,
                         province_code=o.province_code, district_code=o.district_code,
                         successor_code=o.new_ward_code))
    return [*provinces.values(), *districts.values(), *rows]


def provider_rows() -> list[dict[str, Any]]:
    with (DATA_DIR / "providers.csv").open(encoding="utf-8", newline="") as f:
        return [
            {**r, "napas_bin": r["napas_bin"] or None,
             "account_min_length": int(r["account_min_length"]),
             "account_max_length": int(r["account_max_length"])}
            for r in csv.DictReader(f)
        ]


def load(admin_unit_model: Any, provider_model: Any) -> tuple[int, int]:
    """Insert the rows not yet present. Models are passed so migrations can use historical ones."""
    have = set(admin_unit_model.objects.values_list("era", "level", "code"))
    units = [admin_unit_model(**r) for r in admin_unit_rows()
             if (r["era"], r["level"], r["code"]) not in have]
    admin_unit_model.objects.bulk_create(units, batch_size=2000)
    known = set(provider_model.objects.values_list("short_name", flat=True))
    providers = [provider_model(**r) for r in provider_rows() if r["short_name"] not in known]
    provider_model.objects.bulk_create(providers)
    return len(units), len(providers)
