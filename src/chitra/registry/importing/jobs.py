"""Import jobs: an upload stored and queued from the web page, then run by the task worker
through the same :func:`chitra.registry.importing.run.run_import` as the CLI."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone

from chitra.access.models import User
from chitra.core import audit
from chitra.core.errors import DomainError
from chitra.registry.importing.reading import FileRefused
from chitra.registry.importing.run import Deadline, TimeLimitExceeded, province_for, run_import
from chitra.registry.models import ImportJob, ImportStatus

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def _safe_name(name: str) -> str:
    base = Path(name).name
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in base)
    return cleaned[-100:] or "import"


def submit_import(*, file_obj: IO[bytes] | Any, file_name: str, actor: User,
                  dry_run: bool = False, accept_valid: bool = False,
                  province: str | None = None) -> ImportJob:
    """Store the upload under MEDIA_ROOT/imports and queue it. Checks rights, the extension
    and the size before anything is stored."""
    province_code = province_for(actor, province)
    suffix = Path(file_name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise DomainError("file_type", "Chỉ nhận tệp .csv hoặc .xlsx.",
                          "Only .csv and .xlsx files are accepted.")
    size = getattr(file_obj, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _too_big()
    folder = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _safe_name(file_name)
    written = 0
    chunks = file_obj.chunks() if hasattr(file_obj, "chunks") else iter(
        lambda: file_obj.read(1 << 20), b"")
    with target.open("wb") as out:
        for chunk in chunks:
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise _too_big()
            out.write(chunk)
    job = ImportJob.objects.create(
        file_name=Path(file_name).name[:255], stored_path=str(target), dry_run=dry_run,
        accept_valid=accept_valid, province_code=province_code, created_by=actor.username)
    audit.record(actor.username, "beneficiary.import.submit", "import_job", job.pk,
                 after={"file": job.file_name, "dry_run": dry_run,
                        "accept_valid": accept_valid, "bytes": written})
    from chitra.registry.tasks import run_import_job

    run_import_job.enqueue(job.pk)
    return job


def _too_big() -> DomainError:
    mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    return DomainError("file_too_big", f"Tệp lớn hơn {mb} MB.", f"The file is over {mb} MB.")


class ProgressWriter:
    """Writes a job's progress where the page polling it can see it. A first load runs whole
    in one transaction (registry.importing.bulkload), whose writes nobody sees before commit: its
    progress goes through a second connection of its own."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.side: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not (connection.vendor == "postgresql" and connection.in_atomic_block):
            ImportJob.objects.filter(pk=self.job_id).update(rows_done=done, rows_total=total)
            return
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.side.cursor() as c:
            c.execute("UPDATE registry_importjob SET rows_done = %s, rows_total = %s "
                      "WHERE id = %s", [done, total, self.job_id])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def run_job(job_id: int) -> ImportJob:
    """Run a queued job: the same :func:`run_import` as the CLI, with progress on the job."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING)
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job  # already run (a retried task must not import twice)

    progress = ProgressWriter(job_id)
    report_path = Path(job.stored_path).parent / "loi-errors.xlsx"
    # CHITRA_JOB_TIME_LIMIT seconds: past it the job stops, its transaction rolls back and
    # it is marked failed, so one hostile or huge file cannot hold the only task worker.
    deadline = Deadline.after(settings.CHITRA_JOB_TIME_LIMIT)
    try:
        outcome = run_import(Path(job.stored_path), province_code=job.province_code,
                             actor=job.created_by, dry_run=job.dry_run,
                             accept_valid=job.accept_valid, report_path=report_path,
                             progress=progress, job_id=job.pk, deadline=deadline)
    except FileRefused as e:
        job.status = ImportStatus.REJECTED
        job.message = f"{e.message_vi}\n{e.message_en}"
    except TimeLimitExceeded as e:
        _timed_out(job, e)
    except DatabaseError as e:
        if deadline.remaining_ms() > 1:
            logger.exception("import job %s failed", job_id)
            _failed(job_id)
            raise
        # PostgreSQL cancelled a statement at the limit (statement_timeout)
        _timed_out(job, TimeLimitExceeded(deadline.seconds), e)
    except Exception:
        # Logged with its traceback, recorded on the job for the user, then re-raised so the
        # task fails visibly.
        logger.exception("import job %s failed", job_id)
        _failed(job_id)
        raise
    else:
        job.status = outcome.status
        job.rows_total = job.rows_done = outcome.rows_total
        job.rows_invalid = outcome.rows_invalid
        job.created, job.updated, job.unchanged = (outcome.created, outcome.updated,
                                                   outcome.unchanged)
        job.accounts_pending = outcome.accounts_pending
        job.problems_count = outcome.problems_count
        job.problems_preview = [
            {"row": p.row, "column": p.column, "value": p.value, "code": p.code,
             "message_vi": p.message_vi, "message_en": p.message_en}
            for p in outcome.first_problems[:50]]
        job.error_report_path = str(outcome.error_report or "")
    finally:
        progress.close()
    job.finished_at = timezone.now()
    job.save()
    return job


def _failed(job_id: int) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED, finished_at=timezone.now(),
        message="Lỗi hệ thống khi nhập; đã ghi nhật ký. / System error; logged.")


def _timed_out(job: ImportJob, e: TimeLimitExceeded, cause: BaseException | None = None
               ) -> None:
    logger.warning("import job %s stopped at its time limit (%s)", job.pk, cause or e.code)
    job.status = ImportStatus.FAILED
    job.message = f"{e.message_vi}\n{e.message_en}"
