"""Every payment use case, by name (STYLE §1): the command line, the pages and the task
worker call these, never the pipelines below them (:mod:`~chitra.payments.compute`,
:mod:`~chitra.payments.export`, :mod:`~chitra.payments.status`). Each takes the acting user
and leaves an audit entry; a cycle's status moves only through
:mod:`chitra.payments.lifecycle`.

================  ==================================  ==========================================
use case          function                            audit action
================  ==================================  ==========================================
open              :func:`open_cycle`                  ``cycle.open``
compute           :func:`compute_cycle`               ``cycle.compute``
approve           :func:`approve_cycle`               ``cycle.approve``
export            :func:`export_cycle`                ``cycle.export_plan``, ``cycle.export``
cash lists        :func:`write_cash_lists`            ``cycle.cash_lists``
ingest            :func:`ingest_status_file(s)`,      ``status.ingest``, ``status.refused``,
                  :func:`store_status_upload` →       ``status.upload``
                  :func:`ingest_status_upload`
close             :func:`close_cycle`                 ``cycle.close``
queue a step      :func:`claim_step`                  ``cycle.<step>_queued``
release           :func:`release_stuck_step`          ``cycle.task_failed``
payment settings  :func:`set_payment_settings`        ``payment_settings.update``
================  ==================================  ==========================================
"""

from chitra.payments.services.cycles import (
    Progress,
    approve_cycle,
    close_cycle,
    compute_cycle,
    computed_counts,
    get_cycle,
    open_cycle,
    parse_period,
)
from chitra.payments.services.files import (
    STATUS_UPLOAD_MAX_BYTES,
    STATUS_UPLOAD_SUFFIXES,
    ExportResult,
    export_cycle,
    export_dir,
    ingest_status_file,
    ingest_status_files,
    ingest_status_upload,
    status_upload,
    store_status_upload,
    write_cash_lists,
)
from chitra.payments.services.payment_settings import set_payment_settings
from chitra.payments.services.steps import (
    COMPUTE,
    EXPORT,
    FAILED,
    QUEUED,
    RUNNING_STEPS,
    STUCK_AFTER,
    claim_step,
    is_running,
    is_stuck,
    last_failure,
    progress_of,
    release_stuck_step,
    step_failed,
    step_finished,
)

__all__ = [
    "COMPUTE", "EXPORT", "FAILED", "QUEUED", "RUNNING_STEPS", "STATUS_UPLOAD_MAX_BYTES",
    "STATUS_UPLOAD_SUFFIXES", "STUCK_AFTER", "ExportResult", "Progress", "approve_cycle",
    "claim_step", "close_cycle", "compute_cycle", "computed_counts", "export_cycle", "export_dir",
    "get_cycle", "ingest_status_file", "ingest_status_files", "ingest_status_upload",
    "is_running", "is_stuck", "last_failure", "open_cycle", "parse_period", "progress_of",
    "release_stuck_step", "set_payment_settings", "status_upload", "step_failed",
    "step_finished", "store_status_upload", "write_cash_lists",
]
