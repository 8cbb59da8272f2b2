"""The use cases about files: export a cycle, make its cash lists, take in status files
(from the command line at once, from the web page through the task worker). The pipelines
do the work and write the audit entries (``cycle.export``, ``cycle.cash_lists``,
``status.ingest`` / ``status.refused``, ``status.upload``); these are the doors' one way in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from chitra.access.models import User
from chitra.payments.export import run as export
from chitra.payments.models import PaymentCycle
from chitra.payments.status import batch
from chitra.payments.status import ingest as statusingest
from chitra.payments.status import uploads as statusuploads
from chitra.payments.status.ingest import IngestResult
from chitra.payments.status.uploads import Upload

ExportResult = export.ExportResult
STATUS_UPLOAD_SUFFIXES = statusuploads.SUFFIXES
STATUS_UPLOAD_MAX_BYTES = statusuploads.MAX_BYTES


def export_cycle(cycle_id: int, actor: str, out_dir: Path | None = None,
                 progress: export.Progress | None = None,
                 cash_lists: bool = True) -> ExportResult:
    """Plan and write every payment file of an approved cycle, its signatures, manifest and
    (unless ``cash_lists=False``) cash lists; the cycle becomes ``exported``. A transfer
    date already past moves to the next banking day (``ExportResult.warnings``), or is
    refused when the province's payment settings say so."""
    return export.export_cycle(cycle_id, actor, out_dir, progress=progress,
                               cash_lists=cash_lists)


def export_warnings(cycle: PaymentCycle) -> list[tuple[str, str]]:
    """What the exported files changed from the cycle (vi, en): a moved transfer date."""
    return export.transfer_date_warnings(cycle) if cycle.sent_at else []


def write_cash_lists(cycle_id: int, actor: str, out_dir: Path | None = None) -> list[Path]:
    """The post-office cash lists of an exported cycle (xlsx and pdf per point and day)."""
    return export.write_cash_lists(cycle_id, actor, out_dir)


def export_dir(cycle: PaymentCycle) -> Path:
    """Where the cycle's files are written (and served from)."""
    return export.export_dir(cycle)


def ingest_status_file(path: Path, user: User, file_name: str | None = None) -> IngestResult:
    """Apply one status file whole, or refuse it whole with every problem."""
    return statusingest.ingest_status_file(path, user, file_name)


def ingest_status_files(paths: Iterable[Path], user: User) -> Iterator[IngestResult]:
    """Several status files, each as :func:`ingest_status_file`, as if one after the other
    (on PostgreSQL several at once)."""
    return batch.ingest_status_files(paths, user)


def store_status_upload(file_obj: IO[bytes] | Any, file_name: str, user: User) -> str:
    """Keep a status file uploaded on the web page for the worker; its token."""
    return statusuploads.store(file_obj, file_name, user)


def ingest_status_upload(token: str) -> str:
    """Take in the upload ``token`` (the worker), once; the state it ends in."""
    return statusuploads.run(token)


def status_upload(token: str, user: User) -> Upload | None:
    """The upload ``token`` and its result, if ``user`` made it."""
    return statusuploads.get(token, user)
