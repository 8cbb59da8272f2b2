"""Field work of the cashless campaign: campaigns, ward work teams, contacts with cash
recipients, account-opening referrals to providers and payment-method changes.

Nothing here is typed-in progress: every count is computed from these rows, the registry
and the payment items (:mod:`chitra.outreach.funnel`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chitra.registry.models import Channel


class Campaign(models.Model):
    """A province's campaign (e.g. 01/06–31/10 with a peak window) and its targets."""

    name = models.CharField(max_length=200)
    province_code = models.CharField(max_length=2)
    starts_on = models.DateField()
    ends_on = models.DateField()
    peak_starts_on = models.DateField(null=True, blank=True)
    peak_ends_on = models.DateField(null=True, blank=True)
    # Cashless share targets in percent: monthly recipients > 90 %, one-time 100 % (DESIGN §2).
    target_monthly_pct = models.PositiveSmallIntegerField(default=90)
    target_one_time_pct = models.PositiveSmallIntegerField(default=100)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="campaign_ends_after_start"),
            models.CheckConstraint(
                condition=(Q(peak_starts_on__isnull=True) & Q(peak_ends_on__isnull=True))
                | (Q(peak_starts_on__gte=F("starts_on")) & Q(peak_ends_on__lte=F("ends_on"))
                   & Q(peak_ends_on__gte=F("peak_starts_on"))),
                name="campaign_peak_inside"),
            models.CheckConstraint(condition=Q(target_monthly_pct__lte=100)
                                   & Q(target_one_time_pct__lte=100),
                                   name="campaign_targets_are_percent"),
        ]

    def __str__(self) -> str:
        return self.name


class WardTarget(models.Model):
    """A ward's own targets within a campaign (the province sets them per ward)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="ward_targets")
    ward_code = models.CharField(max_length=5)
    target_monthly_pct = models.PositiveSmallIntegerField()
    target_one_time_pct = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "ward_code"], name="ward_target_once"),
            models.CheckConstraint(condition=Q(target_monthly_pct__lte=100)
                                   & Q(target_one_time_pct__lte=100),
                                   name="ward_target_is_percent"),
        ]


class WorkTeam(models.Model):
    """Tổ công tác: one per ward."""

    province_code = models.CharField(max_length=2)
    ward_code = models.CharField(max_length=5, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class MemberKind(models.TextChoices):
    POLICE = "police", _("Công an")
    BHXH = "bhxh", _("Cán bộ BHXH")
    CULTURE_SOCIAL = "culture_social", _("Công chức văn hoá – xã hội")
    POST_OFFICE = "post_office", _("Bưu điện")
    BANK = "bank", _("Ngân hàng")


class TeamMember(models.Model):
    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="teams")
    kind = models.CharField(max_length=20, choices=MemberKind.choices)
    is_leader = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_once"),
            models.UniqueConstraint(fields=["team"], condition=Q(is_leader=True),
                                    name="team_one_leader"),
            models.CheckConstraint(condition=Q(kind__in=MemberKind.values),
                                   name="team_member_kind_valid"),
        ]


class PaymentSchedule(models.Model):
    """Lịch chi trả: a payment point open on a day, in a time window (Vietnam Post sets it)."""

    payment_point = models.ForeignKey("registry.PaymentPoint", on_delete=models.PROTECT,
                                      related_name="schedule")
    ward_code = models.CharField(max_length=5)  # the point's ward, for the ward's lists
    day = models.DateField()
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["day", "opens_at"]
        indexes = [models.Index(fields=["ward_code", "day"])]
        constraints = [
            models.UniqueConstraint(fields=["payment_point", "day"], name="schedule_once_a_day"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")),
                                   name="schedule_window_forward"),
        ]


class ContactPlace(models.TextChoices):
    PAYMENT_POINT = "payment_point", _("Tại điểm chi trả")
    HOME = "home", _("Tại nhà")
    PHONE = "phone", _("Qua điện thoại")


class ContactOutcome(models.TextChoices):
    AGREED = "agreed", _("Đồng ý mở tài khoản")
    HAS_ACCOUNT = "has_account", _("Đã có tài khoản")
    REFUSES = "refuses", _("Từ chối")
    NEEDS_PROXY = "needs_proxy", _("Cần người được ủy quyền")
    NOT_PRESENT = "not_present", _("Không có mặt")
    MOVED = "moved", _("Đã chuyển đi")
    DECEASED = "deceased", _("Báo đã mất")
    NOT_FOUND = "not_found", _("Không tìm thấy")


# Outcomes that, once confirmed by BHXH, suspend payment (DESIGN §3 death rule).
REVIEW_OUTCOMES = (ContactOutcome.MOVED, ContactOutcome.DECEASED, ContactOutcome.NOT_FOUND)


class ReviewState(models.TextChoices):
    WAITING = "waiting", _("Chờ BHXH xác nhận")
    CONFIRMED = "confirmed", _("BHXH đã xác nhận")
    DISMISSED = "dismissed", _("BHXH không xác nhận")


class Contact(models.Model):
    """One visit or call to a cash recipient. ``client_ref`` is made by the phone that
    recorded it, so an entry sent twice after a lost connection is stored once."""

    client_ref = models.UUIDField(unique=True)
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="contacts")
    ward_code = models.CharField(max_length=5)  # the beneficiary's ward when contacted
    contacted_at = models.DateTimeField()
    place = models.CharField(max_length=15, choices=ContactPlace.choices)
    payment_point = models.ForeignKey("registry.PaymentPoint", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=15, choices=ContactOutcome.choices)
    reason = models.CharField(max_length=300, blank=True)  # why they refuse
    notes = models.TextField(blank=True, max_length=2000)
    follow_up_on = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Deceased / moved / not found: BHXH confirms (payment stops) or dismisses.
    review = models.CharField(max_length=10, choices=ReviewState.choices, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["beneficiary", "-contacted_at"]),
                   models.Index(fields=["ward_code", "-contacted_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(place__in=ContactPlace.values),
                                   name="contact_place_valid"),
            models.CheckConstraint(condition=Q(outcome__in=ContactOutcome.values),
                                   name="contact_outcome_valid"),
            models.CheckConstraint(condition=~Q(outcome=ContactOutcome.REFUSES) | ~Q(reason=""),
                                   name="contact_refusal_has_reason"),
            # Only the reports that need it are reviewed, and they wait until they are.
            models.CheckConstraint(
                condition=(Q(outcome__in=REVIEW_OUTCOMES) & Q(review__in=ReviewState.values))
                | (~Q(outcome__in=REVIEW_OUTCOMES) & Q(review="")),
                name="contact_review_state"),
        ]


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", _("Đã giới thiệu")
    ACCOUNT_OPENED = "account_opened", _("Đã mở tài khoản")
    CARD_DELIVERED = "card_delivered", _("Đã giao thẻ")
    CANCELLED = "cancelled", _("Huỷ")


OPEN_REFERRAL_STATUSES = (ReferralStatus.REQUESTED, ReferralStatus.ACCOUNT_OPENED)


class Referral(models.Model):
    """An account-opening referral to one bank or e-wallet, seen by that provider only."""

    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="referrals")
    provider = models.ForeignKey("core.PaymentProvider", on_delete=models.PROTECT,
                                 related_name="referrals")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="referrals")
    ward_code = models.CharField(max_length=5)
    status = models.CharField(max_length=15, choices=ReferralStatus.choices,
                              default=ReferralStatus.REQUESTED)
    # The card must reach the person before the ward's next payment date.
    deadline = models.DateField()
    account_number = models.CharField(max_length=34, blank=True)
    waives_card_fee = models.BooleanField(default=False)
    waives_account_fee = models.BooleanField(default=False)
    waives_transfer_fee = models.BooleanField(default=False)
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField(auto_now_add=True)
    opened_by = models.CharField(max_length=150, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReferralStatus.values),
                                   name="referral_status_valid"),
            models.UniqueConstraint(fields=["beneficiary"],
                                    condition=Q(status__in=OPEN_REFERRAL_STATUSES),
                                    name="referral_one_open_per_beneficiary"),
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.REQUESTED) | Q(status=ReferralStatus.CANCELLED)
                | ~Q(account_number=""),
                name="referral_opened_has_account"),
        ]


class ChangeStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Chờ BHXH duyệt")
    # Money to an account not in the beneficiary's name: one approver has agreed (with a
    # reason); a second, different one must too before the account changes (issue 11).
    FIRST_APPROVED = "first_approved", _("Chờ người duyệt thứ hai")
    APPROVED = "approved", _("Đã duyệt")
    REJECTED = "rejected", _("Không được duyệt")


AWAITING_DECISION = (ChangeStatus.SUBMITTED, ChangeStatus.FIRST_APPROVED)


class MethodChange(models.Model):
    """A ward's request to pay someone another way; BHXH checks and approves it (maker–
    checker), and the approval adds the new version to the account history. A change to an
    account whose holder is not the beneficiary needs two approvers, each with a reason."""

    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="method_changes")
    ward_code = models.CharField(max_length=5)
    channel = models.CharField(max_length=15, choices=Channel.choices)
    provider = models.ForeignKey("core.PaymentProvider", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    account_number = models.CharField(max_length=34, blank=True)
    holder_name = models.CharField(max_length=120, blank=True)
    authorization = models.ForeignKey("registry.Authorization", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField(max_length=15, choices=ChangeStatus.choices,
                              default=ChangeStatus.SUBMITTED)
    submitted_by = models.CharField(max_length=150)
    submitted_at = models.DateTimeField(auto_now_add=True)
    first_approved_by = models.CharField(max_length=150, blank=True)
    first_approved_at = models.DateTimeField(null=True, blank=True)
    first_approval_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ChangeStatus.values),
                                   name="method_change_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values),
                                   name="method_change_channel_valid"),
            models.UniqueConstraint(fields=["beneficiary"],
                                    condition=Q(status__in=AWAITING_DECISION),
                                    name="method_change_one_pending"),
            # Maker–checker: whoever submitted does not decide.
            models.CheckConstraint(condition=Q(decided_by="") | ~Q(decided_by=F("submitted_by")),
                                   name="method_change_decided_by_another"),
            # Two approvers: the first is not the maker and gives a reason; the second is
            # neither of them (and gives a reason too when approving).
            models.CheckConstraint(
                condition=Q(first_approved_by="")
                | (~Q(first_approved_by=F("submitted_by")) & ~Q(first_approval_reason="")
                   & Q(first_approved_at__isnull=False)),
                name="method_change_first_approval_valid"),
            models.CheckConstraint(
                condition=Q(first_approved_by="") | ~Q(decided_by=F("first_approved_by")),
                name="method_change_second_approver_differs"),
            models.CheckConstraint(
                condition=~Q(status=ChangeStatus.FIRST_APPROVED)
                | (~Q(first_approved_by="") & Q(decided_by="")),
                name="method_change_first_approved_has_approver"),
            models.CheckConstraint(
                condition=~Q(status=ChangeStatus.APPROVED) | Q(first_approved_by="")
                | ~Q(decision_note=""),
                name="method_change_second_approval_has_reason"),
        ]
