"""The payment core (DESIGN §8). Constraints, not only code, keep "paid at most once"."""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import F, Q

from chitra.payments.iso20022.ids import end_to_end_id
from chitra.payments.iso20022.text import DETAIL_MAX
from chitra.registry.models import Channel


class CycleStatus(models.TextChoices):
    OPEN = "open", "Mở"
    # A big province's compute commits in parts: until the last, nothing may follow.
    COMPUTING = "computing", "Đang tính"
    COMPUTED = "computed", "Đã tính"
    APPROVED = "approved", "Đã duyệt"
    EXPORTED = "exported", "Đã xuất tệp"
    RECONCILING = "reconciling", "Đang đối soát"
    CLOSED = "closed", "Đã đóng"


class PaymentCycle(models.Model):
    """One province × one calendar month (kỳ chi trả)."""

    province_code = models.CharField(max_length=2)
    period = models.DateField()  # the first day of the month
    status = models.CharField(max_length=12, choices=CycleStatus.choices,
                              default=CycleStatus.OPEN)
    transfer_date = models.DateField(null=True, blank=True)  # first working day
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField(auto_now_add=True)
    computed_by = models.CharField(max_length=150, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Progress of the running background step (compute/export), for the UI and the CLI.
    progress_step = models.CharField(max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # When the running step last reported (or was queued): a step silent for long is stuck.
    progress_at = models.DateTimeField(null=True, blank=True)
    # When the export plan committed: from then on every item still stored ``pending`` is
    # sent (one row here instead of an UPDATE of millions of items; see PaymentItem).
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "province_code"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "period"], name="cycle_unique_month"),
            models.CheckConstraint(condition=Q(status__in=CycleStatus.values),
                                   name="cycle_status_valid"),
            models.CheckConstraint(condition=Q(approved_by="") | ~Q(approved_by=F("computed_by")),
                                   name="cycle_maker_is_not_checker"),
            models.CheckConstraint(condition=Q(period__day=1), name="cycle_period_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.province_code}/{self.period:%Y-%m}"


class ObligationStatus(models.TextChoices):
    OPEN = "open", "Chưa chi"
    PAID = "paid", "Đã chi"


class Obligation(models.Model):
    """What is owed: one per benefit and period (DESIGN §3.2)."""

    # A million rows per compute: the reference is checked by the database once per
    # statement, not by a foreign-key trigger per row (migration payments.0009).
    cycle = models.ForeignKey(PaymentCycle, on_delete=models.PROTECT, related_name="obligations",
                              db_constraint=False)
    # Found by its index (``obligation_by_benefit``). Checked once per statement, and a
    # named benefit kept from deletion (migration payments.0010).
    benefit = models.ForeignKey("registry.Benefit", on_delete=models.PROTECT,
                                related_name="obligations", db_index=False,
                                db_constraint=False)
    # Copied from the benefit in the same INSERT … SELECT; no per-row FK trigger (bulk path),
    # and no index: a person's obligations are found through their benefits.
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="obligations", db_constraint=False,
                                    db_index=False)
    period = models.DateField()
    amount = models.BigIntegerField()

    class Meta:
        # The month leads the unique key: a compute writes its obligations at the end of the
        # index, not one into every benefit's entries, which after a year is a page read and
        # written for every few people (issue 15). Lookups by benefit have their own index,
        # which PostgreSQL keeps as one entry per benefit with the list of its rows: a
        # quarter of the unique key's size (8 bytes a row), so a province's part of it
        # stays in memory.
        indexes = [models.Index(fields=["benefit"], name="obligation_by_benefit")]
        constraints = [
            models.UniqueConstraint(fields=["period", "benefit"],
                                    name="obligation_once_per_period"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="obligation_amount_positive"),
        ]

    @property
    def status(self) -> ObligationStatus:
        """Paid once one of its attempts is paid, open otherwise (a return reopens it).
        Derived from the items, not stored: settling a status file then writes no obligation
        (a million rows a month), and the two can never disagree."""
        paid = self.items.filter(status=ItemStatus.PAID).exists()
        return ObligationStatus.PAID if paid else ObligationStatus.OPEN


class ItemStatus(models.TextChoices):
    PENDING = "pending", "Chờ xuất"
    SENT = "sent", "Đã gửi"
    ACCEPTED = "accepted", "Ngân hàng đã nhận"
    PAID = "paid", "Đã chi"
    REJECTED = "rejected", "Bị từ chối"
    RETURNED = "returned", "Bị hoàn trả"
    CANCELLED = "cancelled", "Huỷ"


# Statuses after which another attempt of the same obligation may be made.
CLOSED_ITEM_STATUSES = (ItemStatus.REJECTED, ItemStatus.RETURNED, ItemStatus.CANCELLED)
# …but not after a rejection as a duplicate (DUPL): the payment it duplicates was made.
DUPLICATE_REASON = "DUPL"


def current_status_sql(status: str, sent_at: str) -> str:
    """The SQL of an item's current status, from the item's stored ``status`` column and its
    cycle's ``sent_at`` column (SQL references, e.g. ``i.status``, ``c.sent_at``).

    The one definition: stored ``pending`` in a cycle whose export plan committed is
    ``sent`` (export writes nothing per item). The ORM uses it through
    :class:`CurrentStatus`, the status loader inline (one CASE per row, no join of its own).
    """
    return (f"CASE WHEN {status} = '{ItemStatus.PENDING.value}' AND {sent_at} IS NOT NULL "
            f"THEN '{ItemStatus.SENT.value}' ELSE {status} END")


class CurrentStatus(models.Func):
    """:func:`current_status_sql` as an ORM expression over the item's ``status`` and its
    cycle's ``sent_at`` (a join to the cycle)."""

    output_field = models.CharField()

    def __init__(self, status: str = "status", sent_at: str = "cycle__sent_at") -> None:
        super().__init__(F(status), F(sent_at))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any  # type: ignore[override]
               ) -> tuple[str, list[Any]]:
        (status, p_status), (sent_at, p_sent) = (compiler.compile(e)
                                                 for e in self.get_source_expressions())
        return current_status_sql(status, sent_at), [*p_status, *p_sent, *p_status]


class ItemQuerySet(models.QuerySet["PaymentItem"]):
    def of_person(self, person: Any, *, closed: bool) -> ItemQuerySet:
        """The items of ``person`` (an id, a person or an ``OuterRef``) that are ``closed``
        (another attempt may follow: see ``closed``) or not (live or paid), found
        through the person's benefits, their obligations and one of the two indexes of items
        by obligation (each holds one of the halves; items have no index by person)."""
        return self.filter(obligation__benefit__beneficiary=person, beneficiary=person,
                           closed=closed)

    def of_people(self, people: Any, *, closed: bool) -> ItemQuerySet:
        """:meth:`of_person` for many (ids or a query of people)."""
        return self.filter(obligation__benefit__beneficiary__in=people,
                           beneficiary__in=people, closed=closed)

    def in_status(self, *statuses: ItemStatus | str) -> ItemQuerySet:
        """Items whose current status (:class:`CurrentStatus`) is one of ``statuses``."""
        if not statuses:
            return self.none()
        return self.alias(current=CurrentStatus()).filter(
            current__in=[str(s) for s in statuses])


def current_status(stored: str, cycle_sent: bool) -> ItemStatus:
    """The Python twin of :func:`current_status_sql`, for an item in memory: stored as
    ``stored`` in a cycle whose export plan has (``cycle_sent``) or has not committed."""
    if stored == ItemStatus.PENDING and cycle_sent:
        return ItemStatus.SENT
    return ItemStatus(stored)


class PaymentItem(models.Model):
    """One attempt to pay an obligation, frozen at compute time (DESIGN §3.3).

    Export writes nothing per item (millions of rows): an item is *sent* when its cycle's
    export plan commits (``cycle.sent_at``) while its stored status is still ``pending``; its
    file is the cycle's file of its provider whose id range holds it; its EndToEndId derives
    from the period and its id (unique because the id is).
    """

    # Bulk path (millions of rows per compute): the frozen copies and derivable references
    # carry no per-row FK trigger and no index of their own; the rows they point at are
    # reference data or registry rows that are never deleted (PROTECT), and every row is
    # written by one INSERT … SELECT that joins the referenced tables.
    # (cycle, provider, id) serves lookups. Checked once per statement, as for obligations.
    cycle = models.ForeignKey(PaymentCycle, on_delete=models.PROTECT, related_name="items",
                              db_index=False, db_constraint=False)
    # Checked once per statement, and a named obligation kept (migration payments.0010).
    # Looked up through two partial indexes (below): the live or paid item of an obligation,
    # and its closed ones; a new item only enters the first.
    obligation = models.ForeignKey(Obligation, on_delete=models.PROTECT, related_name="items",
                                   db_constraint=False, db_index=False)
    # No index by person: every compute wrote into its middle, a page for every few people
    # once a year of items was there (December's compute a fifth slower than January's).
    # A person's items are found through their benefits' obligations (:meth:`of_person`).
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="payment_items", db_constraint=False,
                                    db_index=False)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reissues", db_constraint=False, db_index=False)
    # Frozen copy
    full_name = models.CharField(max_length=120)
    citizen_id = models.CharField(max_length=12)
    ward_code = models.CharField(max_length=5)
    channel = models.CharField(max_length=15, choices=Channel.choices)
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="payment_items",
                                 db_constraint=False, db_index=False)
    account_number = models.CharField(max_length=34, blank=True)
    holder_name = models.CharField(max_length=120, blank=True)
    payment_point = models.ForeignKey("registry.PaymentPoint", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="payment_items",
                                      db_constraint=False, db_index=False)
    amount = models.BigIntegerField()
    payment_date = models.DateField()
    # Lifecycle
    status = models.CharField(max_length=10, choices=ItemStatus.choices,
                              default=ItemStatus.PENDING)
    # Derived from status (a DUPL rejection stays live: never reissued), for the "one live
    # or paid item" index: a move between live statuses (sent → accepted → paid) then
    # changes no indexed value, so PostgreSQL can update the row in place (HOT) without
    # touching any index — the status ingest path.
    closed = models.GeneratedField(
        expression=Q(status__in=CLOSED_ITEM_STATUSES)  # type: ignore[arg-type]  # Q is one
        & ~Q(status=ItemStatus.REJECTED, reason_code=DUPLICATE_REASON),
        output_field=models.BooleanField(), db_persist=True)
    reason_code = models.CharField(max_length=8, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["cycle", "provider", "id"]),
                   models.Index(fields=["obligation"], condition=Q(closed=True),
                                name="item_closed_by_obligation"),
                   # A compute's reissues read one province's closed items, by cycle, from
                   # the index alone (not every province's, from a table of 40 M rows), and
                   # each part of it only its own people's.
                   models.Index(fields=["cycle", "beneficiary", "obligation", "id"],
                                condition=Q(closed=True), name="item_closed_by_cycle"),
                   # The attempts reissued: a compute's reissues pass over them.
                   models.Index(fields=["replaces"], condition=Q(replaces__isnull=False),
                                name="item_reissue_of")]
        constraints = [
            models.UniqueConstraint(
                fields=["obligation"], condition=Q(closed=False),
                name="item_one_live_or_paid_per_obligation"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="item_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=ItemStatus.values),
                                   name="item_status_valid"),
            models.CheckConstraint(
                condition=(Q(channel=Channel.CASH) & Q(provider__isnull=True))
                | (~Q(channel=Channel.CASH) & Q(provider__isnull=False) & ~Q(account_number="")),
                name="item_fields_match_channel"),
        ]

    @property
    def current_status(self) -> ItemStatus:
        return current_status(self.status, self.cycle.sent_at is not None)

    def get_current_status_display(self) -> str:
        return str(dict(ItemStatus.choices)[self.current_status])

    @property
    def end_to_end_id(self) -> str | None:
        """The EndToEndId in the payment file or cash list results (None before export)."""
        if self.cycle.sent_at is None:
            return None
        return end_to_end_id(self.cycle.period, self.pk)


class PaymentFile(models.Model):
    """A pain.001 file sent to a provider. Created-at is fixed at first export, so a
    re-export gives the same bytes."""

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.PROTECT, related_name="files")
    provider = models.ForeignKey("core.PaymentProvider", on_delete=models.PROTECT,
                                 related_name="payment_files")
    sequence = models.PositiveIntegerField()
    msg_id = models.CharField(max_length=35, unique=True)
    file_name = models.CharField(max_length=120)
    created_at = models.DateTimeField()
    sha256 = models.CharField(max_length=64, blank=True)
    tx_count = models.PositiveIntegerField()
    control_sum = models.BigIntegerField()
    # The file holds the cycle's items of its provider with first_item_id ≤ id ≤ last_item_id
    # (the plan splits by id ranges, so no item row names its file).
    first_item_id = models.BigIntegerField()
    last_item_id = models.BigIntegerField()

    class Meta:
        ordering = ["provider__short_name", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "provider", "sequence"],
                                    name="file_unique_sequence"),
            models.CheckConstraint(condition=Q(first_item_id__lte=F("last_item_id")),
                                   name="file_item_range_ordered"),
        ]

    def items(self) -> ItemQuerySet:
        return PaymentItem.objects.filter(cycle_id=self.cycle_id, provider_id=self.provider_id,
                                          id__gte=self.first_item_id,
                                          id__lte=self.last_item_id)


class FileRanges:
    """Which payment file holds an item: the file of its cycle and provider whose id range
    holds its id (bisect over a cycle's few files; no item row names its file)."""

    def __init__(self, files: Iterable[PaymentFile]) -> None:
        self._files: dict[tuple[int, int], list[PaymentFile]] = defaultdict(list)
        for pf in sorted(files, key=lambda f: f.first_item_id):
            self._files[(pf.cycle_id, pf.provider_id)].append(pf)
        self._starts = {k: [f.first_item_id for f in fs] for k, fs in self._files.items()}

    def of(self, cycle_id: int, provider_id: int | None, item_id: int) -> PaymentFile | None:
        key = (cycle_id, provider_id or 0)
        k = bisect_right(self._starts.get(key, []), item_id) - 1
        if k < 0:
            return None
        pf = self._files[key][k]
        return pf if item_id <= pf.last_item_id else None


class StatusSource(models.TextChoices):
    PAIN002 = "pain002", "pain.002"
    CAMT054 = "camt054", "camt.054"
    CASH = "cash", "Kết quả chi tiền mặt"


class StatusFile(models.Model):
    """A status file received; the same bytes twice are applied once (unique sha256)."""

    sha256 = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=10, choices=StatusSource.choices)
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="status_files")
    file_name = models.CharField(max_length=255)
    received_by = models.CharField(max_length=150)
    received_at = models.DateTimeField(auto_now_add=True)
    lines = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    exceptions = models.PositiveIntegerField(default=0)
    # Lines that are not about our items (other movements on the account, unknown or
    # foreign ids, a status this kind of file may not carry): counted, the first ones kept
    # with their reason [{row, column, value, code, message_vi, message_en}].
    set_aside = models.PositiveIntegerField(default=0)
    set_aside_lines = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-id"]


class RefusedStatusFile(models.Model):
    """A status file that was refused whole, kept with its problems (unmatched lines etc.)
    for the reconciliation page. Nothing from it was applied."""

    sha256 = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255)
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    received_by = models.CharField(max_length=150)
    received_at = models.DateTimeField(auto_now_add=True)
    problems = models.JSONField()  # [{row, column, value, code, message_vi, message_en}]

    class Meta:
        ordering = ["-id"]


class StatusEvent(models.Model):
    """A status line applied to (or recorded against) an item. Append-only."""

    # Bulk path (one row per status line): written by INSERT … SELECT from the items and
    # the file just created, so no per-row FK trigger; neither is ever deleted (PROTECT).
    item = models.ForeignKey(PaymentItem, on_delete=models.PROTECT, related_name="events",
                             db_constraint=False)
    # Not indexed: events are read by item; one index less to write per line.
    source_file = models.ForeignKey(StatusFile, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="events", db_constraint=False, db_index=False)
    iso_status = models.CharField(max_length=20)  # ISO code, or CASH_PAID / CASH_NOT_COLLECTED
    reason_code = models.CharField(max_length=8, blank=True)
    from_status = models.CharField(max_length=10, choices=ItemStatus.choices)
    to_status = models.CharField(max_length=10, choices=ItemStatus.choices)
    # True when the line contradicts a final status: a person must resolve it.
    is_exception = models.BooleanField(default=False)
    resolved_by = models.CharField(max_length=150, blank=True)
    # What the bank said besides the code (AddtlInf; the change an ACWC made), shown as is.
    detail = models.CharField(max_length=DETAIL_MAX, blank=True, default="")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class ExceptionKind(models.TextChoices):
    CONFLICT = "conflict", "Mâu thuẫn với trạng thái cuối"
    RETURN_BEFORE_PAID = "return_before_paid", "Hoàn trả khi chưa chi"
    AMOUNT_MISMATCH = "amount_mismatch", "Số tiền khác lệnh chi"
    WRONG_FILE = "msg_id_mismatch", "Không thuộc tệp chi được nêu"
    NOT_SENT = "not_sent", "Giao dịch chưa được gửi"
    UNKNOWN_CODE = "unknown_code", "Mã trạng thái lạ"
    NEEDS_REVIEW = "needs_review", "Ngân hàng giữ lại, cần xem xét"
    # Applied and held too (status.transitions.APPLIED_AND_HELD): the item is rejected, a
    # person checks what the line implies.
    DEATH_REPORTED = "death_reported", "Bưu điện báo người hưởng đã chết — cần xác nhận"
    DUPLICATE = "duplicate", "Ngân hàng báo lệnh trùng — kiểm tra đã chi chưa"


class ExceptionState(models.TextChoices):
    OPEN = "open", "Chờ xử lý"
    PROPOSED = "proposed", "Chờ duyệt"
    RESOLVED = "resolved", "Đã xử lý"


class ExceptionResolution(models.TextChoices):
    APPLY = "apply", "Ghi nhận theo tệp của ngân hàng"
    KEEP = "keep", "Giữ nguyên trạng thái hiện có"


class StatusException(models.Model):
    """A status line about one of our items that cannot apply by itself (it contradicts the
    item's history, its amount differs, its code is unknown…): held for an officer to
    resolve with a reason, and a second officer to approve (maker–checker). The rest of its
    file applies."""

    status_file = models.ForeignKey(StatusFile, on_delete=models.PROTECT,
                                    related_name="exception_lines")
    item = models.ForeignKey(PaymentItem, on_delete=models.PROTECT, related_name="exceptions",
                             db_constraint=False)
    line_no = models.IntegerField(null=True, blank=True)
    iso_status = models.CharField(max_length=20)
    reason_code = models.CharField(max_length=8, blank=True)
    detail = models.CharField(max_length=DETAIL_MAX, blank=True, default="")
    amount = models.BigIntegerField(null=True, blank=True)  # as the line states it
    item_status = models.CharField(max_length=10, choices=ItemStatus.choices)  # when received
    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    state = models.CharField(max_length=10, choices=ExceptionState.choices,
                             default=ExceptionState.OPEN)
    resolution = models.CharField(max_length=10, choices=ExceptionResolution.choices,
                                  blank=True)
    note = models.TextField(blank=True)  # the maker's reason
    proposed_by = models.CharField(max_length=150, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ExceptionKind.values),
                                   name="exception_kind_valid"),
            # Open: nothing decided; proposed: a resolution with its reason and maker;
            # resolved: approved by a second person (maker–checker, in the database).
            models.CheckConstraint(
                condition=(Q(state=ExceptionState.OPEN, resolution="", proposed_by="",
                             resolved_by="")
                           | (Q(state=ExceptionState.PROPOSED, resolved_by="")
                              & Q(resolution__in=ExceptionResolution.values)
                              & ~Q(note="") & ~Q(proposed_by=""))
                           | (Q(state=ExceptionState.RESOLVED)
                              & Q(resolution__in=ExceptionResolution.values)
                              & ~Q(note="") & ~Q(proposed_by="") & ~Q(resolved_by="")
                              & ~Q(resolved_by=F("proposed_by")))),
                name="exception_maker_checker"),
        ]


class OfficeAccount(models.Model):
    """The province office's account at one provider: the debtor account of that provider's
    payment files (a transfer within one bank), and an account its camt.054 may notify."""

    province_code = models.CharField(max_length=2)
    provider = models.ForeignKey("core.PaymentProvider", on_delete=models.PROTECT,
                                 related_name="+")
    account_number = models.CharField(max_length=34)
    agent_bic = models.CharField(max_length=11, blank=True)

    class Meta:
        ordering = ["province_code", "provider__short_name"]
        constraints = [models.UniqueConstraint(fields=["province_code", "provider"],
                                               name="office_account_once_per_provider"),
                       models.CheckConstraint(condition=~Q(account_number=""),
                                              name="office_account_number_given")]


class ExclusionReason(models.TextChoices):
    SUSPENDED = "suspended", "Tạm dừng hưởng"
    DECEASED = "deceased", "Đã chết"
    NO_ACCOUNT = "no_account", "Không có phương thức nhận"


class CycleExclusion(models.Model):
    """A benefit due in the month that produced no item, and why."""

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.CASCADE, related_name="exclusions")
    benefit = models.ForeignKey("registry.Benefit", on_delete=models.PROTECT, related_name="+")
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="+")
    reason = models.CharField(max_length=12, choices=ExclusionReason.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "benefit"],
                                               name="exclusion_once_per_cycle")]


class CyclePaymentDay(models.Model):
    """When a ward's cash recipients are paid at their payment points in a cycle."""

    cycle = models.ForeignKey(PaymentCycle, on_delete=models.CASCADE, related_name="ward_days")
    ward_code = models.CharField(max_length=5)
    payment_date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "ward_code"],
                                               name="ward_day_once_per_cycle")]


class ProvincePaymentRule(models.Model):
    """Per-province choices: how to reissue after a bad-account rejection, alert delay."""

    province_code = models.CharField(max_length=2, unique=True)
    reissue_bad_account_as_cash = models.BooleanField(default=True)
    open_item_alert_days = models.PositiveSmallIntegerField(default=5)
    # A transfer date already past at export: refuse the export (True) or move it to the
    # next banking day with a warning (False).
    refuse_past_transfer_date = models.BooleanField(default=False)
    debtor_name = models.CharField(max_length=140, default="BẢO HIỂM XÃ HỘI TỈNH")
    debtor_account = models.CharField(max_length=34, default="")
    debtor_agent_bic = models.CharField(max_length=11, default="")
