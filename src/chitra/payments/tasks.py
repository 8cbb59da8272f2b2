"""Background tasks of the payment core (django-tasks; the DB backend runs them in
``chitra db_worker``): compute and export a cycle with progress on the cycle row; take in a
status file uploaded on the web page (:mod:`chitra.payments.status.uploads`: no file is read
inside a request).

Progress lives on ``PaymentCycle.progress_step/progress_done/progress_total``:

* ``queued``  — a web user asked for the step; the worker has not started it yet;
* ``compute`` / ``export`` — running; done/total as the service reports them;
* ``""``      — nothing running (the last step finished);
* ``failed``  — the last step failed; the reason is the latest ``cycle.task_failed`` audit
  entry of the cycle (:func:`last_failure`).

``progress_at`` is when the step last reported. A worker that dies leaves its step
``queued`` or running for good; :func:`release_stuck_step` gives the cycle back (as
``failed``) once the step has been silent for :data:`STUCK_AFTER` and nobody holds the cycle's
row lock (compute, and export's planning, hold it while they run).

Compute writes its progress inside its own transaction (it holds the cycle row lock), so
another connection sees it only at commit; export's file-writing phase runs outside a
transaction, so its per-file progress shows as it goes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks import task

from chitra.access.models import User
from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.payments import services
from chitra.payments.errors import PaymentError
from chitra.payments.export import run as export
from chitra.payments.models import CycleStatus, PaymentCycle
from chitra.payments.status import uploads as statusuploads

QUEUED, FAILED = "queued", "failed"
COMPUTE, EXPORT = "compute", "export"
RUNNING_STEPS = frozenset({QUEUED, COMPUTE, EXPORT})
# Export reports after every file (seconds each) and compute holds the row lock, so a step
# silent this long with the row free has no live worker.
STUCK_AFTER = timedelta(minutes=15)
_MAY_START = {
    COMPUTE: (CycleStatus.OPEN, CycleStatus.COMPUTING, CycleStatus.COMPUTED),
    EXPORT: (CycleStatus.APPROVED, CycleStatus.EXPORTED, CycleStatus.RECONCILING),
}


def _progress(cycle_id: int) -> services.Progress:
    def write(step: str, done: int, total: int) -> None:
        # A plain UPDATE: inside compute it runs on the connection that holds the row lock.
        PaymentCycle.objects.filter(pk=cycle_id).update(
            progress_step=step[:20], progress_done=done, progress_total=total,
            progress_at=timezone.now())
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
    return audit.last_after("payment_cycle", cycle.pk, "cycle.task_failed") or {}


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
               .update(progress_step=QUEUED, progress_done=0, progress_total=0,
                       progress_at=timezone.now()))
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


def is_stuck(cycle: PaymentCycle) -> bool:
    """Whether the cycle's step has been silent for :data:`STUCK_AFTER` (a hint for the
    page; :func:`release_stuck_step` also checks the row lock)."""
    return cycle.progress_step in RUNNING_STEPS and (
        cycle.progress_at is None or cycle.progress_at < timezone.now() - STUCK_AFTER)


def release_stuck_step(cycle_id: int, username: str) -> str:
    """Mark a stuck step failed, so the step can be asked for again. Refuses while the step
    may still be alive. Returns the step released."""
    with transaction.atomic():
        rows = PaymentCycle.objects.filter(pk=cycle_id)
        if connection.features.has_select_for_update_nowait:
            try:
                cycle = rows.select_for_update(nowait=True).get()
            except DatabaseError:
                raise _still_running() from None
        else:  # SQLite: one writer at a time, nothing to wait for
            cycle = rows.get()
        if cycle.progress_step not in RUNNING_STEPS:
            raise PaymentError("no_task", "Kỳ này không có bước nào đang chạy.",
                               "No step is running for this cycle.")
        if not is_stuck(cycle):
            raise _still_running()
        step = cycle.progress_step
        rows.update(progress_step=FAILED)
        minutes = int(STUCK_AFTER.total_seconds() // 60)
        audit.record(username, "cycle.task_failed", "payment_cycle", cycle_id, after={
            "step": step, "code": "task_stuck", "released_by": username,
            "message_vi": f"Bước '{step}' không chạy tiếp quá {minutes} phút; {username} đã "
                          "gỡ bước này. Có thể chạy lại.",
            "message_en": f"Step '{step}' made no progress for over {minutes} minutes; "
                          f"{username} released it. It can be run again."})
    return step


def _still_running() -> PaymentError:
    minutes = int(STUCK_AFTER.total_seconds() // 60)
    return PaymentError(
        "task_running",
        f"Bước này vẫn đang chạy; chỉ gỡ được khi quá {minutes} phút không có tiến độ.",
        f"The step is still running; it can be released after {minutes} minutes without "
        "progress.")


@task()
def ingest_status_upload_task(token: str) -> str:
    """Take in a status file uploaded on the web page (as ``chitra ingest_status``)."""
    return statusuploads.run(token)


def queue_status_upload(file_obj: IO[bytes] | Any, file_name: str, user: User) -> str:
    """Store an uploaded status file and queue its reading; the upload's token."""
    token = statusuploads.store(file_obj, file_name, user)
    ingest_status_upload_task.enqueue(token)
    return token
