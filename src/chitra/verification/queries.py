"""What the verification screens list, each scoped to who asks (DESIGN §3.6).

BHXH staff of a province see its batches, their results and its review queue; a police
verifier sees only the batches sent to their organization, and those batches' answers;
everybody else nothing.
"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from chitra.access.models import OrganizationKind, Role, User
from chitra.access.scoping import bhxh_province, scope_of
from chitra.core.errors import NotInScope
from chitra.verification.models import (
    REVIEW_OPEN,
    VerificationBatch,
    VerificationResult,
)
from chitra.verification.outcomes import Outcome


def batches_for(user: User) -> QuerySet[VerificationBatch]:
    """The batches ``user`` may see, newest first."""
    batches = VerificationBatch.objects.select_related("police_org").order_by("-id")
    if not user.is_active:
        return batches.none()
    if user.is_superuser:
        return batches
    if province := bhxh_province(user):
        return batches.filter(province_code=province)
    org = user.organization
    if (user.role == Role.POLICE_VERIFIER and org is not None
            and org.kind == OrganizationKind.POLICE and scope_of(user).sees_people):
        return batches.filter(police_org=org)
    return batches.none()


def batch_for(batch_id: int, user: User) -> VerificationBatch:
    """One batch ``user`` may see, else :class:`NotInScope`."""
    batch = batches_for(user).filter(pk=batch_id).first()
    if batch is None:
        raise NotInScope()
    return batch


def results_of(batch: VerificationBatch | int, user: User,
               outcome: Outcome | str | None = None) -> QuerySet[VerificationResult]:
    """The results of a batch ``user`` may see (``outcome``: only those), in the order
    they were recorded; :class:`NotInScope` for another's batch."""
    batch_id = batch if isinstance(batch, int) else batch.pk
    batch_for(batch_id, user)
    results = VerificationResult.objects.filter(batch_id=batch_id).order_by("id")
    if outcome:
        if outcome not in Outcome.values:
            return results.none()
        results = results.filter(outcome=outcome)
    return results


def outcome_counts(batch: VerificationBatch, user: User) -> dict[str, int]:
    """How many people of each outcome (every outcome named, 0 if none): the results, and
    the matches an extract recorded in bulk without a result row each."""
    counted = dict(results_of(batch, user).order_by().values_list("outcome")
                   .annotate(n=Count("id")).values_list("outcome", "n"))
    counted[Outcome.MATCH] = counted.get(Outcome.MATCH, 0) + batch.matched_in_bulk
    return {outcome: counted.get(outcome, 0) for outcome in Outcome.values}


def review_queue(user: User) -> QuerySet[VerificationResult]:
    """The discrepancies awaiting a proposal or a decision in ``user``'s province (BHXH
    staff; a superuser's of every province), oldest first."""
    # The beneficiary too: a death date we recorded is shown beside theirs.
    queue = (VerificationResult.objects.filter(review_status__in=REVIEW_OPEN)
             .select_related("batch", "beneficiary").order_by("id"))
    if not user.is_active:
        return queue.none()
    if user.is_superuser:
        return queue
    if province := bhxh_province(user):
        return queue.filter(batch__province_code=province)
    return queue.none()
