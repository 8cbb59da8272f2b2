"""Display filters: money, dates and identifiers the way a Vietnamese office writes them."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from chitra.core.admin_units import ward_name
from chitra.core.identifiers import mask
from chitra.core.money import format_vnd
from chitra.outreach.models import ContactOutcome, ReferralStatus
from chitra.registry.models import Channel

register = template.Library()


@register.filter
def vnd(amount: int | None) -> str:
    """``1234567`` → ``1.234.567 ₫``."""
    return "" if amount is None or amount == "" else format_vnd(int(amount))


@register.filter
def count(value: int | None) -> str:
    """A count with the Vietnamese thousand separator: ``12345`` → ``12.345``."""
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", ".")


@register.filter
def ddmmyyyy(value: date | datetime | None) -> str:
    """A date as ``dd/mm/yyyy``; an aware datetime in local time as ``dd/mm/yyyy hh:mm``."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


@register.filter
def masked(value: str | None, show: bool = False) -> str:
    """The whole identifier if ``show``, else all but its last four digits hidden."""
    if not value:
        return ""
    return value if show else mask(value)


register.filter("ward_name", ward_name)


@register.filter
def channel_label(value: str) -> str:
    """The translated label of a :class:`Channel` value (for annotated rows)."""
    try:
        return gettext(Channel(value).label)
    except ValueError:
        return value


@register.filter
def contact_outcome(value: str) -> str:
    """The translated label of a :class:`ContactOutcome` value (for annotated rows)."""
    try:
        return str(ContactOutcome(value).label)  # a lazy translation
    except ValueError:
        return value


@register.filter
def referral_label(value: str) -> str:
    """The translated label of a :class:`ReferralStatus` value (for annotated rows)."""
    try:
        return str(ReferralStatus(value).label)  # a lazy translation
    except ValueError:
        return value
