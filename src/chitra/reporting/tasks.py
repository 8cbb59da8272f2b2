"""Background tasks of reporting (django-tasks; the DB backend runs them in
``chitra db_worker``): count a cycle's month again while it is being reconciled, out of the
upload request and of the status files' transaction (a big province takes tens of seconds).
"""

from __future__ import annotations

from collections.abc import Iterable

from django_tasks import task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from chitra.payments.models import PaymentCycle
from chitra.reporting import kpi

# Who counted, in the audit trail: the system (shown "Hệ thống"), not the file's uploader.
ACTOR = "system:kpi_reconcile"


@task()
def refresh_reconciling_cycle_task(cycle_id: int) -> int | None:
    """The figures of the cycle's province and month, counted again from its items
    (:func:`kpi.refresh_cycle`); the paid items counted, or None for a cycle gone meanwhile."""
    if not PaymentCycle.objects.filter(pk=cycle_id).exists():
        return None
    return kpi.refresh_cycle(cycle_id, ACTOR).items


def queue_refresh(cycle_ids: Iterable[int]) -> None:
    """One task per cycle, so one that fails leaves the others to count; none for a cycle
    whose count already waits in the queue: it has not started, so it will count this
    file's statuses too (a bank's forty files of a morning queue one count, not forty)."""
    for cycle_id in sorted(set(cycle_ids) - _waiting()):
        refresh_reconciling_cycle_task.enqueue(cycle_id)


def _waiting() -> set[int]:
    """The cycles whose count waits in the database queue, not yet taken by a worker. Two
    files committing at once may both queue one: a count twice is the same count."""
    task = refresh_reconciling_cycle_task
    if not isinstance(task.get_backend(), DatabaseBackend):
        return set()
    queued = DBTaskResult.objects.ready().filter(  # what a worker of its queue will take
        task_path=task.module_path, backend_name=task.backend, queue_name=task.queue_name,
    ).values_list("args_kwargs", flat=True)
    return {a["args"][0] for a in queued if len(a.get("args", ())) == 1}
