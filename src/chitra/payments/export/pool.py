"""Worker processes that write pain.001 files beside the exporting process.

Writing a file is a pure function of the committed export plan, so any process may write
any file and the bytes are the same. The exporting process writes files itself and hands
others, one at a time, to worker processes (:class:`~chitra.core.workerpool.WorkerPool`)
that open the exporting process's own database. Each worker streams one file at a time, so
memory stays that of one writer per process. Workers only write and hash: the exporting
process signs, so the signing key never leaves it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from chitra.core.workerpool import Database, WorkerPool

if TYPE_CHECKING:
    from chitra.payments.export.run import Written
    from chitra.payments.models import PaymentFile


def write_files(cycle_id: int, files: list[PaymentFile], out: Path,
                here: Callable[[PaymentFile], Written], workers: int) -> Iterator[Written]:
    """Every file of ``files`` written once, by this process (``here``) or one of
    ``workers`` worker processes; results in the order they finish. A worker's failure (a
    :class:`~chitra.payments.errors.PaymentError`…) is raised as it was raised there."""
    by_id = {pf.pk: pf for pf in files}
    jobs = [partial(_write, cycle_id, out)] * min(workers, len(files) - 1)
    with WorkerPool(jobs, database=Database.of_this_process()) as pool:
        yield from pool.map_unordered(list(by_id), lambda pk: here(by_id[pk]))


def _write(cycle_id: int, out_dir: Path, file_ids: Iterator[int]) -> Iterator[Written]:
    """A worker's job: each file id it is sent, written."""
    from chitra.payments.export import run as export
    from chitra.payments.models import PaymentCycle, PaymentFile

    cycle = PaymentCycle.objects.get(pk=cycle_id)
    rule = export._rule(cycle.province_code)
    for file_id in file_ids:
        pf = PaymentFile.objects.select_related("provider").get(pk=file_id)
        yield export.write_file(cycle, pf, rule, out_dir)
