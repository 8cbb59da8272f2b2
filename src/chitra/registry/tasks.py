"""Background tasks of the registry (django-tasks; the DB backend runs them in
``chitra db_worker``)."""

from __future__ import annotations

from django_tasks import task

from chitra.registry.importing import jobs


@task()
def run_import_job(job_id: int) -> str:
    """Run a queued beneficiary import; progress is written on the ImportJob as it goes."""
    job = jobs.run_job(job_id)
    return str(job.status)
