"""Payments made after a beneficiary's death, to recover (issue 16, item 4).

A death recorded from the population database (``registry.services.record_deaths``) stops
the next cycles; what was already paid for a day after the date of death is listed here for
the office to recover. Query only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import F

from chitra.payments.models import ItemStatus, PaymentItem


@dataclass(frozen=True)
class PaidAfterDeath:
    beneficiary_id: int
    full_name: str
    citizen_id: str
    ward_code: str
    death_date: date
    item_id: int
    period: date
    channel: str
    amount: int  # đồng
    payment_date: date


def payments_after_death(province_code: str) -> list[PaidAfterDeath]:
    """The province's paid items (a credit the provider confirmed, or cash handed over)
    whose payment date is after the beneficiary's recorded date of death, by person and
    date."""
    items = (PaymentItem.objects.in_status(ItemStatus.PAID)
             .filter(cycle__province_code=province_code,
                     beneficiary__death_date__isnull=False,
                     payment_date__gt=F("beneficiary__death_date"))
             .order_by("beneficiary_id", "payment_date", "id")
             .values_list("beneficiary_id", "beneficiary__full_name", "beneficiary__citizen_id",
                          "beneficiary__ward_code", "beneficiary__death_date", "id",
                          "cycle__period", "channel", "amount", "payment_date"))
    # death_date is not null: filtered above.
    return [PaidAfterDeath(*row) for row in items]  # type: ignore[arg-type]
