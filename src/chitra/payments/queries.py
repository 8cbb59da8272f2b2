"""Scoped reads of the payment core for pages and exports (DESIGN §3.6, §8).

Every helper takes the user (or a cycle the user was already allowed to see) and answers
with a fixed number of queries, whatever the number of items: totals are GROUP BY queries,
lists are capped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from chitra.access.models import OrganizationKind, Role, User
from chitra.access.scoping import scope_of
from chitra.core.admin_units import current_wards
from chitra.core.errors import NotInScope
from chitra.payments import lifecycle
from chitra.payments.ids import end_to_end_id
from chitra.payments.models import (
    CurrentStatus,
    CycleExclusion,
    FileRanges,
    ItemStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    ProvincePaymentRule,
    RefusedStatusFile,
    StatusFile,
)
from chitra.payments.permissions import CycleAction, may

LIST_LIMIT = 200  # rows of a list shown on a page (the exports carry everything)
OPEN_STATUSES = (ItemStatus.SENT, ItemStatus.ACCEPTED)
EXPORTED_STATUSES = tuple(sorted(lifecycle.EXPORTED))  # one SQL text in every process
DEFAULT_ALERT_DAYS = 5


# --- who sees what ---------------------------------------------------------------------------

def _bhxh_province(user: User) -> str | None:
    """The province whose cycles ``user`` works on as BHXH staff (None: not BHXH staff)."""
    org = user.organization
    if org is not None and may(user, CycleAction.VIEW, org.province_code):
        return org.province_code
    return None


def is_post_office(user: User) -> bool:
    org = user.organization
    return (user.is_active and user.role == Role.POST_OFFICE_OPERATOR and org is not None
            and org.kind == OrganizationKind.POST_OFFICE)


def is_bank(user: User) -> bool:
    org = user.organization
    return (user.is_active and user.role == Role.BANK_OPERATOR and org is not None
            and org.kind == OrganizationKind.BANK and org.provider_id is not None)


def sees_cycles(user: User) -> bool:
    """BHXH officers and approvers (their province), superusers (all)."""
    return user.is_superuser or _bhxh_province(user) is not None


def sees_payments(user: User) -> bool:
    """Anyone with a payments page: BHXH staff, bank and post-office operators."""
    return sees_cycles(user) or is_bank(user) or is_post_office(user)


def may_upload_status(user: User) -> bool:
    return sees_payments(user)


def may_download_cash_lists(user: User, province_code: str) -> bool:
    if may(user, CycleAction.DOWNLOAD, province_code):
        return True
    org = user.organization
    return is_post_office(user) and org is not None and org.province_code == province_code


def cycles_visible_to(user: User) -> QuerySet[PaymentCycle]:
    if user.is_superuser:
        return PaymentCycle.objects.all()
    province = _bhxh_province(user)
    if province is None:
        return PaymentCycle.objects.none()
    return PaymentCycle.objects.filter(province_code=province)


def get_cycle_for(user: User, pk: int) -> PaymentCycle:
    """The cycle ``pk`` if ``user`` may see it; :class:`NotInScope` (404) otherwise."""
    found = cycles_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotInScope()
    return found


def files_visible_to(user: User) -> QuerySet[PaymentFile]:
    """Written payment files: a province's for its BHXH staff, a provider's for its bank."""
    files = PaymentFile.objects.exclude(sha256="").select_related("cycle", "provider")
    if user.is_superuser:
        return files
    province = _bhxh_province(user)
    if province is not None:
        return files.filter(cycle__province_code=province)
    if is_bank(user):
        scope = scope_of(user)
        return files.filter(provider_id=scope.provider_id,
                            cycle__province_code=scope.province_code)
    return files.none()


def get_file_for(user: User, pk: int) -> PaymentFile:
    found = files_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotInScope()
    return found


def cash_list_cycles_for(user: User) -> QuerySet[PaymentCycle]:
    """Exported cycles whose cash lists ``user`` may download."""
    exported = PaymentCycle.objects.filter(status__in=EXPORTED_STATUSES)
    if user.is_superuser:
        return exported
    org = user.organization
    if org is None or not may_download_cash_lists(user, org.province_code):
        return exported.none()
    return exported.filter(province_code=org.province_code)


# --- the cycle list --------------------------------------------------------------------------

def cycle_list(user: User) -> QuerySet[PaymentCycle]:
    """Visible cycles with item count, amount and exclusion count (one query)."""
    items = PaymentItem.objects.filter(cycle=OuterRef("pk")).order_by().values("cycle")
    excluded = CycleExclusion.objects.filter(cycle=OuterRef("pk")).order_by().values("cycle")
    zero = Value(0, output_field=IntegerField())
    return cycles_visible_to(user).annotate(
        item_count=Coalesce(Subquery(items.annotate(n=Count("id")).values("n")), zero),
        item_amount=Coalesce(Subquery(items.annotate(s=Sum("amount")).values("s")), zero),
        exclusion_count=Coalesce(Subquery(excluded.annotate(n=Count("id")).values("n")), zero),
    )


# --- the cycle detail ------------------------------------------------------------------------

@dataclass(frozen=True)
class Total:
    key: str
    label: str
    count: int
    amount: int


@dataclass
class CycleTotals:
    count: int = 0
    amount: int = 0
    by_channel: list[Total] = field(default_factory=list)
    by_provider: list[Total] = field(default_factory=list)
    by_ward: list[Total] = field(default_factory=list)


def _totals(rows: QuerySet[PaymentItem], key: str) -> list[dict[str, Any]]:
    return list(rows.values(key).annotate(n=Count("id"), s=Sum("amount")).order_by(key))


def cycle_totals(cycle: PaymentCycle) -> CycleTotals:
    """Count and amount of the cycle's items by channel, provider and ward (3 queries)."""
    items = PaymentItem.objects.filter(cycle=cycle)
    out = CycleTotals()
    for r in _totals(items, "channel"):
        out.by_channel.append(Total(r["channel"], r["channel"], r["n"], r["s"]))
        out.count += r["n"]
        out.amount += r["s"]
    for r in _totals(items, "provider__short_name"):
        name = r["provider__short_name"] or ""
        out.by_provider.append(Total(name, name, r["n"], r["s"]))
    wards = current_wards()
    for r in _totals(items, "ward_code"):
        code = r["ward_code"]
        out.by_ward.append(Total(code, wards[code].name if code in wards else code,
                                 r["n"], r["s"]))
    return out


@dataclass
class Exclusions:
    by_reason: list[Total]
    rows: list[CycleExclusion]
    total: int


def exclusions(cycle: PaymentCycle, limit: int = LIST_LIMIT) -> Exclusions:
    """Benefits due that produced no item, by reason, and the first ``limit`` (2 queries)."""
    labels = dict(CycleExclusion._meta.get_field("reason").choices or [])
    by_reason = [Total(r["reason"], str(labels.get(r["reason"], r["reason"])), r["n"],
                       r["s"] or 0)
                 for r in CycleExclusion.objects.filter(cycle=cycle).values("reason")
                 .annotate(n=Count("id"), s=Sum("benefit__amount")).order_by("reason")]
    rows = list(CycleExclusion.objects.filter(cycle=cycle)
                .select_related("beneficiary", "benefit")
                .order_by("reason", "beneficiary__full_name", "id")[:limit])
    return Exclusions(by_reason, rows, sum(t.count for t in by_reason))


def open_item_count(cycle: PaymentCycle) -> int:
    """Items sent or accepted with no final result yet (1 query): closing the cycle with
    them asks for an explicit confirmation."""
    return PaymentItem.objects.filter(cycle=cycle).in_status(*OPEN_STATUSES).count()


def exclusion_rows(cycle: PaymentCycle) -> Iterator[tuple[Any, ...]]:
    """Every exclusion of the cycle for its sheet, streamed: beneficiary name, personal ID,
    BHXH code, ward code, benefit type, amount, reason (1 query)."""
    rows = (CycleExclusion.objects.filter(cycle=cycle)
            .order_by("reason", "beneficiary__full_name", "id")
            .values_list("beneficiary__full_name", "beneficiary__citizen_id",
                         "beneficiary__bhxh_code", "beneficiary__ward_code",
                         "benefit__benefit_type", "benefit__amount", "reason"))
    yield from rows.iterator(chunk_size=5000)


def status_files_of(cycle: PaymentCycle) -> list[StatusFile]:
    """Status files that touched an item of the cycle (1 query)."""
    return list(StatusFile.objects.filter(events__item__cycle=cycle).distinct()
                .select_related("provider").order_by("-id"))


# --- reconciliation --------------------------------------------------------------------------

@dataclass(frozen=True)
class ProviderRow:
    provider: str
    cells: list[Total]  # one per status present in the cycle, in STATUS_ORDER
    count: int
    amount: int


STATUS_ORDER = [s.value for s in ItemStatus]


@dataclass
class Reconciliation:
    alert_days: int
    as_of: date
    by_status: list[Total]
    by_provider: list[ProviderRow]
    count: int
    amount: int
    overdue_count: int
    overdue_amount: int
    overdue: list[PaymentItem]
    rejected_by_reason: list[Total]
    rejected: list[PaymentItem]
    refused_files: list[RefusedStatusFile]
    status_files: list[StatusFile]


def alert_days(province_code: str) -> int:
    days = (ProvincePaymentRule.objects.filter(province_code=province_code)
            .values_list("open_item_alert_days", flat=True).first())
    return DEFAULT_ALERT_DAYS if days is None else days


def _by_status(cycle: PaymentCycle) -> list[dict[str, Any]]:
    """Count and amount by provider, current status (:class:`CurrentStatus`) and reason."""
    rows = (PaymentItem.objects.filter(cycle=cycle)
            .values("provider__short_name", "reason_code", current=CurrentStatus())
            .annotate(n=Count("id"), s=Sum("amount")))
    return sorted(rows, key=lambda r: (r["provider__short_name"] or "", r["current"],
                                       r["reason_code"] or ""))


def reconciliation(cycle: PaymentCycle, as_of: date, limit: int = LIST_LIMIT) -> Reconciliation:
    """Where every item of the cycle stands (a fixed number of queries)."""
    labels = dict(ItemStatus.choices)
    rows = _by_status(cycle)
    status_n: dict[str, int] = {}
    status_s: dict[str, int] = {}
    grid: dict[str, dict[str, tuple[int, int]]] = {}
    reasons: dict[tuple[str, str], tuple[int, int]] = {}
    for r in rows:
        st, n, s = r["current"], r["n"], r["s"]
        status_n[st] = status_n.get(st, 0) + n
        status_s[st] = status_s.get(st, 0) + s
        cell = grid.setdefault(r["provider__short_name"] or "", {})
        old = cell.get(st, (0, 0))
        cell[st] = (old[0] + n, old[1] + s)
        if st in (ItemStatus.REJECTED, ItemStatus.RETURNED):
            key = (st, r["reason_code"] or "")
            old = reasons.get(key, (0, 0))
            reasons[key] = (old[0] + n, old[1] + s)
    by_status = [Total(st, str(labels[st]), status_n[st], status_s[st])
                 for st in STATUS_ORDER if st in status_n]
    present = [st for st in STATUS_ORDER if st in status_n]
    by_provider = [
        ProviderRow(p, [Total(st, str(labels[st]), *cells.get(st, (0, 0))) for st in present],
                    sum(n for n, _ in cells.values()), sum(s for _, s in cells.values()))
        for p, cells in sorted(grid.items(), key=lambda kv: (kv[0] == "", kv[0]))]
    days = alert_days(cycle.province_code)
    overdue_q = PaymentItem.objects.filter(cycle=cycle).in_status(*OPEN_STATUSES).filter(
        payment_date__lt=as_of - timedelta(days=days))
    agg = overdue_q.aggregate(n=Count("id"), s=Sum("amount"))
    overdue = list(overdue_q.select_related("provider", "cycle")
                   .order_by("payment_date", "id")[:limit])
    rejected = list(PaymentItem.objects.filter(
        cycle=cycle, status__in=(ItemStatus.REJECTED, ItemStatus.RETURNED))
        .select_related("provider", "cycle").order_by("reason_code", "full_name", "id")[:limit])
    return Reconciliation(
        alert_days=days, as_of=as_of, by_status=by_status, by_provider=by_provider,
        count=sum(status_n.values()), amount=sum(status_s.values()),
        overdue_count=agg["n"] or 0, overdue_amount=agg["s"] or 0, overdue=overdue,
        rejected_by_reason=[Total(st, reason, n, s)
                            for (st, reason), (n, s) in sorted(reasons.items())],
        rejected=rejected, refused_files=refused_files_of(cycle),
        status_files=status_files_of(cycle))


def refused_files_of(cycle: PaymentCycle, limit: int = 50) -> list[RefusedStatusFile]:
    """Refused status files that may concern the cycle: received since its export, from a
    provider it paid through or from a user of its province (a refused file names no cycle).
    """
    if cycle.exported_at is None:
        return []
    providers = PaymentFile.objects.filter(cycle=cycle).values("provider_id")
    province_users = User.objects.filter(
        organization__province_code=cycle.province_code).values("username")
    return list(RefusedStatusFile.objects.filter(received_at__gte=cycle.exported_at).filter(
        Q(provider_id__in=providers) | Q(received_by__in=province_users))
        .select_related("provider").order_by("-id")[:limit])


# --- the reconciliation export ---------------------------------------------------------------

# The csv keeps machine keys (scripts read it; its rows carry codes, not words); the xlsx,
# which people read, has these column titles, in the reader's language (gettext at writing).
SUMMARY_HEADER = ("nha_cung_cap", "trang_thai", "ma_ly_do", "so_giao_dich", "so_tien_dong")
ITEM_HEADER = ("end_to_end_id", "ho_ten", "so_dinh_danh", "ma_phuong_xa", "kenh",
               "nha_cung_cap", "so_tien_dong", "ngay_chi", "trang_thai", "ma_ly_do", "tep")
SUMMARY_TITLES = (gettext_noop("Ngân hàng / ví"), gettext_noop("Trạng thái"),
                  gettext_noop("Lý do"), gettext_noop("Số giao dịch"),
                  gettext_noop("Số tiền (đồng)"))
ITEM_TITLES = (gettext_noop("Mã giao dịch"), gettext_noop("Họ tên"),
               gettext_noop("Số định danh"), gettext_noop("Phường/xã"),
               gettext_noop("Kênh nhận"), gettext_noop("Ngân hàng / ví"),
               gettext_noop("Số tiền (đồng)"), gettext_noop("Ngày chi"),
               gettext_noop("Trạng thái"), gettext_noop("Lý do"), gettext_noop("Tệp"))
CASH_PROVIDER, TOTAL = "TIEN_MAT", "TONG"  # the csv's words for cash and the total row


def summary_rows(cycle: PaymentCycle) -> list[tuple[str, str, str, int, int]]:
    """Provider × status × reason with count and amount, then a total row (1 query)."""
    out = [(r["provider__short_name"] or CASH_PROVIDER, r["current"], r["reason_code"] or "",
            r["n"], r["s"]) for r in _by_status(cycle)]
    out.append((TOTAL, "", "", sum(r[3] for r in out), sum(r[4] for r in out)))
    return out


def item_rows(cycle: PaymentCycle) -> Iterator[tuple[Any, ...]]:
    """Every item of the cycle, streamed from the database in chunks. EndToEndId, current
    status and file are derived (no item row stores them, see ``PaymentItem``)."""
    sent = cycle.sent_at is not None
    files = FileRanges(PaymentFile.objects.filter(cycle=cycle))
    rows = (PaymentItem.objects.filter(cycle=cycle).order_by("id")
            .annotate(current=CurrentStatus())
            .values_list("id", "full_name", "citizen_id", "ward_code", "channel",
                         "provider__short_name", "amount", "payment_date", "current",
                         "reason_code", "provider_id"))
    for item_id, *middle, provider_id in rows.iterator(chunk_size=5000):
        pf = files.of(cycle.pk, provider_id, item_id)
        e2e = end_to_end_id(cycle.period, item_id) if sent else ""
        yield tuple("" if v is None else v for v in (
            e2e, *middle, pf.file_name if pf else ""))
