"""Payments made after a beneficiary's death, to recover (issue 16, item 4).

A death recorded from the population database (``registry.services.record_deaths``) stops
the next cycles; what was already paid for a day after the date of death is listed here for
the office to recover: on screen a page at a time with the totals counted by the database,
and as a csv (screen and ``chitra paid_after_death``) streamed row by row. Query only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet, Sum

from chitra.access.models import User
from chitra.access.scoping import bhxh_province
from chitra.core.admin_units import current_provinces
from chitra.core.identifiers import mask
from chitra.core.tabular import csv_text
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import Beneficiary, BeneficiaryStatus


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


@dataclass(frozen=True)
class RecoveryTotals:
    people: int
    items: int
    amount: int  # đồng


def province_of(user: User, requested: str | None = None) -> str | None:
    """The province whose list ``user`` sees: a BHXH officer's own; a superuser's choice
    (``requested``, a current province). None: nothing for them."""
    if not user.is_active:
        return None
    if user.is_superuser:
        return requested if requested in current_provinces() else None
    return bhxh_province(user)


def _items(province_code: str) -> QuerySet[PaymentItem]:
    """Found from the province's people who died (a recorded date of death means deceased,
    and the few not active have their index by province); items have no index by person. A
    person's payments are their province's (an import refuses another province's people)."""
    dead = Beneficiary.objects.filter(province_code=province_code,
                                      status=BeneficiaryStatus.DECEASED,
                                      death_date__isnull=False).values("pk")
    return (PaymentItem.objects.in_status(ItemStatus.PAID).of_people(dead, closed=False)
            .filter(cycle__province_code=province_code,
                    payment_date__gt=F("beneficiary__death_date")))


def _rows(province_code: str) -> QuerySet[PaymentItem, tuple[Any, ...]]:
    return (_items(province_code).order_by("beneficiary_id", "payment_date", "id")
            .values_list("beneficiary_id", "beneficiary__full_name", "beneficiary__citizen_id",
                         "beneficiary__ward_code", "beneficiary__death_date", "id",
                         "cycle__period", "channel", "amount", "payment_date"))


def payments_after_death(province_code: str) -> list[PaidAfterDeath]:
    """The province's paid items (a credit the provider confirmed, or cash handed over)
    whose payment date is after the beneficiary's recorded date of death, by person and
    date."""
    return [PaidAfterDeath(*row) for row in _rows(province_code)]


def page_of(province_code: str, number: str | int | None, size: int
            ) -> tuple[Page[Any], list[PaidAfterDeath]]:
    """One page of :func:`payments_after_death` (a page past the end: the last)."""
    page = Paginator(_rows(province_code), size).get_page(number)
    return page, [PaidAfterDeath(*row) for row in page.object_list]


def totals(province_code: str) -> RecoveryTotals:
    figures = _items(province_code).aggregate(
        people=Count("beneficiary_id", distinct=True), items=Count("id"), amount=Sum("amount"))
    return RecoveryTotals(figures["people"], figures["items"], figures["amount"] or 0)


CSV_HEADER = ("so_dinh_danh", "ho_ten", "ma_phuong_xa", "ngay_chet", "ky_chi", "ngay_chi",
              "hinh_thuc_nhan", "so_tien_dong", "ma_khoan_chi")


def csv_lines(province_code: str, *, full_ids: bool) -> Iterator[str]:
    """The list as csv lines (:func:`chitra.core.tabular.csv_text`: header first, dates
    dd/mm/yyyy, amounts in đồng), read from the database a chunk at a time."""
    def rows() -> Iterator[tuple[Any, ...]]:
        yield CSV_HEADER
        for row in _rows(province_code).iterator(chunk_size=2_000):
            r = PaidAfterDeath(*row)
            yield (r.citizen_id if full_ids else mask(r.citizen_id), r.full_name, r.ward_code,
                   f"{r.death_date:%d/%m/%Y}", f"{r.period:%m/%Y}",
                   f"{r.payment_date:%d/%m/%Y}", r.channel, r.amount, r.item_id)
    return csv_text(rows(), bom=False)
