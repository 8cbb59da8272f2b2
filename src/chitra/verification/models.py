"""Verification batches sent to the population database and what came back (issue 16).

A :class:`VerificationBatch` is one run over a province's beneficiaries, by one exchange path;
a :class:`VerificationResult` is one person's answer, our values beside theirs, and — when
the answer is a discrepancy — its review (maker–checker, :mod:`chitra.verification.review`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from chitra.registry.models import SexChoice
from chitra.verification.outcomes import Outcome


class AdapterKind(models.TextChoices):
    FILE = "file", _("Trao đổi tệp với công an")
    HTTP = "http", _("Dịch vụ trực tuyến")
    SIM = "sim", _("Mô phỏng")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang đối chiếu")
    AWAITING_ANSWER = "awaiting_answer", _("Chờ công an trả lời")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


# A batch still going: queued, running or awaiting the police's answer.
OPEN_BATCH = (BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.AWAITING_ANSWER)


class VerificationBatch(models.Model):
    """One verification of a province's beneficiaries against the population database."""

    province_code = models.CharField(max_length=2)
    adapter_kind = models.CharField(max_length=10, choices=AdapterKind.choices)
    status = models.CharField(max_length=20, choices=BatchStatus.choices,
                              default=BatchStatus.QUEUED)
    # The police organization the batch is sent to: its verifiers see the batch and its
    # answers, and no other police organization does.
    police_org = models.ForeignKey("access.Organization", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    requested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Its last sign of life (taken, or a chunk recorded): services.fail_stale.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress: people to ask about, people answered (and recorded), and the people whose
    # record a request cannot carry (an invalid name or personal ID), left out.
    people_total = models.PositiveIntegerField(default=0)
    people_done = models.PositiveIntegerField(default=0)
    people_skipped = models.PositiveIntegerField(default=0)
    # Of people_done: matched set-based from a population extract (their record identical
    # to ours), stamped verified and counted here, with no result row each.
    matched_in_bulk = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["province_code", "-id"], name="verif_batch_province"),
                   models.Index(fields=["police_org", "-id"], name="verif_batch_police")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values),
                                   name="verif_batch_status_valid"),
            models.CheckConstraint(condition=Q(adapter_kind__in=AdapterKind.values),
                                   name="verif_batch_adapter_valid"),
            models.CheckConstraint(condition=Q(people_done__lte=F("people_total")),
                                   name="verif_batch_progress_within_total"),
            models.CheckConstraint(condition=Q(matched_in_bulk__lte=F("people_done")),
                                   name="verif_batch_matched_within_done"),
            models.CheckConstraint(condition=~Q(status=BatchStatus.FAILED) | ~Q(error_code=""),
                                   name="verif_batch_failure_has_code"),
            models.CheckConstraint(
                condition=~Q(status=BatchStatus.DONE) | Q(finished_at__isnull=False),
                name="verif_batch_done_has_finish"),
            # One open batch per province: two at once would ask about (and stamp, and
            # stop) the same people twice.
            models.UniqueConstraint(fields=["province_code"],
                                    condition=Q(status__in=OPEN_BATCH),
                                    name="verif_batch_one_open_per_province"),
        ]

    def __str__(self) -> str:
        return f"{self.province_code}/{self.pk} ({self.status})"


class ReviewStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Không cần xem xét")
    PENDING = "pending", _("Chờ xem xét")
    PROPOSED = "proposed", _("Chờ duyệt")
    ACCEPTED = "accepted", _("Giữ nguyên hồ sơ")
    CORRECTED = "corrected", _("Đã sửa hồ sơ")
    REJECTED = "rejected", _("Không duyệt, chờ đề xuất lại")
    DEATH_RECORDED = "death_recorded", _("Đã ghi nhận đã chết")
    # A later batch answered about the same person: its answer is the one reviewed.
    SUPERSEDED = "superseded", _("Thay bằng kết quả đợt sau")


# Results still awaiting someone: the review queue.
REVIEW_OPEN = (ReviewStatus.PENDING, ReviewStatus.PROPOSED, ReviewStatus.REJECTED)


class Decision(models.TextChoices):
    ACCEPT = "accept", _("Giữ nguyên hồ sơ của BHXH")
    CORRECT = "correct", _("Sửa hồ sơ theo CSDL dân cư")
    # Only for a deceased answer held for review: the same person after all (with the
    # corrections, if any, that make our record theirs), so the death is recorded.
    RECORD_DEATH = "record_death", _("Ghi nhận đã chết theo CSDL dân cư")


class ReviewReason(models.TextChoices):
    """Why an answer whose outcome alone needs no review is held for one."""

    DEATH_IDENTITY_UNSURE = "death_identity_unsure", _(
        "Báo đã chết nhưng họ tên hoặc ngày sinh khác hồ sơ: cần xác nhận là cùng một người")
    DEATH_DATE_INVALID = "death_date_invalid", _(
        "Ngày chết trước ngày sinh trong hồ sơ hoặc sau hôm nay")
    DEATH_DATE_DIFFERS = "death_date_differs", _("Ngày chết khác ngày đã ghi nhận")
    ALIVE_BUT_DECEASED = "alive_but_deceased", _(
        "Hồ sơ ghi đã chết nhưng CSDL dân cư ghi còn sống")


class VerificationResult(models.Model):
    """One person's answer: our values (as sent) beside the population database's."""

    batch = models.ForeignKey(VerificationBatch, on_delete=models.PROTECT,
                              related_name="results")
    beneficiary = models.ForeignKey("registry.Beneficiary", on_delete=models.PROTECT,
                                    related_name="verification_results")
    citizen_id = models.CharField(max_length=12)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # Ours, as sent
    full_name = models.CharField(max_length=120)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=SexChoice.choices)
    ward_code = models.CharField(max_length=5, blank=True)
    # Theirs (none when not found)
    their_full_name = models.CharField(max_length=200, blank=True)
    their_date_of_birth = models.DateField(null=True, blank=True)
    their_sex = models.CharField(max_length=1, blank=True)
    their_ward_code = models.CharField(max_length=5, blank=True)
    death_date = models.DateField(null=True, blank=True)
    new_ward_code = models.CharField(max_length=5, blank=True)
    # How the names and dates of birth compare (names.NameReason, outcomes.BirthDateReason)
    name_score = models.PositiveSmallIntegerField(null=True, blank=True)
    name_reason = models.CharField(max_length=30, blank=True)
    birth_date_reason = models.CharField(max_length=30, blank=True)
    # Review: the maker proposes…
    review_status = models.CharField(max_length=20, choices=ReviewStatus.choices)
    # Why it is reviewed when its outcome alone would not be ("": by its outcome). A default
    # in the database too: the extract's bulk insert does not name it.
    review_reason = models.CharField(max_length=30, choices=ReviewReason.choices, blank=True,
                                     default="", db_default="")
    proposed_decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    proposed_full_name = models.CharField(max_length=120, blank=True)
    proposed_date_of_birth = models.DateField(null=True, blank=True)
    proposed_ward_code = models.CharField(max_length=5, blank=True)
    proposed_by = models.CharField(max_length=150, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposal_note = models.CharField(max_length=300, blank=True)
    # …another decides
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["batch", "outcome"], name="verif_result_outcome"),
                   models.Index(fields=["beneficiary"], name="verif_result_beneficiary"),
                   models.Index(fields=["review_status", "batch"],
                                condition=Q(review_status__in=REVIEW_OPEN),
                                name="verif_result_review_open")]
        constraints = [
            models.UniqueConstraint(fields=["batch", "beneficiary"],
                                    name="verif_result_once_per_batch"),
            models.CheckConstraint(condition=Q(outcome__in=Outcome.values),
                                   name="verif_result_outcome_valid"),
            models.CheckConstraint(condition=Q(review_status__in=ReviewStatus.values),
                                   name="verif_result_review_valid"),
            models.CheckConstraint(condition=Q(proposed_decision="")
                                   | Q(proposed_decision__in=Decision.values),
                                   name="verif_result_decision_valid"),
            models.CheckConstraint(
                condition=Q(name_score__isnull=True) | Q(name_score__lte=100),
                name="verif_result_name_score_range"),
            # Only deceased carries a date of death, and it always does.
            models.CheckConstraint(
                condition=Q(outcome=Outcome.DECEASED, death_date__isnull=False)
                | (~Q(outcome=Outcome.DECEASED) & Q(death_date__isnull=True)),
                name="verif_result_death_date_iff_deceased"),
            models.CheckConstraint(condition=~Q(outcome=Outcome.MOVED) | ~Q(new_ward_code=""),
                                   name="verif_result_moved_has_ward"),
            # A match needs nobody's review, unless it contradicts what we hold (a reason).
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.MATCH) | Q(review_status=ReviewStatus.NOT_NEEDED)
                | ~Q(review_reason=""),
                name="verif_result_match_not_reviewed"),
            models.CheckConstraint(condition=Q(review_reason="")
                                   | Q(review_reason__in=ReviewReason.values),
                                   name="verif_result_review_reason_valid"),
            # A death is recorded from a review only when the answer was deceased.
            models.CheckConstraint(
                condition=~Q(proposed_decision=Decision.RECORD_DEATH)
                | Q(outcome=Outcome.DECEASED),
                name="verif_result_record_death_if_deceased"),
            # Maker–checker: a proposal names its maker; whoever proposed does not decide.
            models.CheckConstraint(
                condition=~Q(review_status__in=[ReviewStatus.PROPOSED, ReviewStatus.ACCEPTED,
                                                ReviewStatus.CORRECTED, ReviewStatus.REJECTED,
                                                ReviewStatus.DEATH_RECORDED])
                | (~Q(proposed_by="") & Q(proposed_at__isnull=False)
                   & ~Q(proposed_decision="")),
                name="verif_result_proposal_named"),
            models.CheckConstraint(condition=Q(decided_by="") | ~Q(decided_by=F("proposed_by")),
                                   name="verif_result_checker_not_maker"),
            models.CheckConstraint(
                condition=~Q(review_status__in=[ReviewStatus.ACCEPTED, ReviewStatus.CORRECTED,
                                                ReviewStatus.REJECTED,
                                                ReviewStatus.DEATH_RECORDED])
                | (~Q(decided_by="") & Q(decided_at__isnull=False)),
                name="verif_result_decision_named"),
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.ACCEPTED)
                | Q(proposed_decision=Decision.ACCEPT),
                name="verif_result_accepted_as_proposed"),
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.CORRECTED)
                | Q(proposed_decision=Decision.CORRECT),
                name="verif_result_corrected_as_proposed"),
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.DEATH_RECORDED)
                | Q(proposed_decision=Decision.RECORD_DEATH),
                name="verif_result_death_recorded_as_proposed"),
        ]

    def __str__(self) -> str:
        return f"{self.citizen_id}: {self.outcome}"
