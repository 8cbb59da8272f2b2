"""Verification use cases (issue 16, items 4 and 5): create a batch, run it through an
adapter, record the answers and their effects.

The effects of an answer go through the registry's services: deceased →
:func:`~chitra.registry.services.record_deaths` (payment stopped, so no item in the next
cycle; what was paid after the death is listed by ``payments.recovery``); every answer
stamps the person verified with its outcome
(:func:`~chitra.registry.stamps.record_verification`); a discrepancy opens a review
(:mod:`chitra.verification.review`).

:func:`run_batch` asks in chunks of the adapter's ``max_batch`` people, read from the
database by id (never the whole province in memory); each chunk's results, effects and
progress commit together, so a page polling the batch sees the progress, and a batch that
failed half-way is run again from where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from chitra.access.models import Organization, OrganizationKind, Role, User
from chitra.access.scoping import bhxh_province
from chitra.core import audit
from chitra.core.admin_units import current_provinces
from chitra.core.bulk import insert_many
from chitra.core.errors import DomainError, NotInScope
from chitra.registry import services as registry
from chitra.registry import stamps
from chitra.registry.models import Beneficiary, BeneficiaryStatus
from chitra.verification.adapters.base import AdapterError, PopulationAdapter
from chitra.verification.models import (
    OPEN_BATCH,
    REVIEW_OPEN,
    AdapterKind,
    BatchStatus,
    ReviewReason,
    ReviewStatus,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome, PersonAnswer, PersonCheck

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

CHECK_FIELDS = ("citizen_id", "full_name", "date_of_birth", "sex", "ward_code")
# Outcomes that need BHXH's review. Deceased does not (payment stops at once), unless it is
# not clearly our person or the date cannot be (:func:`_doubt`).
REVIEWED = frozenset({Outcome.NAME_DIFFERS, Outcome.BIRTH_DATE_DIFFERS, Outcome.NOT_FOUND,
                      Outcome.MOVED})


class BatchRefused(DomainError):
    pass


def simulator_allowed() -> bool:
    """Whether the simulator may be used (``settings.CHITRA_POPULATION_SIMULATOR``: the demo
    and tests only). It invents deaths: on real data it would stop real pensions."""
    return bool(getattr(settings, "CHITRA_POPULATION_SIMULATOR", False))


def adapter_kinds() -> list[AdapterKind]:
    """The exchange paths a batch may take here."""
    return [k for k in AdapterKind if k != AdapterKind.SIM or simulator_allowed()]


def _still_open() -> BatchRefused:
    return BatchRefused("batch_open", "Tỉnh này còn một đợt đối chiếu chưa kết thúc.",
                        "A verification batch of this province is still open.")


# --- who may ------------------------------------------------------------------------------

def province_of(user: User, province_code: str | None = None) -> str:
    """The province ``user`` verifies: a BHXH officer's or approver's own (``province_code``
    must be it, if given); a superuser's is ``province_code``. Anyone else is refused."""
    if user.is_active and user.is_superuser:
        if not province_code or province_code not in current_provinces():
            raise BatchRefused("province_required", "Cần mã tỉnh hợp lệ.",
                               "A valid province code is required.")
        return province_code
    own = bhxh_province(user) if user.is_active else None
    if own is None:
        raise BatchRefused("verification_forbidden",
                           "Chỉ cán bộ BHXH tỉnh được đối chiếu với CSDL dân cư.",
                           "Only provincial BHXH staff may verify against the population "
                           "database.")
    if province_code and province_code != own:
        raise NotInScope()
    return own


def may_answer(user: User, batch: VerificationBatch) -> None:
    """Who brings the population database's answers to ``batch``: BHXH staff of its
    province, or a police verifier of the organization it was sent to (they reconcile it,
    DESIGN §1). Anyone else is refused."""
    org = user.organization
    if (user.is_active and not user.is_superuser and user.role == Role.POLICE_VERIFIER
            and org is not None and org.kind == OrganizationKind.POLICE
            and batch.police_org_id is not None and org.pk == batch.police_org_id):
        return
    province_of(user, batch.province_code)


def create_batch(province_code: str, adapter_kind: AdapterKind | str, actor: User,
                 police_org: Organization | None = None) -> VerificationBatch:
    """A queued batch of ``province_code``'s beneficiaries, sent to ``police_org`` (a police
    organization of the province; default: the province's only one, if it has exactly
    one)."""
    province = province_of(actor, province_code)
    if adapter_kind not in AdapterKind.values:
        raise BatchRefused("adapter_kind_invalid",
                           f"Cách trao đổi không hợp lệ: {adapter_kind!r}.",
                           f"Invalid exchange path: {adapter_kind!r}.")
    if adapter_kind == AdapterKind.SIM and not simulator_allowed():
        raise BatchRefused(
            "simulator_disabled",
            "Không dùng được mô phỏng ở đây: mô phỏng tự tạo người đã chết và sẽ dừng chi "
            "lương hưu, trợ cấp thật.",
            "The simulator cannot be used here: it invents deaths and would stop real "
            "pensions and allowances.")
    if police_org is None:
        police = list(Organization.objects.filter(kind=OrganizationKind.POLICE,
                                                  province_code=province)[:2])
        police_org = police[0] if len(police) == 1 else None
    elif police_org.kind != OrganizationKind.POLICE or police_org.province_code != province:
        raise BatchRefused("police_org_invalid",
                           "Đơn vị nhận phải là công an của tỉnh.",
                           "The batch must be sent to a police organization of the province.")
    with transaction.atomic():
        fail_stale(province, actor.username)
        # The unique constraint is the guard (two creates at once); the check before it
        # gives the same refusal without an error in the database's log.
        if VerificationBatch.objects.filter(province_code=province,
                                            status__in=OPEN_BATCH).exists():
            raise _still_open()
        try:
            with transaction.atomic():
                batch = VerificationBatch.objects.create(
                    province_code=province, adapter_kind=adapter_kind, police_org=police_org,
                    requested_by=actor.username)
        except IntegrityError as error:
            raise _still_open() from error
        audit_record(actor.username, "verification.batch_create", batch,
                     after={"province": province, "adapter": str(adapter_kind),
                            "police_org": police_org.pk if police_org else None})
    return batch


def audit_record(actor: str, action: str, batch: VerificationBatch, *,
                 before: dict[str, Any] | None = None,
                 after: dict[str, Any] | None = None) -> None:
    audit.record(actor, action, "verification_batch", batch.pk, before=before, after=after)


# --- the people asked about -----------------------------------------------------------------

def _people(province_code: str) -> QuerySet[Beneficiary]:
    # A death already recorded needs no asking again.
    return Beneficiary.objects.filter(province_code=province_code, death_date__isnull=True)


def people_to_check(province_code: str, *, after: int = 0, chunk: int = 2_000,
                    skipped: list[int] | None = None) -> Iterator[tuple[int, PersonCheck]]:
    """``(beneficiary id, PersonCheck)`` of the province's people to verify, by id after
    ``after``, read ``chunk`` at a time. A record a request cannot carry (a name or personal
    ID the checks refuse) is left out, its id appended to ``skipped``."""
    last = after
    while True:
        rows = list(_people(province_code).filter(pk__gt=last).order_by("pk")
                    .values_list("pk", *CHECK_FIELDS)[:chunk])
        if not rows:
            return
        for pk, *values in rows:
            try:
                yield pk, PersonCheck(*values)
            except (ValueError, TypeError):
                if skipped is not None:
                    skipped.append(pk)
        last = rows[-1][0]


# --- recording answers ------------------------------------------------------------------------

@dataclass
class Recorded:
    """What :func:`record_answers` did with one set of answers."""

    results: int = 0
    deaths: list[int] = field(default_factory=list)  # beneficiary ids: death recorded now
    to_review: int = 0
    unknown: list[str] = field(default_factory=list)  # no such beneficiary in the province
    already: list[str] = field(default_factory=list)  # answered before in this batch


class _Ours(NamedTuple):
    full_name: str
    date_of_birth: date
    sex: str
    ward_code: str


class _Held(NamedTuple):
    """What our registry already says of the person's life."""

    status: str
    death_date: date | None


def _doubt(answer: PersonAnswer, ours: _Ours, held: _Held, today: date
           ) -> ReviewReason | None:
    """Why an answer cannot be applied as it is and goes to BHXH's review, if it cannot.

    A death is recorded only when it is clearly the person we hold (same name after
    normalizing, same date of birth) on a date that can be; an answer that contradicts the
    death we recorded (alive, or dead on another day) is shown, never silently applied."""
    if answer.outcome == Outcome.DECEASED:
        died = answer.death_date
        assert died is not None  # PersonAnswer: deceased carries the date
        if held.death_date is not None:
            return None if died == held.death_date else ReviewReason.DEATH_DATE_DIFFERS
        if ((answer.name_match is not None and answer.name_match.needs_correction)
                or (answer.birth_date is not None
                    and answer.birth_date.outcome != Outcome.MATCH)
                or (answer.date_of_birth is not None
                    and answer.date_of_birth != ours.date_of_birth)):
            return ReviewReason.DEATH_IDENTITY_UNSURE
        if not ours.date_of_birth <= died <= today:
            return ReviewReason.DEATH_DATE_INVALID
        return None
    if answer.outcome != Outcome.NOT_FOUND and (
            held.status == BeneficiaryStatus.DECEASED or held.death_date is not None):
        return ReviewReason.ALIVE_BUT_DECEASED
    return None


def _result(batch: VerificationBatch, pk: int, ours: _Ours, answer: PersonAnswer,
            review: ReviewStatus, why: ReviewReason | None = None) -> VerificationResult:
    name = answer.name_match
    born = answer.birth_date
    return VerificationResult(
        batch=batch, beneficiary_id=pk, citizen_id=answer.citizen_id, outcome=answer.outcome,
        full_name=ours.full_name, date_of_birth=ours.date_of_birth, sex=ours.sex,
        ward_code=ours.ward_code,
        their_full_name=answer.full_name, their_date_of_birth=answer.date_of_birth,
        their_sex=answer.sex or "", their_ward_code=answer.ward_code,
        death_date=answer.death_date, new_ward_code=answer.new_ward_code,
        name_score=name.score if name else None, name_reason=name.reason if name else "",
        birth_date_reason=born.reason if born else "", review_status=review,
        review_reason=why or "")


@transaction.atomic
def record_answers(batch: VerificationBatch, answers: Sequence[PersonAnswer], *,
                   actor: User | None = None) -> Recorded:
    """Record the population database's ``answers`` to ``batch`` and apply their effects,
    all in one transaction: a result per answer (our values beside theirs), each person
    stamped verified with the outcome, deaths recorded and their payment stopped,
    discrepancies put in the review queue; the batch's progress advanced. A death not
    clearly of our person, or an answer contradicting the death we hold, goes to the review
    queue instead (:func:`_doubt`).

    For :func:`run_batch` and for the police's answer file (``actor``: who brings it, a BHXH
    officer of the batch's province or the police verifier; the effects are recorded in
    their name, else in the batch requester's). An answer about someone who is not a beneficiary of
    the province, or already answered in this batch, changes nothing and is reported.
    Refused if the batch is not running or awaiting an answer, or a personal ID is twice."""
    if actor is not None:
        may_answer(actor, batch)
    batch = VerificationBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (BatchStatus.RUNNING, BatchStatus.AWAITING_ANSWER):
        raise BatchRefused("batch_state", "Đợt đối chiếu này không chờ kết quả.",
                           "This verification batch is not awaiting answers.")
    by_id: dict[str, PersonAnswer] = {}
    for answer in answers:
        if answer.citizen_id in by_id:
            raise BatchRefused("answer_duplicate_id",
                               f"Số định danh {answer.citizen_id} có hai kết quả.",
                               f"Personal ID {answer.citizen_id} has two answers.")
        by_id[answer.citizen_id] = answer
    done = Recorded()
    people: dict[str, tuple[int, _Ours, _Held]] = {}
    ids = sorted(by_id)
    for start in range(0, len(ids), 2_000):
        part = ids[start:start + 2_000]
        pks = list(Beneficiary.objects.filter(province_code=batch.province_code,
                                              citizen_id__any=part).values_list("pk", flat=True))
        registry.lock_beneficiaries(pks)  # our values, read under the lock the effects take
        for pk, cid, *ours, status, death_date in (
                Beneficiary.objects.filter(pk__any=pks)
                .values_list("pk", *CHECK_FIELDS, "status", "death_date")):
            people[cid] = (pk, _Ours(*ours), _Held(status, death_date))
    done.unknown = [cid for cid in by_id if cid not in people]
    seen = set(VerificationResult.objects.filter(
        batch=batch, beneficiary_id__any=[pk for pk, _, _ in people.values()])
        .values_list("beneficiary_id", flat=True))
    today = timezone.localdate()
    results: list[VerificationResult] = []
    deaths: dict[int, date] = {}
    outcomes: dict[int, str] = {}
    for cid, answer in by_id.items():
        if cid not in people:
            continue
        pk, ours, held = people[cid]
        if pk in seen:
            done.already.append(cid)
            continue
        review = (ReviewStatus.PENDING if answer.outcome in REVIEWED
                  else ReviewStatus.NOT_NEEDED)
        why = _doubt(answer, ours, held, today)
        if why is not None:
            review = ReviewStatus.PENDING
        elif answer.outcome == Outcome.DECEASED:
            assert answer.death_date is not None  # PersonAnswer: deceased carries the date
            deaths[pk] = answer.death_date
        results.append(_result(batch, pk, ours, answer, review, why))
        # What contradicts what we hold leaves our record as it is, stamp included.
        if why not in (ReviewReason.ALIVE_BUT_DECEASED, ReviewReason.DEATH_DATE_DIFFERS):
            outcomes[pk] = answer.outcome
    # The effects are whoever brought the answers' (the police's file), else the batch's.
    by = actor.username if actor is not None else batch.requested_by
    source = f"đối chiếu CSDL dân cư, đợt {batch.pk} / population check, batch {batch.pk}"
    done.deaths = registry.record_deaths(deaths, source=source, actor=by)
    stamps.record_verification(outcomes, at=timezone.now(), source=f"batch:{batch.pk}",
                                 actor=by)
    supersede_reviews([r.beneficiary_id for r in results], batch, by)
    insert_many(VerificationResult, results)  # by COPY on PostgreSQL: thousands at once
    done.results = len(results)
    done.to_review = sum(r.review_status == ReviewStatus.PENDING for r in results)
    advance(batch.pk, done.results)
    return done


def supersede_reviews(beneficiary_ids: Sequence[int], batch: VerificationBatch,
                      actor: str) -> list[int]:
    """Close the reviews these people still have open from earlier batches: ``batch``'s
    newer answer replaces them, so a person has one open review and nobody decides on
    values the population database has since changed (a pending proposal included). One
    audit entry each; the results closed."""
    ids = sorted(set(beneficiary_ids))
    closed: list[tuple[int, str]] = []
    for start in range(0, len(ids), 2_000):
        closed += VerificationResult.objects.filter(
            beneficiary_id__any=ids[start:start + 2_000],
            review_status__in=REVIEW_OPEN).exclude(batch_id=batch.pk).values_list(
            "pk", "review_status")
    if not closed:
        return []
    pks = [pk for pk, _ in closed]
    for start in range(0, len(pks), 2_000):
        VerificationResult.objects.filter(pk__any=pks[start:start + 2_000]).update(
            review_status=ReviewStatus.SUPERSEDED, decided_at=timezone.now(),
            decision_note=f"Thay bằng đợt {batch.pk} / replaced by batch {batch.pk}")
    audit.record_many(actor, "verification.review_superseded", "verification_result", [
        (pk, {"review_status": was}, {"review_status": ReviewStatus.SUPERSEDED,
                                      "batch": batch.pk}) for pk, was in closed])
    return pks


def advance(batch_id: int, done: int, skipped: int = 0) -> None:
    """Count ``done`` more people answered (``skipped`` of them left out), a sign of life."""
    # People added to the province while it runs are asked too: the total grows with them.
    VerificationBatch.objects.filter(pk=batch_id).update(
        people_done=F("people_done") + done, people_skipped=F("people_skipped") + skipped,
        people_total=Greatest(F("people_total"), F("people_done") + done),
        progress_at=timezone.now())


# --- running a batch --------------------------------------------------------------------------

def fail(batch_id: int, error: DomainError) -> None:
    VerificationBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.FAILED, error_code=error.code[:60],
        error_message=f"{error.message_vi}\n{error.message_en}", finished_at=timezone.now())


STALE_AFTER = timedelta(hours=1)


def _stale() -> DomainError:
    return DomainError(
        "batch_stale",
        "Đợt đối chiếu không tiến triển trong 1 giờ (tiến trình chạy nền đã dừng?). Những "
        "người đã đối chiếu vẫn được ghi nhận; hãy tạo đợt mới.",
        "The batch made no progress for an hour (did the background worker stop?). The "
        "people verified so far stay recorded; start a new batch.")


def fail_stale(province_code: str, actor: str) -> list[int]:
    """Mark failed the province's batches that went silent for :data:`STALE_AFTER`: queued
    and never taken, or running with no chunk recorded (a worker that died). Otherwise such
    a batch would keep the province from ever verifying again (one open batch per
    province). What they recorded stays; a run still alive finds its batch failed at its
    next chunk and stops. A batch awaiting the police's answer waits as long as it takes.
    The ids marked."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(VerificationBatch.objects.filter(province_code=province_code).filter(
        Q(status=BatchStatus.QUEUED, created_at__lt=cutoff)
        | Q(status=BatchStatus.RUNNING, progress_at__lt=cutoff)
        | Q(status=BatchStatus.RUNNING, progress_at__isnull=True, created_at__lt=cutoff))
        .values_list("pk", flat=True))
    for pk in stale:
        fail(pk, _stale())
        audit.record(actor, "verification.batch_stale", "verification_batch", pk,
                     after={"status": BatchStatus.FAILED, "error": "batch_stale"})
    return stale


def claim(batch_id: int) -> VerificationBatch | None:
    """Take a queued (or failed: run again) batch; None if another run has it or it is
    over, or (a failed one) if another batch of its province is open meanwhile."""
    try:
        with transaction.atomic():
            taken = VerificationBatch.objects.filter(
                pk=batch_id, status__in=[BatchStatus.QUEUED, BatchStatus.FAILED]).update(
                status=BatchStatus.RUNNING, started_at=timezone.now(), finished_at=None,
                progress_at=timezone.now(), error_code="", error_message="")
    except IntegrityError:  # verif_batch_one_open_per_province
        return None
    return VerificationBatch.objects.get(pk=batch_id) if taken else None


def run_batch(batch_id: int, adapter: PopulationAdapter, *,
              progress: Progress | None = None) -> VerificationBatch:
    """Verify the batch's people through ``adapter``, ``adapter.max_batch`` at a time; each
    chunk's answers recorded (:func:`record_answers`) in a transaction of their own.

    Not run if the batch is not queued or failed (returned as it is). An
    :class:`AdapterError` marks the batch failed with its code and message; what the chunks
    before recorded stays, and a run again goes on from there. Another error marks it failed
    too, and is raised."""
    batch = claim(batch_id)
    if batch is None:
        return VerificationBatch.objects.get(pk=batch_id)
    try:
        last = (VerificationResult.objects.filter(batch_id=batch_id)
                .aggregate(last=Max("beneficiary_id"))["last"]) or 0
        total = batch.people_done + _people(batch.province_code).filter(
            pk__gt=last).count()
        VerificationBatch.objects.filter(pk=batch_id).update(people_total=total)
        if progress:
            progress(batch.people_done, total)
        skipped: list[int] = []
        chunk: list[tuple[int, PersonCheck]] = []
        for row in people_to_check(batch.province_code, after=last, skipped=skipped):
            chunk.append(row)
            if len(chunk) >= adapter.max_batch:
                _ask(batch, adapter, chunk, skipped, total, progress)
                chunk, skipped = [], []
        if chunk or skipped:
            _ask(batch, adapter, chunk, skipped, total, progress)
    except AdapterError as error:
        logger.warning("verification batch %s failed: %s", batch_id, error.code)
        fail(batch_id, error)
        return VerificationBatch.objects.get(pk=batch_id)
    except DomainError as error:
        fail(batch_id, error)
        raise
    except Exception:
        logger.exception("verification batch %s failed", batch_id)
        fail(batch_id, DomainError("internal_error", "Lỗi hệ thống.", "System error."))
        raise
    VerificationBatch.objects.filter(pk=batch_id).update(status=BatchStatus.DONE,
                                                         finished_at=timezone.now())
    return VerificationBatch.objects.get(pk=batch_id)


def _ask(batch: VerificationBatch, adapter: PopulationAdapter,
         chunk: list[tuple[int, PersonCheck]], skipped: list[int], total: int,
         progress: Progress | None) -> None:
    answers = adapter.verify([check for _, check in chunk]) if chunk else []
    with transaction.atomic():
        record_answers(batch, answers)
        if skipped:
            advance(batch.pk, len(skipped), len(skipped))
    if progress:
        progress(VerificationBatch.objects.values_list("people_done", flat=True)
                 .get(pk=batch.pk), total)


def finish_batch(batch_id: int, actor: User) -> VerificationBatch:
    """Close a batch awaiting the police's answer once its answers are recorded."""
    with transaction.atomic():
        batch = VerificationBatch.objects.select_for_update().get(pk=batch_id)
        may_answer(actor, batch)
        if batch.status != BatchStatus.AWAITING_ANSWER:
            raise BatchRefused("batch_state", "Đợt đối chiếu này không chờ kết quả.",
                               "This verification batch is not awaiting answers.")
        batch.status, batch.finished_at = BatchStatus.DONE, timezone.now()
        batch.save(update_fields=["status", "finished_at"])
        audit_record(actor.username, "verification.batch_finish", batch,
                     after={"people_done": batch.people_done})
    return batch
