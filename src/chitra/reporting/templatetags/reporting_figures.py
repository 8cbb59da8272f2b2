"""Shares on the dashboards, from basis points: "92,5 %", "> 90 %", "+1,2 điểm"."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from chitra.reporting import shares

register = template.Library()


@register.filter
def percent(bp: int | None) -> str:
    return shares.percent_text(bp)


@register.filter
def target(bp: int | None) -> str:
    """A target as the plan says it: "> 90,0 %" below everyone, "100 %" for everyone."""
    if bp is None:
        return "—"
    return "100 %" if bp >= shares.FULL else f"> {shares.percent_text(bp)}"


@register.filter
def signed_points(bp: int | None) -> str:
    """A change of share in percentage points: "+1,2 điểm", "−0,5 điểm"."""
    if bp is None:
        return "—"
    sign = "+" if bp > 0 else "−" if bp < 0 else "±"
    points = gettext("điểm")
    return f"{sign}{shares.percent_text(abs(bp)).removesuffix(' %')} {points}"


@register.filter
def translated(text: str) -> str:
    """A label kept in Vietnamese in Python (``gettext_noop`` in web.labels), translated
    for the page."""
    return gettext(text)


@register.filter
def exact_percent(bp: int | None) -> str:
    """A target as it was set, every decimal kept: "90 %", "92,5 %", "92,25 %"."""
    if bp is None:
        return "—"
    whole, frac = divmod(bp, 100)
    return (f"{whole},{frac:02d}".rstrip("0") if frac else str(whole)) + " %"


@register.filter
def exact_target(bp: int | None) -> str:
    """A target as set and as the plan says it: "> 92,25 %" below everyone, "100 %"."""
    if bp is None:
        return "—"
    return "100 %" if bp >= shares.FULL else f"> {exact_percent(bp)}"
