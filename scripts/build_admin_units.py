"""Regenerate src/chitra/core/data/admin_units_*.csv from the `vietnamadminunits` package.

Source: vietnamadminunits 1.0.4 (MIT licence, https://pypi.org/project/vietnamadminunits/),
itself built from the General Statistics Office lists: 34 provinces / 3,321 wards after the
1 July 2025 reform, 63 provinces / 696 districts / ~10,040 wards before it, and its
2025 conversion table (old ward → new ward; for a divided ward, its default new ward).

    pip install -e '.[refdata]' && python scripts/build_admin_units.py
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import vietnamadminunits

PKG = Path(vietnamadminunits.__file__).parent / "data"
OUT = Path(__file__).resolve().parents[1] / "src" / "chitra" / "core" / "data"


def main() -> None:
    db = sqlite3.connect(PKG / "dataset.db")
    conv = json.loads((PKG / "converter_2025.json").read_text())

    current = db.execute(
        "select provinceCode, province, provinceKey, wardCode, ward, wardKey"
        " from admin_units order by provinceCode, wardCode").fetchall()
    new_ward_code = {(pk, wk): wc for (_, _, pk, wc, _, wk) in current}
    new_province_code = {pk: pc for (pc, _, pk, _, _, _) in current}

    old_to_new: dict[str, tuple[str, str]] = {}
    for new_pk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wk, old_keys in wards.items():
            for old_key in old_keys:
                old_to_new[old_key] = (new_pk, new_wk)
    for new_pk, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, options in olds.items():
            default = next((o for o in options if o["isDefaultNewWard"]), options[0])
            old_to_new.setdefault(old_key, (new_pk, default["newWardKey"]))
    province_forward = {old: new for new, olds in conv["DICT_PROVINCE"].items() for old in olds}

    with (OUT / "admin_units_2025.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["province_code", "province_name", "ward_code", "ward_name"])
        for pc, pn, _, wc, wn, _ in current:
            w.writerow([pc, pn, wc, wn])

    legacy = db.execute(
        "select provinceCode, province, provinceKey, districtCode, district, districtKey,"
        " wardCode, ward, wardKey from admin_units_legacy"
        " order by provinceCode, districtCode, wardCode").fetchall()
    unmapped = 0
    with (OUT / "admin_units_2024.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["province_code", "province_name", "district_code", "district_name",
                    "ward_code", "ward_name", "new_province_code", "new_ward_code"])
        for pc, pn, pk, dc, dn, dk, wc, wn, wk in legacy:
            target = old_to_new.get(f"{pk}_{dk}_{wk}")
            nwc = new_ward_code.get(target, "") if target else ""
            npc = new_province_code.get(province_forward.get(pk, ""), "")
            unmapped += not nwc
            w.writerow([pc, pn, dc, dn, wc, wn, npc, nwc])
    print(f"{len(current)} current wards, {len(legacy)} legacy wards, "
          f"{unmapped} without a new ward")


if __name__ == "__main__":
    main()
