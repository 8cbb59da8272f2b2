"""Pre-aggregated figures of paid months (DESIGN §4: KPIs → dashboards and reports).

Pages and reports read these, never the raw items: a month of a province is a few thousand
rows here against millions of items. They are rebuilt from the items by
:func:`chitra.reporting.kpi.refresh_cycle` and never edited otherwise.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from chitra.core.models import PaymentProvider
from chitra.registry.models import BenefitGroup, BenefitType, Channel


class PaidFigure(models.Model):
    """The items paid in one month, summed per ward, benefit type, channel and provider."""

    period = models.DateField()  # the first day of the month
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5)
    benefit_group = models.CharField(max_length=10, choices=BenefitGroup.choices)
    benefit_type = models.CharField(max_length=20, choices=BenefitType.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    provider = models.ForeignKey(PaymentProvider, null=True, on_delete=models.PROTECT,
                                 related_name="+")  # None: cash
    items = models.PositiveIntegerField()
    amount = models.BigIntegerField()  # đồng

    class Meta:
        # A province's month, and the nation's month (every province: the overview).
        indexes = [models.Index(fields=["province_code", "period"]),
                   models.Index(fields=["period"], name="paid_figure_period")]
        _slice = ["period", "province_code", "ward_code", "benefit_group", "benefit_type",
                  "channel"]
        constraints = [
            models.UniqueConstraint(fields=[*_slice, "provider"],
                                    condition=Q(provider__isnull=False), name="paid_figure_once"),
            models.UniqueConstraint(fields=_slice, condition=Q(provider__isnull=True),
                                    name="paid_figure_once_cash"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="paid_figure_amount"),
            models.CheckConstraint(
                condition=Q(channel=Channel.CASH, provider__isnull=True)
                | (~Q(channel=Channel.CASH) & Q(provider__isnull=False)),
                name="paid_figure_provider_matches_channel"),
        ]


class PaidPeople(models.Model):
    """The people paid in one month per ward and benefit group, and how many of them were
    paid cashless (a successful credit: the official figure). Counted once each, whatever
    the number of their items."""

    period = models.DateField()
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5)
    benefit_group = models.CharField(max_length=10, choices=BenefitGroup.choices)
    people = models.PositiveIntegerField()
    cashless = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "province_code", "ward_code",
                                            "benefit_group"], name="paid_people_once"),
            models.CheckConstraint(condition=Q(cashless__lte=F("people")),
                                   name="paid_people_cashless_within"),
        ]


class PaidPeopleAll(models.Model):
    """The people paid in one month per ward, whatever their benefit group: a person paid a
    monthly benefit and a one-time benefit in the same month is one person here (and two
    rows of :class:`PaidPeople`, one per group). Cashless: paid at least one item cashless
    in the month, as :class:`PaidPeople` counts within a group."""

    period = models.DateField()
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5)
    people = models.PositiveIntegerField()
    cashless = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "province_code", "ward_code"],
                                    name="paid_people_all_once"),
            models.CheckConstraint(condition=Q(cashless__lte=F("people")),
                                   name="paid_people_all_cashless_within"),
        ]


class FigureRefresh(models.Model):
    """When a province's month was last counted, and from how many paid items."""

    period = models.DateField()
    province_code = models.CharField(max_length=2)
    refreshed_at = models.DateTimeField()
    items = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "province_code"],
                                               name="figure_refresh_once")]


class RegisteredFigure(models.Model):
    """The active people of a ward and benefit group when a month was counted, and how many
    had a cashless account on file then ("registered cashless", against "paid cashless")."""

    period = models.DateField()
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5)
    benefit_group = models.CharField(max_length=10, choices=BenefitGroup.choices)
    people = models.PositiveIntegerField()
    cashless = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "province_code", "ward_code",
                                            "benefit_group"], name="registered_figure_once"),
            models.CheckConstraint(condition=Q(cashless__lte=F("people")),
                                   name="registered_cashless_within"),
        ]


class Target(models.Model):
    """A cashless target for a year and a benefit group, by headcount and by amount, in basis
    points (9000 = 90 %): a province's (``ward_code`` empty; set by BHXH Việt Nam, normally
    by December of the year before) or a ward's (set by its province). A change is a new row
    and the one it replaces gets ``replaced_at``: the history stays. A target below 100 %
    is met by more than it ("> 90 %"); 100 % by everyone."""

    year = models.PositiveSmallIntegerField()
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5, blank=True)
    benefit_group = models.CharField(max_length=10, choices=BenefitGroup.choices)
    people_bp = models.PositiveSmallIntegerField()  # headcount share, basis points
    amount_bp = models.PositiveSmallIntegerField()  # amount share, basis points
    set_by = models.CharField(max_length=150)
    set_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "province_code", "ward_code",
                                            "benefit_group"],
                                    condition=Q(replaced_at__isnull=True),
                                    name="target_one_current"),
            models.CheckConstraint(condition=Q(people_bp__lte=10000, amount_bp__lte=10000),
                                   name="target_share_at_most_all"),
            models.CheckConstraint(condition=Q(year__gte=2020, year__lte=2100),
                                   name="target_year_plausible"),
        ]
