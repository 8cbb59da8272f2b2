"""Dates as Vietnamese users write them."""

from __future__ import annotations

from datetime import date


def parse_date_vn(text: str) -> date | None:
    """``dd/mm/yyyy`` (also ``d/m/yyyy``, ``dd-mm-yyyy``, ``dd.mm.yyyy`` and ISO ``yyyy-mm-dd``)."""
    s = text.strip()
    try:
        if len(s) == 10 and s[2] == "/" and s[5] == "/":
            return date(int(s[6:]), int(s[3:5]), int(s[:2]))
        if len(s) == 10 and s[4] == "-" and s[7] == "-":
            return date(int(s[:4]), int(s[5:7]), int(s[8:]))
        for sep in "/-.":
            parts = s.split(sep)
            if len(parts) == 3 and len(parts[2]) == 4 and all(p.isdigit() for p in parts):
                return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        return None
    return None
