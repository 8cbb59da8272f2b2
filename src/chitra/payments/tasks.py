"""Background tasks of the payment core (django-tasks; the DB backend runs them in
``chitra db_worker``): compute and export a cycle with progress on the cycle row; take in a
status file uploaded on the web page (no file is read inside a request).

A task is a door, like a page or a command: it calls :mod:`chitra.payments.services` (where
the claim of a cycle, its progress and a stuck step's release are described).
"""

from __future__ import annotations

from typing import IO, Any

from django_tasks import task

from chitra.access.models import User
from chitra.payments import services

COMPUTE, EXPORT = services.COMPUTE, services.EXPORT


@task()
def compute_cycle_task(cycle_id: int, username: str) -> str:
    """Compute the cycle (the same :func:`services.compute_cycle` as ``chitra cycle compute``)."""
    try:
        cycle = services.compute_cycle(cycle_id, username,
                                       progress=services.progress_of(cycle_id))
    except BaseException as e:
        services.step_failed(cycle_id, COMPUTE, username, e)
        raise
    services.step_finished(cycle_id)
    return str(cycle.status)


@task()
def export_cycle_task(cycle_id: int, username: str) -> str:
    """Export the cycle into :func:`services.export_dir` (as ``chitra cycle export``)."""
    try:
        result = services.export_cycle(cycle_id, username,
                                       progress=services.progress_of(cycle_id))
    except BaseException as e:
        services.step_failed(cycle_id, EXPORT, username, e)
        raise
    services.step_finished(cycle_id)
    return str(result.out_dir)


def submit(step: str, cycle_id: int, username: str) -> None:
    """Claim the cycle for ``step`` (:func:`services.claim_step`: no other step queued or
    running, the right status) and queue its task, so a double click or two users at once
    queue one task."""
    background = {COMPUTE: compute_cycle_task, EXPORT: export_cycle_task}
    chosen = background[step]  # only these two run in the background
    services.claim_step(step, cycle_id, username)
    chosen.enqueue(cycle_id, username)


@task()
def ingest_status_upload_task(token: str) -> str:
    """Take in a status file uploaded on the web page (as ``chitra ingest_status``)."""
    return services.ingest_status_upload(token)


def queue_status_upload(file_obj: IO[bytes] | Any, file_name: str, user: User) -> str:
    """Store an uploaded status file and queue its reading; the upload's token."""
    token = services.store_status_upload(file_obj, file_name, user)
    ingest_status_upload_task.enqueue(token)
    return token
