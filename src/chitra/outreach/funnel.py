"""The campaign funnel of a ward, computed from the data (never typed in): cash recipients at
the start → contacted → agreed → referred → account opened → switched → first successful
cashless payment, the only step that counts as converted (it comes from reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_noop

from chitra.core.dbrouting import reporting_db
from chitra.outreach.models import (
    Campaign,
    Contact,
    ContactOutcome,
    Referral,
    ReferralStatus,
    WardTarget,
)
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitGroup,
    BenefitStatus,
    Channel,
    PaymentAccount,
)


@dataclass(frozen=True)
class Funnel:
    cash_at_start: int
    contacted: int
    agreed: int
    referred: int
    account_opened: int
    switched: int
    converted: int

    def as_rows(self) -> list[tuple[str, str, int]]:
        """(key, Vietnamese label, count), in funnel order."""
        return [(key, label, getattr(self, key)) for key, label in FUNNEL_LABELS]


FUNNEL_LABELS = [
    ("cash_at_start", gettext_noop("Nhận tiền mặt khi vào chiến dịch")),
    ("contacted", gettext_noop("Đã gặp / liên hệ")),
    ("agreed", gettext_noop("Đồng ý mở tài khoản")),
    ("referred", gettext_noop("Đã giới thiệu ngân hàng")),
    ("account_opened", gettext_noop("Đã mở tài khoản")),
    ("switched", gettext_noop("Đã chuyển sang không tiền mặt")),
    ("converted", gettext_noop("Đã nhận lần đầu qua tài khoản")),
]



def cash_at_start(campaign: Campaign, ward_code: str) -> QuerySet[Beneficiary]:
    """The ward's people paid in cash when the campaign reached them: on its first day, or
    from the start of their benefit if that came later (a cash account version that was
    current on the first day or began during the campaign)."""
    cash_then = PaymentAccount.objects.filter(
        beneficiary=OuterRef("pk"), channel=Channel.CASH, valid_from__lte=campaign.ends_on
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=campaign.starts_on))
    return Beneficiary.objects.filter(province_code=campaign.province_code,
                                      ward_code=ward_code).filter(Exists(cash_then))


def funnel(campaign: Campaign, ward_code: str) -> Funnel:
    """The ward's steps from cash to paid cashless (read from the reporting database)."""
    start, end = campaign.starts_on, campaign.ends_on
    people = cash_at_start(campaign, ward_code).using(reporting_db())
    contacts = Contact.objects.filter(beneficiary=OuterRef("pk"), contacted_at__date__gte=start,
                                      contacted_at__date__lte=end)
    referrals = Referral.objects.filter(beneficiary=OuterRef("pk"), requested_at__date__gte=start,
                                        requested_at__date__lte=end)
    switched = PaymentAccount.objects.filter(
        beneficiary=OuterRef("pk"), valid_to__isnull=True, valid_from__gte=start,
        valid_from__lte=end).exclude(channel=Channel.CASH)
    paid_cashless = PaymentItem.objects.of_person(OuterRef("pk"), closed=False).filter(
        status=ItemStatus.PAID, cycle__period__gte=start.replace(day=1)
    ).exclude(channel=Channel.CASH)
    # One pass over the ward's people, each step a filtered count (not a query per step).
    counts = people.aggregate(
        cash_at_start=Count("pk"),
        contacted=Count("pk", filter=Q(Exists(contacts))),
        agreed=Count("pk", filter=Q(Exists(contacts.filter(outcome=ContactOutcome.AGREED)))),
        referred=Count("pk", filter=Q(Exists(referrals))),
        account_opened=Count("pk", filter=Q(Exists(referrals.filter(status__in=(
            ReferralStatus.ACCOUNT_OPENED, ReferralStatus.CARD_DELIVERED))))),
        switched=Count("pk", filter=Q(Exists(switched))),
        converted=Count("pk", filter=Q(Exists(switched)) & Q(Exists(paid_cashless))),
    )
    return Funnel(**counts)


@dataclass(frozen=True)
class GroupShare:
    """Active recipients of a benefit group and how many of them are paid cashless now."""

    total: int
    cashless: int
    target_pct: int

    @property
    def pct(self) -> float:
        return 100.0 * self.cashless / self.total if self.total else 0.0

    @property
    def met(self) -> bool:
        # "more than 90 %" for monthly; 100 % means everyone
        return self.total > 0 and (self.cashless == self.total if self.target_pct >= 100
                                   else self.cashless * 100 > self.target_pct * self.total)


def target_progress(campaign: Campaign, ward_code: str) -> dict[str, GroupShare]:
    """Progress toward the campaign's targets (the ward's own if set), by benefit group,
    counted from the current accounts of active recipients (on the reporting database)."""
    db = reporting_db()
    own = WardTarget.objects.using(db).filter(campaign=campaign, ward_code=ward_code).first()
    targets = {BenefitGroup.MONTHLY: own.target_monthly_pct if own else campaign.target_monthly_pct,
               BenefitGroup.ONE_TIME: (own.target_one_time_pct if own
                                       else campaign.target_one_time_pct)}
    cashless_now = PaymentAccount.objects.filter(
        beneficiary=OuterRef("pk"), valid_to__isnull=True).exclude(channel=Channel.CASH)
    result = {}
    for group, target in targets.items():
        people = Beneficiary.objects.using(db).filter(
            province_code=campaign.province_code, ward_code=ward_code,
            status=BeneficiaryStatus.ACTIVE).filter(Exists(Benefit.objects.filter(
                beneficiary=OuterRef("pk"), group=group, status=BenefitStatus.ACTIVE)))
        counts = people.aggregate(total=Count("pk"),
                                  cashless=Count("pk", filter=Q(Exists(cashless_now))))
        result[str(group)] = GroupShare(counts["total"], counts["cashless"], target)
    return result
