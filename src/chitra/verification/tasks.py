"""Background tasks of verification (django-tasks; the DB backend runs them in
``chitra db_worker``)."""

from __future__ import annotations

from django_tasks import task

from chitra.verification import run
from chitra.verification.models import VerificationBatch


@task()
def run_verification_batch(batch_id: int, seed: int = 0) -> str:
    """Run a queued verification batch; progress is written on the batch as it goes."""
    return str(run.execute(batch_id, seed=seed).status)


def submit(batch: VerificationBatch, *, seed: int = 0) -> None:
    """Queue the batch's run (``seed``: the simulator's, for ``sim``)."""
    run_verification_batch.enqueue(batch.pk, seed)
