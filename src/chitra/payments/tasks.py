"""Background tasks of the payment core (django-tasks; the DB backend runs them in
``chitra db_worker``): compute and export a cycle with progress on the cycle row.

Progress lives on ``PaymentCycle.progress_step/progress_done/progress_total``:

* ``queued``  — a web user asked for the step; the worker has not started it yet;
* ``compute`` / ``export`` — running; done/total as the service reports them;
* ``""``      — nothing running (the last step finished);
* ``failed``  — the last step failed; the reason is the latest ``cycle.task_failed`` audit
  entry of the cycle (:func:`last_failure`).

Compute writes its progress inside its own transaction (it holds the cycle row lock), so
another connection sees it only at commit; export's file-writing phase runs outside a
transaction, so its per-file progress shows as it goes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.payments import export, services
from chitra.payments.errors import PaymentError
from chitra.payments.models import CycleStatus, PaymentCycle

QUEUED, FAILED = "queued", "failed"
COMPUTE, EXPORT = "compute", "export"
RUNNING_STEPS = frozenset({QUEUED, COMPUTE, EXPORT})
_MAY_START = {
    COMPUTE: (CycleStatus.OPEN, CycleStatus.COMPUTED),
    EXPORT: (CycleStatus.APPROVED, CycleStatus.EXPORTED, CycleStatus.RECONCILING),
}


def _progress(cycle_id: int) -> services.Progress:
    def write(step: str, done: int, total: int) -> None:
        # A plain UPDATE: inside compute it runs on the connection that holds the row lock.
        PaymentCycle.objects.filter(pk=cycle_id).update(
            progress_step=step[:20], progress_done=done, progress_total=total)
    return write


def _finish(cycle_id: int) -> None:
    PaymentCycle.objects.filter(pk=cycle_id).update(progress_step="")


def _fail(cycle_id: int, step: str, actor: str, error: BaseException) -> None:
    if isinstance(error, DomainError):
        code, vi, en = error.code, error.message_vi, error.message_en
    else:
        code = type(error).__name__
        vi = f"Lỗi hệ thống khi chạy bước '{step}'. Hãy báo quản trị viên."
        en = f"System error while running '{step}'. Tell the administrator."
    with transaction.atomic():
        PaymentCycle.objects.filter(pk=cycle_id).update(progress_step=FAILED)
        audit.record(actor, "cycle.task_failed", "payment_cycle", cycle_id,
                     after={"step": step, "code": code, "message_vi": vi, "message_en": en})


def last_failure(cycle: PaymentCycle) -> dict[str, Any] | None:
    """What the latest failed step of ``cycle`` said, if its last step failed."""
    if cycle.progress_step != FAILED:
        return None
    entry = (AuditEntry.objects.filter(object_type="payment_cycle", object_id=str(cycle.pk),
                                       action="cycle.task_failed")
             .order_by("-id").values_list("after", flat=True).first())
    return entry if isinstance(entry, dict) else {}


@task()
def compute_cycle_task(cycle_id: int, username: str) -> str:
    """Compute the cycle (the same :func:`services.compute_cycle` as ``chitra cycle compute``)."""
    try:
        cycle = services.compute_cycle(cycle_id, username, progress=_progress(cycle_id))
    except BaseException as e:
        _fail(cycle_id, COMPUTE, username, e)
        raise
    _finish(cycle_id)
    return str(cycle.status)


@task()
def export_cycle_task(cycle_id: int, username: str) -> str:
    """Export the cycle into :func:`export.export_dir` (as ``chitra cycle export``)."""
    try:
        result = export.export_cycle(cycle_id, username, progress=_progress(cycle_id))
    except BaseException as e:
        _fail(cycle_id, EXPORT, username, e)
        raise
    _finish(cycle_id)
    return str(result.out_dir)


def submit(step: str, cycle_id: int, username: str) -> None:
    """Claim the cycle for ``step`` (no other step queued or running, the right state) and
    queue the task. Refuses with :class:`PaymentError` otherwise, so a double click or two
    users at once queue one task."""
    claimed = (PaymentCycle.objects.filter(pk=cycle_id, status__in=_MAY_START[step])
               .exclude(progress_step__in=RUNNING_STEPS)
               .update(progress_step=QUEUED, progress_done=0, progress_total=0))
    if not claimed:
        cycle = PaymentCycle.objects.get(pk=cycle_id)
        if cycle.progress_step in RUNNING_STEPS:
            raise PaymentError("task_running", "Kỳ này đang có một bước chạy; hãy chờ xong.",
                               "A step is already running for this cycle; wait for it.")
        raise PaymentError(
            "cycle_state",
            f"Kỳ {cycle} đang ở trạng thái '{cycle.get_status_display()}', "
            "không làm được việc này.",
            f"Cycle {cycle} is '{cycle.status}'; this step is not possible now.")
    audit.record(username, f"cycle.{step}_queued", "payment_cycle", cycle_id)
    chosen = compute_cycle_task if step == COMPUTE else export_cycle_task
    chosen.enqueue(cycle_id, username)
