# ruff: noqa: S608 - the only SQL text built here wraps an ORM-compiled query.
"""Anomaly flags computed from the registry in SQL (no per-row Python loop).

- one account (provider + number) current for several beneficiaries;
- account holder name differing from the beneficiary's name, accent-insensitively;
- one legacy BHXH code on several beneficiaries.

Duplicate personal IDs cannot exist: ``citizen_id`` is unique in the database, and an
import that repeats one is refused row by row.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import BooleanField, CharField, Count, F, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Left, Right
from django.utils import timezone

from chitra.registry.models import Anomaly, AnomalyKind, Beneficiary, PaymentAccount

ACCOUNTS = PaymentAccount._meta.db_table


def refresh_anomalies(province_code: str | None = None, *,
                      holder_names_done: bool = False) -> int:
    """Recompute every flag (for one province, or all). Returns the number of flags.

    ``holder_names_done``: the holder-name flags are already right (a first load of the
    province wrote them row by row, by the same rule as below); keep them."""
    people = Beneficiary.objects.all()
    current = PaymentAccount.objects.filter(valid_to__isnull=True).order_by()
    if province_code:
        people = people.filter(province_code=province_code)
        current = current.filter(beneficiary__province_code=province_code)
    # One current account per beneficiary (a constraint), so the number of current accounts
    # with the same provider and number is the number of beneficiaries sharing it. The pairs
    # held more than once, found by one GROUP BY over every province (a pair may be shared
    # across provinces): cheaper than a probe of the index per account.
    shared = RawSQL(  # noqa: S611 - table and column names only, no value
        f"({ACCOUNTS}.provider_id, {ACCOUNTS}.account_number) IN ("
        f"SELECT provider_id, account_number FROM {ACCOUNTS} WHERE valid_to IS NULL "
        "AND account_number <> '' GROUP BY provider_id, account_number HAVING COUNT(*) > 1)",
        [], output_field=BooleanField())
    tail = Concat(F("provider__short_name"), Value(" …"), Right("account_number", 4),
                  output_field=CharField())
    dup_codes = (people.exclude(bhxh_code="").values("bhxh_code")
                 .annotate(n=Count("id")).filter(n__gt=1).values("bhxh_code"))

    sources = [
        (current.exclude(account_number="").filter(shared)
         .values_list("beneficiary_id", Value(AnomalyKind.SHARED_ACCOUNT.value), tail)),
        (people.filter(bhxh_code__in=dup_codes)
         .values_list("id", Value(AnomalyKind.DUPLICATE_BHXH_CODE.value), "bhxh_code")),
    ]
    if not holder_names_done:  # importing.pipeline.DirectRows.lines has the same rule
        sources.append(
            current.exclude(holder_name="").exclude(holder_name_key=F("beneficiary__name_key"))
            .values_list("beneficiary_id", Value(AnomalyKind.HOLDER_NAME_MISMATCH.value),
                         Left("holder_name", 300)))
    kept = [AnomalyKind.HOLDER_NAME_MISMATCH] if holder_names_done else []
    with transaction.atomic():
        if connection.vendor == "postgresql":  # the group-bys of a whole province in memory
            with connection.cursor() as c:
                c.execute("SET LOCAL work_mem = '64MB'")
        Anomaly.objects.filter(beneficiary__in=people).exclude(kind__in=kept).delete()
        total = 0
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as c:
            for rows in sources:
                # INSERT … SELECT: the flags never travel through Python.
                sql, params = rows.query.sql_with_params()
                insert = ("INSERT INTO registry_anomaly (beneficiary_id, kind, detail, "
                          "detected_at) SELECT f.*, %s FROM (" + sql + ") f")  # ORM-compiled
                c.execute(insert, (now, *params))
                total += c.rowcount
    return total
