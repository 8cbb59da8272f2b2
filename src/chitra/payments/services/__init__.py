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
office account    :func:`set_office_account`,         ``payment_settings.office_account``
                  :func:`remove_office_account`
provider files    :func:`set_provider_settings`       ``payment_settings.provider``
exceptions        :func:`propose_resolution`,         ``status_exception.propose``,
                  :func:`approve_resolution`,         ``status_exception.approve``,
                  :func:`reject_proposal`             ``status_exception.reject``
payment day       :func:`payment_day.sync`            ``status.ingest`` (marks as a cash results
                  (:mod:`.payment_day`)               file), ``payment_day.close``
================  ==================================  ==========================================
"""

from chitra.payments.services.cashtemplates import (
    TemplateChoice,
    cash_results_template,
    template_choices,
)
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
from chitra.payments.services.exceptions import (
    allowed_for,
    approve_resolution,
    exception_periods,
    exception_queue,
    exception_trail,
    exceptions_visible_to,
    get_exception_for,
    is_stale,
    item_events,
    may_approve,
    open_exception_count,
    propose_resolution,
    reject_proposal,
    state_counts,
    works_exceptions,
)
from chitra.payments.services.files import (
    STATUS_UPLOAD_MAX_BYTES,
    STATUS_UPLOAD_SUFFIXES,
    ExportResult,
    export_cycle,
    export_dir,
    export_warnings,
    ingest_status_file,
    ingest_status_files,
    ingest_status_upload,
    status_upload,
    store_status_upload,
    write_cash_lists,
)
from chitra.payments.services.payment_settings import (
    remove_office_account,
    set_office_account,
    set_payment_settings,
    set_provider_settings,
)
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
    "COMPUTE",
    "EXPORT",
    "FAILED",
    "QUEUED",
    "RUNNING_STEPS",
    "STATUS_UPLOAD_MAX_BYTES",
    "STATUS_UPLOAD_SUFFIXES",
    "STUCK_AFTER",
    "ExportResult",
    "Progress",
    "TemplateChoice",
    "allowed_for",
    "approve_cycle",
    "approve_resolution",
    "cash_results_template",
    "claim_step",
    "close_cycle",
    "compute_cycle",
    "computed_counts",
    "exception_periods",
    "exception_queue",
    "exception_trail",
    "exceptions_visible_to",
    "export_cycle",
    "export_dir",
    "export_warnings",
    "get_cycle",
    "get_exception_for",
    "ingest_status_file",
    "ingest_status_files",
    "ingest_status_upload",
    "is_running",
    "is_stale",
    "is_stuck",
    "item_events",
    "last_failure",
    "may_approve",
    "open_cycle",
    "open_exception_count",
    "parse_period",
    "progress_of",
    "propose_resolution",
    "reject_proposal",
    "release_stuck_step",
    "remove_office_account",
    "set_office_account",
    "set_payment_settings",
    "set_provider_settings",
    "state_counts",
    "status_upload",
    "step_failed",
    "step_finished",
    "store_status_upload",
    "template_choices",
    "works_exceptions",
    "write_cash_lists",
]
