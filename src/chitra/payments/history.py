"""A beneficiary's payment history for the beneficiary page: what each month's attempts
were and what became of them (DESIGN §4). Two queries (the closed attempts, and the live
or paid ones: each half has its index by obligation), bounded to the latest
:data:`HISTORY_MONTHS` months (and :data:`HISTORY_LINES` lines). The caller has already
checked that the user may see the person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import chain

from django.utils import timezone
from django.utils.translation import get_language

from chitra.payments.labels import reason_label
from chitra.payments.models import CurrentStatus, ItemStatus, PaymentItem

HISTORY_MONTHS = 24
HISTORY_LINES = 200  # a safety bound: several benefits × 24 months × reissues stay under it


@dataclass(frozen=True)
class PaymentLine:
    """One payment attempt (an item) of one month."""

    period: date  # the cycle's month (first day)
    amount: int  # đồng
    channel: str  # a Channel value
    provider: str  # short name, "" for cash
    payment_point: str  # name, "" when none
    status: ItemStatus  # the current status
    reason_code: str  # ISO 20022 / cash reason, "" when none
    reason: str  # its meaning and the code: "Tài khoản đã đóng (AC04)"
    status_on: date | None  # when the status last changed (the day paid, for a paid one)
    reissue: bool  # a new attempt of an obligation an earlier attempt failed

    @property
    def paid_on(self) -> date | None:
        return self.status_on if self.status == ItemStatus.PAID else None

    @property
    def failed(self) -> bool:
        return self.status in (ItemStatus.REJECTED, ItemStatus.RETURNED)


def first_month_shown(today: date, months: int = HISTORY_MONTHS) -> date:
    """The first day of the earliest month shown: ``months`` months up to ``today``'s."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def payment_history(beneficiary_id: int, *, today: date | None = None,
                    months: int = HISTORY_MONTHS, lang: str | None = None
                    ) -> list[PaymentLine]:
    """The person's payment attempts of the last ``months`` months, newest month first;
    reasons in ``lang`` (the active language by default)."""
    lang = lang or get_language()
    since = first_month_shown(today or timezone.localdate(), months)
    halves = (PaymentItem.objects.of_person(beneficiary_id, closed=closed)
              .filter(cycle__period__gte=since).annotate(current=CurrentStatus())
              .values_list("cycle__period", "id", "amount", "channel", "provider__short_name",
                           "payment_point__name", "current", "reason_code",
                           "status_changed_at", "replaces_id")
              .order_by("-cycle__period", "-id")[:HISTORY_LINES]
              for closed in (True, False))
    # Newest month first, then newest attempt: (period, id) is unique, so the sort stops there.
    rows = sorted(chain.from_iterable(halves), reverse=True)[:HISTORY_LINES]
    return [PaymentLine(period=period, amount=amount, channel=channel, provider=provider or "",
                        payment_point=point or "", status=ItemStatus(status),
                        reason_code=reason or "", reason=reason_label(reason, lang),
                        status_on=timezone.localdate(changed) if changed else None,
                        reissue=replaces is not None)
            for (period, _id, amount, channel, provider, point, status, reason, changed,
                 replaces) in rows]
