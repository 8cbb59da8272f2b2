"""The background steps of a cycle (compute, export run by the task worker): claiming the
cycle for one, its progress, its failure, and releasing one whose worker died.

Progress lives on ``PaymentCycle.progress_step/progress_done/progress_total``:

* ``queued``  — a web user asked for the step; the worker has not started it yet;
* ``compute`` / ``export`` — running; done/total as the step reports them;
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
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.payments import lifecycle
from chitra.payments.compute.run import Progress
from chitra.payments.errors import PaymentError
from chitra.payments.lifecycle import Step
from chitra.payments.models import PaymentCycle

QUEUED, FAILED = "queued", "failed"
COMPUTE, EXPORT = Step.COMPUTE.value, Step.EXPORT.value  # the steps run in the background
RUNNING_STEPS = frozenset({QUEUED, COMPUTE, EXPORT})
# Export reports after every file (seconds each) and compute holds the row lock, so a step
# silent this long with the row free has no live worker.
STUCK_AFTER = timedelta(minutes=15)


def claim_step(step: str, cycle_id: int, actor: str) -> None:
    """Mark the cycle ``queued`` for ``step`` if no other step is queued or running and its
    status allows the step (one UPDATE, so a double click or two users at once claim it
    once); audited ``cycle.<step>_queued``. Refuses with :class:`PaymentError` otherwise."""
    claimed = (PaymentCycle.objects
               .filter(pk=cycle_id, status__in=lifecycle.ALLOWED_FROM[Step(step)])
               .exclude(progress_step__in=RUNNING_STEPS)
               .update(progress_step=QUEUED, progress_done=0, progress_total=0,
                       progress_at=timezone.now()))
    if not claimed:
        cycle = PaymentCycle.objects.get(pk=cycle_id)
        if cycle.progress_step not in RUNNING_STEPS:
            lifecycle.require_step(cycle, Step(step))
        raise _busy()  # running, or claimed by another between the two reads
    audit.record(actor, f"cycle.{step}_queued", "payment_cycle", cycle_id)


def _busy() -> PaymentError:
    return PaymentError("task_running", "Kỳ này đang có một bước chạy; hãy chờ xong.",
                        "A step is already running for this cycle; wait for it.")


def progress_of(cycle_id: int) -> Progress:
    """What a running step calls to report how far it is."""

    def write(step: str, done: int, total: int) -> None:
        # A plain UPDATE: inside compute it runs on the connection that holds the row lock.
        PaymentCycle.objects.filter(pk=cycle_id).update(
            progress_step=step[:20], progress_done=done, progress_total=total,
            progress_at=timezone.now())
    return write


def step_finished(cycle_id: int) -> None:
    PaymentCycle.objects.filter(pk=cycle_id).update(progress_step="")


def step_failed(cycle_id: int, step: str, actor: str, error: BaseException) -> None:
    """Keep why the step failed where the page shows it (``cycle.task_failed``)."""
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


def is_running(cycle: PaymentCycle) -> bool:
    return cycle.progress_step in RUNNING_STEPS


def is_stuck(cycle: PaymentCycle) -> bool:
    """Whether the cycle's step has been silent for :data:`STUCK_AFTER` (a hint for the
    page; :func:`release_stuck_step` also checks the row lock)."""
    return cycle.progress_step in RUNNING_STEPS and (
        cycle.progress_at is None or cycle.progress_at < timezone.now() - STUCK_AFTER)


def release_stuck_step(cycle_id: int, actor: str) -> str:
    """Mark a stuck step failed, so the step can be asked for again; audited
    ``cycle.task_failed`` with who released it. Refuses while the step may still be alive.
    Returns the step released."""
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
        audit.record(actor, "cycle.task_failed", "payment_cycle", cycle_id, after={
            "step": step, "code": "task_stuck", "released_by": actor,
            "message_vi": f"Bước '{step}' không chạy tiếp quá {minutes} phút; {actor} đã "
                          "gỡ bước này. Có thể chạy lại.",
            "message_en": f"Step '{step}' made no progress for over {minutes} minutes; "
                          f"{actor} released it. It can be run again."})
    return step


def _still_running() -> PaymentError:
    minutes = int(STUCK_AFTER.total_seconds() // 60)
    return PaymentError(
        "task_running",
        f"Bước này vẫn đang chạy; chỉ gỡ được khi quá {minutes} phút không có tiến độ.",
        f"The step is still running; it can be released after {minutes} minutes without "
        "progress.")
