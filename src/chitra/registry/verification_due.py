"""Who is due a verification against the national population database (issue 16, item 4):
before each cycle, every active beneficiary not verified in the last 12 months is listed.
Verified means the population database confirmed the person (outcome *match*): an answer
still unresolved (not found, name or birth date differs, moved, a death held for review)
keeps the person listed."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from chitra.registry.models import Beneficiary, BeneficiaryStatus, VerificationOutcome


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (31/03 − 1 month → 28 or 29/02)."""
    if type(months) is not int or months < 0:
        raise ValueError(f"months must be an integer ≥ 0, not {months!r}")
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def not_verified_since(province_code: str, months: int = 12,
                       today: date | None = None) -> QuerySet[Beneficiary]:
    """The province's active beneficiaries not confirmed since the same day ``months``
    months ago (local time): never verified, last verified before then, or whose last
    verification was anything but a match; by id, each with ``verified_at`` (its last
    verification, None if never)."""
    today = today or timezone.localdate()
    cutoff = timezone.make_aware(datetime.combine(months_before(today, months), time.min))
    return (Beneficiary.objects
            .filter(province_code=province_code, status=BeneficiaryStatus.ACTIVE)
            .exclude(Q(verification_stamp__verified_at__gte=cutoff)
                     & Q(verification_stamp__outcome=VerificationOutcome.MATCH))
            .annotate(verified_at=F("verification_stamp__verified_at"))
            .order_by("pk"))
