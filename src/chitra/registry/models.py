from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import F, Q

from chitra.core.identifiers import Sex
from chitra.core.text import fold_key


class BeneficiaryStatus(models.TextChoices):
    ACTIVE = "active", "Đang hưởng"
    SUSPENDED = "suspended", "Tạm dừng"
    DECEASED = "deceased", "Đã chết"


class VerificationOutcome(models.TextChoices):
    """The outcome of the last verification against the national population database.

    The same values as ``chitra.verification.outcomes.Outcome`` (registry does not import
    verification; a test keeps the two in step)."""

    MATCH = "match", "Khớp"
    NAME_DIFFERS = "name_differs", "Họ tên khác"
    BIRTH_DATE_DIFFERS = "birth_date_differs", "Ngày sinh khác"
    NOT_FOUND = "not_found", "Không tìm thấy"
    DECEASED = "deceased", "Đã chết"
    MOVED = "moved", "Đã chuyển nơi cư trú"


class SexChoice(models.TextChoices):
    MALE = Sex.MALE.value, "Nam"
    FEMALE = Sex.FEMALE.value, "Nữ"


class PaymentPoint(models.Model):
    """A post-office payment point where cash recipients collect (điểm chi trả)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5, db_index=True)
    address = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name


class Beneficiary(models.Model):
    """A person who receives a benefit (người hưởng). The personal ID is the key.

    Read and write ``citizen_id`` and account numbers only through the model's accessors'
    owners (services), so encryption at rest can come in one place.
    """

    # Unique and indexed through Meta (plain B-trees, for exact lookups and ordering): a
    # field's unique=True/db_index=True would add a second varchar_pattern_ops "_like"
    # index on PostgreSQL, which no query here uses (name search is a substring match).
    citizen_id = models.CharField(max_length=12)
    bhxh_code = models.CharField(max_length=10, blank=True)
    full_name = models.CharField(max_length=120)  # NFC
    name_key = models.CharField(max_length=120)  # accent-free, for search and ordering
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=SexChoice.choices)
    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5)
    street = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=15, blank=True)
    status = models.CharField(max_length=10, choices=BeneficiaryStatus.choices,
                              default=BeneficiaryStatus.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    payment_point = models.ForeignKey(PaymentPoint, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="beneficiaries")
    # Recorded by services.record_deaths (e.g. from the police's answer): set only together
    # with the status deceased. A person marked deceased before this field may have none.
    death_date = models.DateField(null=True, blank=True)
    # The last verification against the population database: VerificationStamp.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BeneficiaryStatus.values),
                                   name="beneficiary_status_valid"),
            models.CheckConstraint(condition=Q(sex__in=SexChoice.values),
                                   name="beneficiary_sex_valid"),
            models.CheckConstraint(
                condition=Q(status=BeneficiaryStatus.ACTIVE) | ~Q(status_reason=""),
                name="beneficiary_inactive_has_reason"),
            models.UniqueConstraint(fields=["citizen_id"], name="beneficiary_citizen_id_unique"),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(status=BeneficiaryStatus.DECEASED),
                name="beneficiary_death_date_means_deceased"),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(death_date__gte=F("date_of_birth")),
                name="beneficiary_death_after_birth"),
        ]
        indexes = [models.Index(fields=["province_code", "ward_code"]),
                   models.Index(fields=["bhxh_code"], name="beneficiary_bhxh_code_idx"),
                   models.Index(fields=["name_key"], name="beneficiary_name_key_idx"),
                   # The few not paid: what a payment cycle lists as excluded.
                   models.Index(fields=["province_code"],
                                condition=~Q(status=BeneficiaryStatus.ACTIVE),
                                name="beneficiary_not_active")]

    def __str__(self) -> str:
        return self.full_name


class VerificationStamp(models.Model):
    """The last verification of a beneficiary against the national population database
    (issue 16): when, its outcome, and what brought it (e.g. ``batch:12``). No row: never
    verified.

    A narrow table of its own, not columns of :class:`Beneficiary`: a national run stamps
    3.4 M people, and rewriting that many wide rows with all their indexes took 104 s
    (``benchmarks/verification.py``). No foreign key in the database either: checking 3.4 M
    references at commit took 21 s more. Rows are written only by
    :func:`chitra.registry.stamps.record_verification` and ``stamp_in_bulk``, which take
    the ids from ``registry_beneficiary`` itself, and a beneficiary is never deleted while
    anything refers to it (deleting one through the ORM deletes its stamp; every reader
    starts from the beneficiary, so a stamp left by a delete racing a run is never read). On
    PostgreSQL its pages are filled to 45 % (migration 0011), so that the next run rewrites
    each stamp in place."""

    beneficiary = models.OneToOneField(Beneficiary, on_delete=models.CASCADE, primary_key=True,
                                       db_constraint=False, related_name="verification_stamp")
    verified_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=VerificationOutcome.choices)
    source = models.CharField(max_length=40)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(outcome__in=VerificationOutcome.values),
                                              name="verification_stamp_outcome_valid")]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {self.outcome}"


class IdentityCorrection(models.Model):
    """Before and after of one identity field corrected (name, date of birth, ward), e.g.
    after a verification against the population database: the detail of the one audit entry
    ``beneficiary.correct_identity`` (:func:`registry.services.correct_identity`)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT,
                                    related_name="identity_corrections")
    audit_entry = models.ForeignKey("core.AuditEntry", on_delete=models.PROTECT,
                                    related_name="+")
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=200)
    new_value = models.CharField(max_length=200)
    reason = models.CharField(max_length=300)
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(field__in=["full_name", "date_of_birth",
                                                          "ward_code"]),
                                   name="identity_correction_field_valid"),
            models.CheckConstraint(condition=~Q(old_value=F("new_value")),
                                   name="identity_correction_changes"),
            models.CheckConstraint(condition=~Q(reason=""), name="identity_correction_reason"),
        ]


class BenefitType(models.TextChoices):
    PENSION = "pension", "Lương hưu"
    MONTHLY_ALLOWANCE = "monthly_allowance", "Trợ cấp BHXH hàng tháng"
    UNEMPLOYMENT = "unemployment", "Trợ cấp thất nghiệp"
    LUMP_SUM = "lump_sum", "BHXH một lần"
    SICKNESS = "sickness", "Ốm đau"
    MATERNITY = "maternity", "Thai sản"
    CONVALESCENCE = "convalescence", "Dưỡng sức phục hồi sức khỏe"
    FUNERAL = "funeral", "Mai táng phí"
    SURVIVOR_LUMP_SUM = "survivor_lump_sum", "Tử tuất một lần"


MONTHLY_TYPES = frozenset({BenefitType.PENSION, BenefitType.MONTHLY_ALLOWANCE})


class BenefitGroup(models.TextChoices):
    """Target groups of the Lai Châu plan: monthly > 90% cashless, one-time 100%."""

    MONTHLY = "monthly", "Hàng tháng"
    ONE_TIME = "one_time", "Một lần / ngắn hạn"


def group_of(benefit_type: str) -> BenefitGroup:
    return BenefitGroup.MONTHLY if benefit_type in MONTHLY_TYPES else BenefitGroup.ONE_TIME


class BenefitStatus(models.TextChoices):
    ACTIVE = "active", "Đang hưởng"
    SUSPENDED = "suspended", "Tạm dừng"
    ENDED = "ended", "Đã kết thúc"


class Benefit(models.Model):
    # Database guards from payments (payments obligations name benefits without a foreign
    # key): ``benefits_in_use_stay`` refuses deleting a benefit an obligation names and
    # ``benefit_id_stays`` renumbering one (PostgreSQL). Declared in ``payments/dbguards.py``,
    # which knows the payments tables; registry never imports payments.
    # No index of its own: benefit_unique_per_start starts with beneficiary_id.
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="benefits",
                                    db_index=False)
    benefit_type = models.CharField(max_length=20, choices=BenefitType.choices)
    group = models.CharField(max_length=10, choices=BenefitGroup.choices)
    sub_kind = models.CharField(max_length=60, blank=True)  # e.g. TNLĐ-BNN, tử tuất hàng tháng
    amount = models.BigIntegerField()  # đồng; per month for monthly benefits
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=BenefitStatus.choices,
                              default=BenefitStatus.ACTIVE)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="benefit_amount_positive"),
            models.CheckConstraint(condition=Q(benefit_type__in=BenefitType.values),
                                   name="benefit_type_valid"),
            models.CheckConstraint(condition=Q(status__in=BenefitStatus.values),
                                   name="benefit_status_valid"),
            models.CheckConstraint(
                condition=(Q(group=BenefitGroup.MONTHLY)
                           & Q(benefit_type__in=sorted(MONTHLY_TYPES)))
                | (Q(group=BenefitGroup.ONE_TIME)
                   & ~Q(benefit_type__in=sorted(MONTHLY_TYPES))),
                name="benefit_group_matches_type"),
            models.CheckConstraint(condition=Q(end_date__isnull=True)
                                   | Q(end_date__gte=F("start_date")),
                                   name="benefit_end_after_start"),
            models.UniqueConstraint(fields=["beneficiary", "benefit_type", "start_date"],
                                    name="benefit_unique_per_start"),
        ]
        # The few not paid: what a payment cycle lists as excluded.
        indexes = [models.Index(fields=["beneficiary"], condition=~Q(status=BenefitStatus.ACTIVE),
                                name="benefit_not_active")]


class Channel(models.TextChoices):
    CASH = "cash", "Tiền mặt"
    BANK_ACCOUNT = "bank_account", "Tài khoản ngân hàng"
    EWALLET = "ewallet", "Ví điện tử"


class PaymentAccount(models.Model):
    """One version of how a beneficiary is paid. A new version closes the old; none is
    overwritten (DESIGN §3.4)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT,
                                    related_name="payment_accounts")
    channel = models.CharField(max_length=15, choices=Channel.choices)
    # No index of its own: current accounts are found by account_current_number_idx, and
    # providers (reference data) are never deleted.
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="accounts",
                                 db_index=False)
    # Looked up only as a current account, by (provider, number): account_current_number_idx.
    account_number = models.CharField(max_length=34, blank=True)
    holder_name = models.CharField(max_length=120, blank=True)  # NFC, as the provider holds it
    holder_name_key = models.CharField(max_length=120, blank=True)  # core.text.fold_key
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)  # null: the current account
    closed_reason = models.CharField(max_length=200, blank=True)
    created_by = models.CharField(max_length=150)
    approved_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["provider", "account_number"],
                                condition=Q(valid_to__isnull=True),
                                name="account_current_number_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values),
                                   name="account_channel_valid"),
            models.CheckConstraint(
                condition=(Q(channel=Channel.CASH) & Q(provider__isnull=True)
                           & Q(account_number=""))
                | (~Q(channel=Channel.CASH) & Q(provider__isnull=False)
                   & ~Q(account_number="") & ~Q(holder_name="")),
                name="account_fields_match_channel"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True)
                                   | Q(valid_to__gte=F("valid_from")),
                                   name="account_valid_to_after_from"),
            models.UniqueConstraint(fields=["beneficiary"], condition=Q(valid_to__isnull=True),
                                    name="account_one_current_per_beneficiary"),
        ]


class Authorization(models.Model):
    """Giấy ủy quyền: a proxy may collect for the beneficiary, for at most 12 months."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT,
                                    related_name="authorizations")
    proxy_name = models.CharField(max_length=120)
    proxy_citizen_id = models.CharField(max_length=12)
    proxy_relationship = models.CharField(max_length=60, blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField()
    # The scanned letter, under VAR_DIR/private, which no URL serves
    # (outreach.letters.store_letter).
    letter_path = models.CharField(max_length=255, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")),
                                   name="authorization_to_after_from"),
            # At most 12 months (366 days: a leap year included), whoever writes the row.
            models.CheckConstraint(
                condition=Q(valid_to__lte=F("valid_from") + timedelta(days=366)),
                name="authorization_at_most_a_year"),
        ]


class AnomalyKind(models.TextChoices):
    SHARED_ACCOUNT = "shared_account", "Một tài khoản dùng cho nhiều người hưởng"
    HOLDER_NAME_MISMATCH = "holder_name_mismatch", "Tên chủ tài khoản khác tên người hưởng"
    DUPLICATE_BHXH_CODE = "duplicate_bhxh_code", "Trùng mã số BHXH"


class Anomaly(models.Model):
    """A flag computed from the registry by :func:`registry.anomalies.refresh_anomalies`."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE,
                                    related_name="anomalies")
    kind = models.CharField(max_length=30, choices=AnomalyKind.choices)
    detail = models.CharField(max_length=300)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "kind"], name="anomaly_unique"),
            models.CheckConstraint(condition=Q(kind__in=AnomalyKind.values),
                                   name="anomaly_kind_valid"),
        ]


class AccountChangeStatus(models.TextChoices):
    PENDING = "pending", "Chờ duyệt"
    # To an account not in the beneficiary's name: one approver said yes, a second decides.
    FIRST_APPROVED = "first_approved", "Đã duyệt lần một, chờ người duyệt thứ hai"
    APPROVED = "approved", "Đã duyệt"
    REJECTED = "rejected", "Không duyệt"
    SUPERSEDED = "superseded", "Đã thay bằng đề nghị mới"


# A change awaiting a decision: at most one per beneficiary.
ACCOUNT_CHANGE_AWAITING = (AccountChangeStatus.PENDING, AccountChangeStatus.FIRST_APPROVED)


class AccountChangeSource(models.TextChoices):
    IMPORT = "import", "Nhập tệp"


class PendingAccountChange(models.Model):
    """A payment account an import proposes for someone already registered: it becomes the
    current account only when a BHXH approver other than the importer approves it
    (maker–checker, DESIGN §3.4; the ward path has ``outreach.MethodChange``). Written
    set-based by :mod:`chitra.registry.importing.run`, decided by
    :func:`chitra.registry.services.approve_pending_account_change` / ``reject_…``."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT,
                                    related_name="pending_account_changes")
    # The current account when the change was proposed (None: there was none). Approval is
    # refused if the current account is another one by then.
    replaces = models.ForeignKey(PaymentAccount, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=15, choices=Channel.choices)
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", db_index=False)
    account_number = models.CharField(max_length=34, blank=True)
    holder_name = models.CharField(max_length=120, blank=True)
    holder_name_key = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=10, choices=AccountChangeSource.choices,
                              default=AccountChangeSource.IMPORT)
    import_job = models.ForeignKey("ImportJob", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The import's audit entry (``beneficiary.import``).
    audit_entry = models.ForeignKey("core.AuditEntry", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    made_by = models.CharField(max_length=150)
    made_at = models.DateTimeField()
    status = models.CharField(max_length=15, choices=AccountChangeStatus.choices,
                              default=AccountChangeStatus.PENDING)
    # Two approvers when the money goes to an account not in the beneficiary's name (as
    # ``outreach.MethodChange``): the first one, with a reason; the second one decides.
    first_approved_by = models.CharField(max_length=150, blank=True)
    first_approved_at = models.DateTimeField(null=True, blank=True)
    first_approval_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["made_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AccountChangeStatus.values),
                                   name="pending_account_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values),
                                   name="pending_account_channel_valid"),
            models.CheckConstraint(condition=Q(source__in=AccountChangeSource.values),
                                   name="pending_account_source_valid"),
            models.CheckConstraint(
                condition=(Q(channel=Channel.CASH) & Q(provider__isnull=True)
                           & Q(account_number=""))
                | (~Q(channel=Channel.CASH) & Q(provider__isnull=False)
                   & ~Q(account_number="") & ~Q(holder_name="")),
                name="pending_account_fields_match_channel"),
            # Maker–checker: whoever proposed does not decide; a decision names its checker.
            models.CheckConstraint(condition=Q(decided_by="") | ~Q(decided_by=F("made_by")),
                                   name="pending_account_decided_by_another"),
            models.CheckConstraint(
                condition=~Q(status__in=[AccountChangeStatus.APPROVED,
                                         AccountChangeStatus.REJECTED])
                | (~Q(decided_by="") & Q(decided_at__isnull=False)),
                name="pending_account_decision_named"),
            # Two approvers: the first is not the maker and gives a reason; the second is
            # neither of them and gives a reason too when approving.
            models.CheckConstraint(
                condition=Q(first_approved_by="")
                | (~Q(first_approved_by=F("made_by")) & ~Q(first_approval_reason="")
                   & Q(first_approved_at__isnull=False)),
                name="pending_account_first_approval_valid"),
            models.CheckConstraint(
                condition=Q(first_approved_by="") | ~Q(decided_by=F("first_approved_by")),
                name="pending_account_second_approver_differs"),
            models.CheckConstraint(
                condition=~Q(status=AccountChangeStatus.FIRST_APPROVED)
                | (~Q(first_approved_by="") & Q(decided_by="")),
                name="pending_account_first_approved_has_approver"),
            models.CheckConstraint(
                condition=~Q(status=AccountChangeStatus.APPROVED) | Q(first_approved_by="")
                | ~Q(decision_note=""),
                name="pending_account_second_approval_has_reason"),
            models.UniqueConstraint(fields=["beneficiary"],
                                    condition=Q(status__in=ACCOUNT_CHANGE_AWAITING),
                                    name="pending_account_one_per_beneficiary"),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary_id}: {self.channel} ({self.status})"

    @property
    def needs_two_approvers(self) -> bool:
        """The money would go to an account not in the beneficiary's name (accent-, case-
        and space-insensitive): shown in red, and approved by two approvers. Cash has no
        holder: it is the beneficiary's."""
        return (self.channel != Channel.CASH
                and fold_key(self.holder_name) != self.beneficiary.name_key)


class ImportFieldChange(models.Model):
    """Before and after of one field an import changed, for one person (or benefit): the
    detail of the import's one audit entry (``beneficiary.import``), written set-based."""

    audit_entry = models.ForeignKey("core.AuditEntry", on_delete=models.PROTECT,
                                    related_name="+")
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="+")
    benefit = models.ForeignKey(Benefit, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", db_index=False)
    field = models.CharField(max_length=40)
    old_value = models.TextField(null=True, blank=True)
    new_value = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang xử lý"
    REJECTED = "rejected", "Bị từ chối (có lỗi)"
    CHECKED = "checked", "Đã kiểm tra (chạy thử, không thay đổi)"
    APPLIED = "applied", "Đã nhập"
    FAILED = "failed", "Lỗi hệ thống"


class ImportJob(models.Model):
    """One import of a beneficiary file, run as a background task with progress."""

    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500)
    dry_run = models.BooleanField(default=False)
    accept_valid = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    # Account changes of registered people proposed for approval (PendingAccountChange).
    accounts_pending = models.PositiveIntegerField(default=0)
    error_report_path = models.CharField(max_length=500, blank=True)
    problems_count = models.PositiveIntegerField(default=0)
    # The first problems, shown on the job page; all of them are in the error report.
    problems_preview = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    province_code = models.CharField(max_length=2)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values),
                                   name="importjob_status_valid"),
        ]
