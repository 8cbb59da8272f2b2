"""The exceptions queue (issue 13): status lines held for a person, resolved with a reason by
one BHXH officer and approved by a BHXH approver, another person (maker–checker, also a
check constraint).

Only BHXH staff (officer or approver) of the item's province see and resolve its
exceptions; for anybody else another province's exception does not exist (:class:`NotInScope`),
and a bank or post-office user sees none. One transaction per use case, one audit entry:

=================  ===========================  ===============================================
use case           function                     audit action
=================  ===========================  ===============================================
propose            :func:`propose_resolution`   ``status_exception.propose``
approve            :func:`approve_resolution`   ``status_exception.approve`` (+ the registry's
                                                own entries for a death or a closed account)
send back          :func:`reject_proposal`      ``status_exception.reject``
=================  ===========================  ===============================================

What each resolution does to the item is :mod:`chitra.payments.reconcile_exceptions`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.utils import timezone

from chitra.access.models import User
from chitra.access.scoping import bhxh_province
from chitra.core import audit
from chitra.core.errors import NotInScope
from chitra.core.models import AuditEntry
from chitra.payments import lifecycle, permissions
from chitra.payments import reconcile_exceptions as rules
from chitra.payments.errors import PaymentError
from chitra.payments.models import (
    ExceptionResolution,
    ExceptionState,
    ItemStatus,
    PaymentCycle,
    PaymentItem,
    StatusEvent,
    StatusException,
    current_status,
)
from chitra.payments.permissions import CycleAction
from chitra.payments.status import followups

LIST_LIMIT = 200
_STATE_ORDER = [ExceptionState.OPEN, ExceptionState.PROPOSED, ExceptionState.RESOLVED]


# --- who sees what ---------------------------------------------------------------------------

def works_exceptions(user: User) -> bool:
    """BHXH officers and approvers (their province), superusers (all)."""
    return user.is_active and (user.is_superuser or bhxh_province(user) is not None)


def exceptions_visible_to(user: User) -> QuerySet[StatusException]:
    found = StatusException.objects.all()
    if user.is_superuser and user.is_active:
        return found
    province = bhxh_province(user) if user.is_active else None
    if province is None:
        return found.none()
    return found.filter(item__cycle__province_code=province)


def get_exception_for(user: User, pk: int) -> StatusException:
    """Exception ``pk`` with its item, cycle and file, if ``user`` may work on it;
    :class:`NotInScope` (404) otherwise, exactly as for one that does not exist."""
    found = (exceptions_visible_to(user).filter(pk=pk)
             .select_related("item__cycle", "item__provider", "status_file").first())
    if found is None:
        raise NotInScope()
    return found


def exception_queue(user: User, *, state: str = "", kind: str = "",
                    period: date | None = None) -> QuerySet[StatusException]:
    """The user's exceptions, filtered; open first, then proposed, then resolved, oldest
    first in each (not capped: callers slice)."""
    found = _filtered(user, kind=kind, period=period)
    if state:
        found = found.filter(state=state)
    order = Case(*(When(state=s, then=Value(k)) for k, s in enumerate(_STATE_ORDER)),
                 output_field=IntegerField())
    return (found.select_related("item__cycle", "item__provider", "status_file")
            .order_by(order, "id"))


def state_counts(user: User, *, kind: str = "", period: date | None = None) -> dict[str, int]:
    """How many of the user's exceptions are in each state (the other filters applied); one
    GROUP BY query."""
    counts = dict(_filtered(user, kind=kind, period=period).order_by().values("state")
                  .annotate(n=Count("id")).values_list("state", "n"))
    return {s.value: counts.get(s.value, 0) for s in _STATE_ORDER}


def open_exception_count(cycle: PaymentCycle) -> int:
    """Exceptions still to resolve (open or proposed) about the cycle's items, for the
    reconciliation page of a cycle the user was already allowed to see."""
    return StatusException.objects.filter(
        item__cycle=cycle, state__in=[ExceptionState.OPEN, ExceptionState.PROPOSED]).count()


def exception_periods(user: User) -> list[date]:
    """The months the user's exceptions are about, newest first (the cycle filter)."""
    return list(exceptions_visible_to(user).order_by("-item__cycle__period")
                .values_list("item__cycle__period", flat=True).distinct())


def _filtered(user: User, *, kind: str, period: date | None) -> QuerySet[StatusException]:
    found = exceptions_visible_to(user)
    if kind:
        found = found.filter(kind=kind)
    if period is not None:
        found = found.filter(item__cycle__period=period)
    return found


def item_events(item: PaymentItem) -> QuerySet[StatusEvent]:
    return item.events.select_related("source_file").order_by("id")


def exception_trail(exc: StatusException) -> QuerySet[AuditEntry]:
    """Who proposed, sent back and approved what, oldest first."""
    return AuditEntry.objects.filter(object_type="status_exception",
                                     object_id=str(exc.pk)).order_by("id")


def allowed_for(exc: StatusException) -> list[ExceptionResolution]:
    """What may be proposed now: only *keep* once the item moved since the line was held."""
    if is_stale(exc):
        return [ExceptionResolution.KEEP]
    return rules.allowed_resolutions(exc.kind, _current(exc.item), exc.iso_status)


def is_stale(exc: StatusException) -> bool:
    """The item moved since the line was held: the line can no longer be applied."""
    return _current(exc.item) != exc.item_status


# --- use cases -------------------------------------------------------------------------------

@transaction.atomic
def propose_resolution(user: User, exception_id: int, resolution: str,
                       note: str) -> StatusException:
    """open → proposed: ``resolution`` (apply or keep) with the maker's reason ``note``."""
    exc = _locked(user, exception_id)
    _require_state(exc, ExceptionState.OPEN)
    note = _required_text(note, "note")
    try:
        chosen = ExceptionResolution(resolution)
    except ValueError:
        raise _not_allowed(resolution) from None
    item = _locked_item(exc)
    if chosen == ExceptionResolution.APPLY:
        _require_unchanged(exc, item)
        if chosen not in rules.allowed_resolutions(exc.kind, _current(item), exc.iso_status):
            raise _not_allowed(resolution)
    exc.state, exc.resolution, exc.note = ExceptionState.PROPOSED, chosen, note
    exc.proposed_by, exc.proposed_at = user.username, timezone.now()
    exc.save(update_fields=["state", "resolution", "note", "proposed_by", "proposed_at"])
    audit.record(user.username, "status_exception.propose", "status_exception", exc.pk,
                 before={"state": ExceptionState.OPEN},
                 after={"state": exc.state, "resolution": chosen.value, "note": note,
                        "item": exc.item_id, "kind": exc.kind})
    return exc


@transaction.atomic
def reject_proposal(user: User, exception_id: int, reason: str) -> StatusException:
    """proposed → open: an approver (not the maker) sends the proposal back, with a
    reason."""
    exc = _locked(user, exception_id)
    _require_state(exc, ExceptionState.PROPOSED)
    _require_approver(exc, user)
    _require_checker(exc, user)
    reason = _required_text(reason, "reason")
    before = {"state": exc.state, "resolution": exc.resolution, "note": exc.note,
              "proposed_by": exc.proposed_by}
    exc.state, exc.resolution, exc.note = ExceptionState.OPEN, "", ""
    exc.proposed_by, exc.proposed_at = "", None
    exc.save(update_fields=["state", "resolution", "note", "proposed_by", "proposed_at"])
    audit.record(user.username, "status_exception.reject", "status_exception", exc.pk,
                 before=before, after={"state": exc.state, "reason": reason})
    return exc


@transaction.atomic
def approve_resolution(user: User, exception_id: int) -> StatusException:
    """proposed → resolved by a BHXH approver who is not the maker. *Apply* moves the item
    to what the line means (:func:`chitra.payments.reconcile_exceptions.applied_status`),
    records the line as an exception event resolved by the checker (unless it applied with
    its file already), and runs the registry's follow-up of a death or a refused account
    (:mod:`chitra.payments.status.followups`; the items to recover go in the audit entry);
    *keep* leaves the item as it is.

    Locks the exception, then its item (``SELECT … FOR UPDATE``): a file applied meanwhile
    either waits or is seen, and a moved item is refused (stale)."""
    exc = _locked(user, exception_id)
    _require_state(exc, ExceptionState.PROPOSED)
    _require_approver(exc, user)
    _require_checker(exc, user)
    item = _locked_item(exc)
    moved: dict[str, Any] = {}
    if exc.resolution == ExceptionResolution.APPLY:
        moved = _apply(exc, item, user)
    now = timezone.now()
    exc.state, exc.resolved_by, exc.resolved_at = ExceptionState.RESOLVED, user.username, now
    exc.save(update_fields=["state", "resolved_by", "resolved_at"])
    audit.record(user.username, "status_exception.approve", "status_exception", exc.pk,
                 before={"state": ExceptionState.PROPOSED, "proposed_by": exc.proposed_by},
                 after={"state": exc.state, "resolution": exc.resolution, "item": item.pk,
                        **moved})
    return exc


def _apply(exc: StatusException, item: PaymentItem, checker: User) -> dict[str, Any]:
    _require_unchanged(exc, item)
    current = _current(item)
    to = rules.applied_status(exc.kind, current, exc.iso_status)
    if to is None:  # the rules changed since the proposal; nothing to take
        raise _not_allowed(ExceptionResolution.APPLY)
    now = timezone.now()
    if to != current:
        if rules.reopens(current, to) and PaymentItem.objects.filter(
                obligation_id=item.obligation_id, closed=False).exclude(pk=item.pk).exists():
            raise PaymentError(
                "obligation_reissued",
                "Khoản phải trả này đã có một lần chi khác đang chạy hoặc đã chi; không thể "
                "ghi nhận dòng này. Hãy chọn giữ nguyên.",
                "This obligation already has another live or paid attempt; the line cannot "
                "be applied. Propose keep instead.")
        # The stored status as read under the lock: the one write of this door.
        updated = PaymentItem.objects.filter(pk=item.pk, status=item.status).update(
            status=to, reason_code=exc.reason_code, status_changed_at=now)
        if updated != 1:
            raise _changed()
    if exc.kind not in rules.ALREADY_APPLIED:  # else its event was written with the file
        StatusEvent.objects.create(
            item_id=item.pk, source_file_id=exc.status_file_id, iso_status=exc.iso_status,
            reason_code=exc.reason_code, from_status=current, to_status=to,
            is_exception=True, resolved_by=checker.username,
            detail=rules.event_detail(exc.kind, exc.detail, exc.amount, item.amount))
    moved: dict[str, Any] = {"from_status": current, "to_status": to}
    if rules.follows_up(exc.kind, to, exc.reason_code):
        # What the status ingest does for a line (one function for both roads); a death
        # counts from the day it was reported.
        recover = followups.follow_up(
            [(item.pk, exc.reason_code)], checker.username,
            reported_on=timezone.localdate(exc.received_at), today=timezone.localdate())
        if recover:
            moved["to_recover"] = [[citizen, amount] for citizen, amount in recover]
    lifecycle.mark_reconciling([item.cycle_id])
    return moved


# --- checks ----------------------------------------------------------------------------------

def _locked(user: User, pk: int) -> StatusException:
    found = (exceptions_visible_to(user).select_for_update(of=("self",)).filter(pk=pk)
             .first())
    if found is None:
        raise NotInScope()
    return found


def _locked_item(exc: StatusException) -> PaymentItem:
    return (PaymentItem.objects.select_for_update(of=("self",)).select_related("cycle")
            .get(pk=exc.item_id))


def _current(item: PaymentItem) -> ItemStatus:
    return current_status(item.status, item.cycle.sent_at is not None)


def _require_state(exc: StatusException, state: ExceptionState) -> None:
    if exc.state != state:
        raise PaymentError(
            "exception_state",
            f"Ngoại lệ #{exc.pk} đang ở trạng thái '{exc.get_state_display()}'; "
            f"việc này cần trạng thái '{state.label}'.",
            f"Exception #{exc.pk} is '{exc.state}'; this needs '{state.value}'.")


def may_approve(user: User, exc: StatusException) -> bool:
    """Whether ``user`` may approve or send back ``exc`` (the page offers it only then)."""
    return (user.username != exc.proposed_by
            and permissions.may(user, CycleAction.APPROVE, exc.item.cycle.province_code))


def _require_approver(exc: StatusException, user: User) -> None:
    """Approving or sending back is the BHXH approver's, as for a payment cycle."""
    province = (PaymentItem.objects.filter(pk=exc.item_id)
                .values_list("cycle__province_code", flat=True).get())
    permissions.require(user, CycleAction.APPROVE, province)


def _require_checker(exc: StatusException, user: User) -> None:
    if user.username == exc.proposed_by:
        raise PaymentError("maker_checker",
                           "Người duyệt phải khác người đã đề xuất cách xử lý.",
                           "The approver must be a different user from the one who proposed.")


def _require_unchanged(exc: StatusException, item: PaymentItem) -> None:
    if _current(item) != exc.item_status:
        raise _changed()


def _changed() -> PaymentError:
    return PaymentError(
        "item_changed",
        "Trạng thái của khoản chi đã thay đổi từ khi nhận dòng này; không thể ghi nhận dòng "
        "theo tệp. Hãy chọn giữ nguyên.",
        "The item's status changed since this line was received; the line can no longer be "
        "applied. Propose keep instead.")


def _not_allowed(resolution: str) -> PaymentError:
    return PaymentError(
        "resolution_not_allowed",
        f"Không thể chọn cách xử lý '{resolution}' cho ngoại lệ này.",
        f"Resolution '{resolution}' is not possible for this exception.")


def _required_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PaymentError(f"{what}_required", "Cần ghi lý do.", "A reason is required.")
    if len(text) > rules.NOTE_MAX:
        raise PaymentError(f"{what}_too_long",
                           f"Lý do dài quá {rules.NOTE_MAX} ký tự.",
                           f"The reason is longer than {rules.NOTE_MAX} characters.")
    return text
