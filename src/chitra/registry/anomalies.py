"""Anomaly flags computed from the registry in SQL (no per-row Python loop).

- one account (provider + number) current for several beneficiaries;
- account holder name differing from the beneficiary's name, accent-insensitively;
- one legacy BHXH code on several beneficiaries.

Duplicate personal IDs cannot exist: ``citizen_id`` is unique in the database, and an
import that repeats one is refused row by row.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import CharField, Count, F, Value, Window
from django.db.models.functions import Concat, Right

from chitra.registry.models import Anomaly, AnomalyKind, Beneficiary, PaymentAccount


def refresh_anomalies(province_code: str | None = None) -> int:
    """Recompute every flag (for one province, or all). Returns the number of flags."""
    people = Beneficiary.objects.all()
    if province_code:
        people = people.filter(province_code=province_code)
    current = PaymentAccount.objects.filter(valid_to__isnull=True, beneficiary__in=people)
    # One current account per beneficiary (a constraint), so the number of current accounts
    # with the same provider and number is the number of beneficiaries sharing it.
    holders = Window(Count("id"), partition_by=[F("provider_id"), F("account_number")])
    tail = Concat(F("provider__short_name"), Value(" …"), Right("account_number", 4),
                  output_field=CharField())
    dup_codes = (people.exclude(bhxh_code="").values("bhxh_code")
                 .annotate(n=Count("id")).filter(n__gt=1).values("bhxh_code"))

    sources = [
        (AnomalyKind.SHARED_ACCOUNT,
         PaymentAccount.objects.filter(valid_to__isnull=True).exclude(account_number="")
         .annotate(holders=holders).filter(holders__gt=1, beneficiary__in=people)
         .values_list("beneficiary_id", tail)),
        (AnomalyKind.HOLDER_NAME_MISMATCH,
         current.exclude(holder_name="").exclude(holder_name_key=F("beneficiary__name_key"))
         .values_list("beneficiary_id", "holder_name")),
        (AnomalyKind.DUPLICATE_BHXH_CODE,
         people.filter(bhxh_code__in=dup_codes).values_list("id", "bhxh_code")),
    ]
    with transaction.atomic():
        Anomaly.objects.filter(beneficiary__in=people).delete()
        total = 0
        for kind, rows in sources:
            batch = [Anomaly(beneficiary_id=bid, kind=kind, detail=str(detail)[:300])
                     for bid, detail in rows.iterator(chunk_size=5000)]
            Anomaly.objects.bulk_create(batch, batch_size=5000)
            total += len(batch)
    return total
