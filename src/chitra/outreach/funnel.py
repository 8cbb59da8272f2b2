"""The campaign funnel of a ward, computed from the data (never typed in): cash recipients at
the start → contacted → agreed → referred → account opened → switched → first successful
cashless payment, the only step that counts as converted (it comes from reconciliation)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_noop

from chitra.outreach.models import Campaign, Contact, ContactOutcome, Referral, ReferralStatus
from chitra.payments.models import ItemStatus, PaymentItem
from chitra.registry.models import Beneficiary, Channel, PaymentAccount


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
    ("cash_at_start", gettext_noop("Nhận tiền mặt lúc bắt đầu")),
    ("contacted", gettext_noop("Đã gặp / liên hệ")),
    ("agreed", gettext_noop("Đồng ý mở tài khoản")),
    ("referred", gettext_noop("Đã giới thiệu ngân hàng")),
    ("account_opened", gettext_noop("Đã mở tài khoản")),
    ("switched", gettext_noop("Đã chuyển sang không tiền mặt")),
    ("converted", gettext_noop("Đã nhận lần đầu qua tài khoản")),
]
# The English headings of the xlsx report, which carries both languages.
FUNNEL_EN = ["Paid in cash at the start", "Contacted", "Agreed to open an account",
             "Referred to a bank", "Account opened", "Switched to cashless",
             "First cashless payment received"]



def cash_at_start(campaign: Campaign, ward_code: str) -> QuerySet[Beneficiary]:
    """The ward's people whose account version on the campaign's first day was cash."""
    day = campaign.starts_on
    cash_then = PaymentAccount.objects.filter(
        beneficiary=OuterRef("pk"), channel=Channel.CASH, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    return Beneficiary.objects.filter(province_code=campaign.province_code,
                                      ward_code=ward_code).filter(Exists(cash_then))


def funnel(campaign: Campaign, ward_code: str) -> Funnel:
    start, end = campaign.starts_on, campaign.ends_on
    people = cash_at_start(campaign, ward_code)
    contacts = Contact.objects.filter(beneficiary=OuterRef("pk"), contacted_at__date__gte=start,
                                      contacted_at__date__lte=end)
    referrals = Referral.objects.filter(beneficiary=OuterRef("pk"), requested_at__date__gte=start,
                                        requested_at__date__lte=end)
    switched = PaymentAccount.objects.filter(
        beneficiary=OuterRef("pk"), valid_to__isnull=True, valid_from__gte=start,
        valid_from__lte=end).exclude(channel=Channel.CASH)
    paid_cashless = PaymentItem.objects.filter(
        beneficiary=OuterRef("pk"), status=ItemStatus.PAID, cycle__period__gte=start.replace(
            day=1)).exclude(channel=Channel.CASH)
    return Funnel(
        cash_at_start=people.count(),
        contacted=people.filter(Exists(contacts)).count(),
        agreed=people.filter(Exists(contacts.filter(outcome=ContactOutcome.AGREED))).count(),
        referred=people.filter(Exists(referrals)).count(),
        account_opened=people.filter(Exists(referrals.filter(status__in=(
            ReferralStatus.ACCOUNT_OPENED, ReferralStatus.CARD_DELIVERED)))).count(),
        switched=people.filter(Exists(switched)).count(),
        converted=people.filter(Exists(switched), Exists(paid_cashless)).count(),
    )
