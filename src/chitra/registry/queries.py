"""Scoped reads of the registry (DESIGN §3.6). Every view, API call and report starts here.

A query helper takes the user, asks :func:`chitra.access.scoping.scope_of` what they may see,
and never returns a row outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from chitra.access.models import User
from chitra.access.scoping import Scope, scope_of
from chitra.core.admin_units import current_wards
from chitra.core.dbrouting import reporting_db
from chitra.core.errors import NotInScope
from chitra.core.text import fold_key
from chitra.registry.models import (
    ACCOUNT_CHANGE_AWAITING,
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitGroup,
    BenefitStatus,
    Channel,
    PaymentAccount,
    PendingAccountChange,
)

PAGE_SIZE = 50
CASHLESS_CHANNELS = (Channel.BANK_ACCOUNT.value, Channel.EWALLET.value)


def _area_filter(scope: Scope, prefix: str = "") -> Q:
    """Rows in the scope's province and, for a ward, its ward."""
    q = Q()
    if scope.province_code is not None:
        q &= Q(**{f"{prefix}province_code": scope.province_code})
    if scope.ward_code is not None:
        q &= Q(**{f"{prefix}ward_code": scope.ward_code})
    return q


def beneficiaries_visible_to(user: User) -> QuerySet[Beneficiary]:
    """The beneficiaries ``user`` may see one by one; empty for aggregate-only roles."""
    scope = scope_of(user)
    if not scope.sees_people:
        return Beneficiary.objects.none()
    return Beneficiary.objects.filter(_area_filter(scope))


def get_beneficiary_for(user: User, pk: int) -> Beneficiary:
    """The beneficiary ``pk`` if ``user`` may see it; :class:`NotInScope` (404) otherwise.

    A missing row and a row outside the scope are refused the same way, so an id in a URL
    reveals nothing.
    """
    found = beneficiaries_visible_to(user).select_related("payment_point").filter(pk=pk).first()
    if found is None:
        raise NotInScope()
    return found


def _current_account() -> QuerySet[PaymentAccount]:
    return PaymentAccount.objects.filter(beneficiary=OuterRef("pk"), valid_to__isnull=True)


def with_current_account(qs: QuerySet[Beneficiary]) -> QuerySet[Beneficiary]:
    """Annotate ``current_channel`` and ``current_provider`` (short name) in the same query."""
    return qs.annotate(
        current_channel=Subquery(_current_account().values("channel")[:1]),
        current_provider=Subquery(_current_account().values("provider__short_name")[:1]),
    )


@dataclass(frozen=True)
class Search:
    """What a user typed and chose on the beneficiary list."""

    text: str = ""
    ward_code: str = ""
    channel: str = ""
    benefit_type: str = ""


def search_beneficiaries(user: User, search: Search) -> QuerySet[Beneficiary]:
    """Beneficiaries in scope matching ``search``, with their current account, by name.

    Twelve digits are a personal ID, ten a legacy BHXH code (both exact); anything else is a
    name compared accent-, case- and space-insensitively (``nguyen van duc`` finds
    ``Nguyễn Văn Đức``).
    """
    qs = with_current_account(beneficiaries_visible_to(user))
    text = search.text.strip()
    if text.isascii() and text.isdigit() and len(text) == 12:
        qs = qs.filter(citizen_id=text)
    elif text.isascii() and text.isdigit() and len(text) == 10:
        qs = qs.filter(bhxh_code=text)
    elif text:
        qs = qs.filter(name_key__contains=fold_key(text))
    if search.ward_code:
        qs = qs.filter(ward_code=search.ward_code)
    if search.channel:
        qs = qs.filter(Exists(_current_account().filter(channel=search.channel)))
    if search.benefit_type:
        qs = qs.filter(Exists(Benefit.objects.filter(beneficiary=OuterRef("pk"),
                                                     benefit_type=search.benefit_type)))
    return qs.order_by("name_key", "id")


def wards_for(user: User) -> list[tuple[str, str]]:
    """(code, name) of the wards a user may filter by: their own, or their province's."""
    scope = scope_of(user)
    wards = current_wards()
    if scope.ward_code is not None:
        ward = wards.get(scope.ward_code)
        return [(scope.ward_code, ward.name if ward else scope.ward_code)]
    return sorted(((w.code, w.name) for w in wards.values()
                   if scope.province_code is None or w.province_code == scope.province_code),
                  key=lambda cw: fold_key(cw[1]))


def pending_account_changes_for(user: User) -> QuerySet[PendingAccountChange]:
    """The account changes imports proposed that still await a decision (a first approval
    included), in ``user``'s area, oldest first; none for aggregate-only roles."""
    scope = scope_of(user)
    if not scope.sees_people:
        return PendingAccountChange.objects.none()
    return (PendingAccountChange.objects
            .filter(_area_filter(scope, "beneficiary__"), status__in=ACCOUNT_CHANGE_AWAITING)
            .select_related("beneficiary", "provider", "replaces", "replaces__provider")
            .order_by("made_at", "id"))


# --- Dashboard aggregates ---------------------------------------------------------------


@dataclass(frozen=True)
class ChannelSplit:
    """Beneficiaries of one group in one area, and how many are paid cashless."""

    total: int
    cashless: int

    @property
    def cash(self) -> int:
        return self.total - self.cashless

    @property
    def cashless_share(self) -> float | None:
        """Percent paid cashless, for display only (never on a money path)."""
        return round(100 * self.cashless / self.total, 1) if self.total else None

    def __add__(self, other: ChannelSplit) -> ChannelSplit:
        return ChannelSplit(self.total + other.total, self.cashless + other.cashless)


EMPTY_SPLIT = ChannelSplit(0, 0)


@dataclass(frozen=True)
class WardRow:
    ward_code: str
    ward_name: str
    groups: dict[str, ChannelSplit]  # by BenefitGroup value

    def split(self, group: str) -> ChannelSplit:
        return self.groups.get(group, EMPTY_SPLIT)

    @property
    def monthly(self) -> ChannelSplit:
        return self.split(BenefitGroup.MONTHLY)

    @property
    def one_time(self) -> ChannelSplit:
        return self.split(BenefitGroup.ONE_TIME)


@dataclass(frozen=True)
class CashlessSummary:
    beneficiaries: int
    wards: list[WardRow]
    totals: dict[str, ChannelSplit]

    @property
    def monthly(self) -> ChannelSplit:
        return self.totals.get(BenefitGroup.MONTHLY, EMPTY_SPLIT)

    @property
    def one_time(self) -> ChannelSplit:
        return self.totals.get(BenefitGroup.ONE_TIME, EMPTY_SPLIT)


def aggregate_scope_filter(user: User) -> Q | None:
    """The area whose aggregates ``user`` may see; ``None`` when they see no aggregates.

    Aggregate-only roles (leadership, viewers) see their province; a bank sees none.
    """
    scope = scope_of(user)
    if scope.provider_id is not None or scope.province_code == "-":
        return None
    return _area_filter(scope)


def cashless_summary(user: User) -> CashlessSummary:
    """Active beneficiaries with active benefits, per ward and benefit group, split by the
    channel of their current payment account (none current counts as cash).

    Two GROUP BY queries, whatever the number of people, on the reporting database (a read
    replica when there is one).
    """
    area = aggregate_scope_filter(user)
    if area is None:
        return CashlessSummary(0, [], {})
    db = reporting_db()
    people = Beneficiary.objects.using(db).filter(area, status=BeneficiaryStatus.ACTIVE)
    beneficiaries = people.count()
    cashless = Q(beneficiary__payment_accounts__valid_to__isnull=True,
                 beneficiary__payment_accounts__channel__in=CASHLESS_CHANNELS)
    rows = (
        Benefit.objects.using(db).filter(status=BenefitStatus.ACTIVE, beneficiary__in=people)
        .values("beneficiary__ward_code", "group")
        .annotate(total=Count("beneficiary", distinct=True),
                  cashless=Count("beneficiary", distinct=True, filter=cashless))
        .order_by()
    )
    by_ward: dict[str, dict[str, ChannelSplit]] = {}
    totals: dict[str, ChannelSplit] = {}
    for row in rows:  # one row per ward × group
        split = ChannelSplit(row["total"], row["cashless"])
        by_ward.setdefault(row["beneficiary__ward_code"], {})[row["group"]] = split
        totals[row["group"]] = totals.get(row["group"], EMPTY_SPLIT) + split
    names = current_wards()
    wards = [WardRow(code, names[code].name if code in names else code, groups)
             for code, groups in by_ward.items()]
    wards.sort(key=lambda w: fold_key(w.ward_name))
    return CashlessSummary(beneficiaries, wards, totals)
