"""Shares and targets in integer basis points (9000 = 90 %): no float on the way from the
counts to the figure on a screen or in a report."""

from __future__ import annotations

FULL = 10_000


def share_bp(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in basis points, rounded half up — but never up to all of it
    while someone is missing (9,999.6 is 9999, not "100 %"); None when there is no whole."""
    if whole <= 0:
        return None
    bp = (2 * FULL * part + whole) // (2 * whole)
    return min(bp, FULL - 1) if part < whole else bp


def met(part: int, whole: int, target_bp: int) -> bool:
    """A target of 100 % is met by everyone; below it, by more than it ("> 90 %")."""
    if whole <= 0:
        return False
    if target_bp >= FULL:
        return part >= whole
    return part * FULL > target_bp * whole


def still_needed(part: int, whole: int, target_bp: int) -> int:
    """How many more of ``whole`` must be cashless to meet the target (0 when met)."""
    if whole <= 0 or met(part, whole, target_bp):
        return 0
    if target_bp >= FULL:
        return whole - part
    # the least n with (part + n) * FULL > target_bp * whole
    return target_bp * whole // FULL + 1 - part


def percent_text(bp: int | None) -> str:
    """"92,5 %" (one decimal, Vietnamese comma); "—" for no figure."""
    if bp is None:
        return "—"
    tenths = (bp + 5) // 10
    if bp < FULL:  # never "100,0 %" while someone is missing
        tenths = min(tenths, 999)
    return f"{tenths // 10},{tenths % 10} %"
