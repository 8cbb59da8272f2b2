"""The outreach queues as querysets, for the menu's counts: the same filters as the queue
pages (method changes awaiting a decision, ward reports waiting for BHXH, the bank desk's
overdue referrals). Callers count them; nothing here is evaluated."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from chitra.access.models import User
from chitra.outreach.models import (
    AWAITING_DECISION,
    OPEN_REFERRAL_STATUSES,
    Contact,
    MethodChange,
    Referral,
    ReviewState,
)
from chitra.outreach.services import desk_referrals


def pending_method_changes(province_code: str) -> QuerySet[MethodChange]:
    """Changes of the province's people waiting for a BHXH decision (first or second)."""
    return MethodChange.objects.filter(status__in=AWAITING_DECISION,
                                       beneficiary__province_code=province_code)


def reports_to_confirm(province_code: str) -> QuerySet[Contact]:
    """Ward contact reports of the province's people that BHXH has not confirmed yet."""
    return Contact.objects.filter(review=ReviewState.WAITING,
                                  beneficiary__province_code=province_code)


def overdue_referrals(user: User, today: date) -> QuerySet[Referral]:
    """The referrals on ``user``'s desk past their deadline and still open: the rows for
    which :func:`chitra.outreach.services.is_overdue` is true, as one filter."""
    return desk_referrals(user).filter(status__in=OPEN_REFERRAL_STATUSES, deadline__lt=today)
