"""The paid figures of a month, counted from the items (DESIGN §4, issue 15 item 2).

A province's month is counted again whole, in one transaction, each time it is refreshed:
three GROUP BY queries over the cycle's paid items (the database does the counting) replace
what was there. Paid means a successful credit or cash handed over (status ``paid``);
cashless means paid through a bank account or an e-wallet. People are counted once per ward
and group (:class:`PaidPeople`) and once per ward across the groups (:class:`PaidPeopleAll`):
a person paid in both groups in a month is one person of the month, and counts as cashless
when at least one of their items of the month (of the group, or of any group) was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from chitra.access.models import User
from chitra.access.scoping import bhxh_province
from chitra.core import audit
from chitra.core.errors import NotInScope
from chitra.payments.models import ItemStatus, PaymentCycle, PaymentItem
from chitra.registry.models import (
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    Channel,
)
from chitra.registry.queries import CASHLESS_CHANNELS
from chitra.reporting.models import (
    FigureRefresh,
    PaidFigure,
    PaidPeople,
    PaidPeopleAll,
    RegisteredFigure,
)


@dataclass(frozen=True)
class Refreshed:
    province_code: str
    period: date
    items: int  # paid items counted
    rows: int  # figure rows written


def refresh_cycle(cycle_id: int, actor: str, *, registry_now: bool = False) -> Refreshed:
    """Count the cycle's paid items again into the figures of its province and month.

    The registered-cashless snapshot is the registry as it is now: taken when the cycle
    closes (``registry_now``) or when the month has none yet; a later count of a past month
    keeps the one it has."""
    with transaction.atomic():
        cycle = PaymentCycle.objects.select_for_update(no_key=True).get(pk=cycle_id)
        key = {"period": cycle.period, "province_code": cycle.province_code}
        PaidFigure.objects.filter(**key).delete()
        PaidPeople.objects.filter(**key).delete()
        PaidPeopleAll.objects.filter(**key).delete()
        snapshot = registry_now or not RegisteredFigure.objects.filter(**key).exists()
        if snapshot:
            RegisteredFigure.objects.filter(**key).delete()
        paid = PaymentItem.objects.filter(cycle=cycle, status=ItemStatus.PAID)
        figures = [
            PaidFigure(**key, ward_code=r["ward_code"], benefit_group=r["group"],
                       benefit_type=r["type"], channel=r["channel"],
                       provider_id=r["provider_id"], items=r["items"], amount=r["amount"])
            for r in paid.values("ward_code", "channel", "provider_id",
                                 group=_benefit("group"), type=_benefit("benefit_type"))
            .annotate(items=Count("id"), amount=Sum("amount")).order_by()]
        people = [
            PaidPeople(**key, ward_code=r["ward_code"], benefit_group=r["group"],
                       people=r["people"], cashless=r["cashless"])
            for r in paid.values("ward_code", group=_benefit("group"))
            .annotate(people=Count("beneficiary_id", distinct=True),
                      cashless=Count("beneficiary_id", distinct=True,
                                     filter=~Q(channel=Channel.CASH))).order_by()]
        everyone = [
            PaidPeopleAll(**key, ward_code=r["ward_code"], people=r["people"],
                          cashless=r["cashless"])
            for r in paid.values("ward_code")
            .annotate(people=Count("beneficiary_id", distinct=True),
                      cashless=Count("beneficiary_id", distinct=True,
                                     filter=~Q(channel=Channel.CASH))).order_by()]
        registered = _registered(key) if snapshot else []
        PaidFigure.objects.bulk_create(figures, batch_size=2000)
        PaidPeople.objects.bulk_create(people, batch_size=2000)
        PaidPeopleAll.objects.bulk_create(everyone, batch_size=2000)
        RegisteredFigure.objects.bulk_create(registered, batch_size=2000)
        items = sum(f.items for f in figures)
        FigureRefresh.objects.update_or_create(
            period=cycle.period, province_code=cycle.province_code,
            defaults={"refreshed_at": timezone.now(), "items": items})
        audit.record(actor, "kpi.refresh", "payment_cycle", cycle.pk,
                     after={"items": items,
                            "rows": len(figures) + len(people) + len(everyone)})
    return Refreshed(cycle.province_code, cycle.period, items,
                     len(figures) + len(people) + len(everyone) + len(registered))


def _registered(key: dict[str, object]) -> list[RegisteredFigure]:
    """The province's active people per ward and benefit group now, and how many have a
    current cashless account (none current counts as cash)."""
    cashless = Q(beneficiary__payment_accounts__valid_to__isnull=True,
                 beneficiary__payment_accounts__channel__in=CASHLESS_CHANNELS)
    rows = (Benefit.objects.filter(status=BenefitStatus.ACTIVE,
                                   beneficiary__status=BeneficiaryStatus.ACTIVE,
                                   beneficiary__province_code=key["province_code"])
            .values("beneficiary__ward_code", "group")
            .annotate(people=Count("beneficiary", distinct=True),
                      cashless=Count("beneficiary", distinct=True, filter=cashless))
            .order_by())
    return [RegisteredFigure(**key, ward_code=r["beneficiary__ward_code"],
                             benefit_group=r["group"], people=r["people"],
                             cashless=r["cashless"]) for r in rows]


def _benefit(field: str) -> F:
    return F(f"obligation__benefit__{field}")


def refresh(user: User, province_code: str, period: date | None = None) -> list[Refreshed]:
    """Count again the province's sent cycles (of ``period``, or all), oldest first: what
    the BHXH office of the province (or a superuser) may do. Another province's answers as
    one that does not exist."""
    if not user.is_superuser and bhxh_province(user) != province_code:
        raise NotInScope
    cycles = PaymentCycle.objects.filter(province_code=province_code, sent_at__isnull=False)
    if period is not None:
        cycles = cycles.filter(period=period)
    return [refresh_cycle(pk, user.username)
            for pk in cycles.order_by("period").values_list("pk", flat=True)]
