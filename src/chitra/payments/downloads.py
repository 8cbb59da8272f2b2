"""Payment files that hold citizen IDs, as they leave the system (issue 11, holes 5 and 7).

- :func:`record` writes the audit entry of one download: who took which file. Every view
  that serves such a file (pain.001 and its signature, the manifest, the cash lists, the
  reconciliation exports) calls it once the file is found, before sending it.
- :func:`reconciliation_csv` and :func:`reconciliation_xlsx` write the reconciliation
  exports through ``core.tabular``: a name that looks like a formula stays text, and the
  xlsx carries fixed timestamps.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from chitra.access.models import User
from chitra.core import audit, tabular
from chitra.payments import queries
from chitra.payments.models import PaymentCycle

PAIN001 = "pain001"
SIGNATURE = "signature"
MANIFEST = "manifest"
CASH_LIST = "cash_list"
RECONCILIATION = "reconciliation"
RECONCILIATION_PARTS = ("summary", "items")


def record(user: User, kind: str, object_id: object, file_name: str, **extra: Any) -> None:
    """The audit entry of ``user`` downloading ``file_name`` (a ``kind`` of file about the
    object ``object_id``: the payment file for pain.001 and signatures, else the cycle)."""
    audit.record_download(user.username, kind, object_id, file_name, **extra)


def stem(cycle: PaymentCycle) -> str:
    return f"doi-soat-{cycle.province_code}-{cycle.period:%Y-%m}"


def _with_header(header: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
                 ) -> Iterator[tuple[Any, ...]]:
    yield header
    yield from rows


def reconciliation_csv(cycle: PaymentCycle, part: str) -> tuple[str, Iterator[str]]:
    """The file name and the streamed lines of one reconciliation csv: ``summary`` (provider
    × status × reason) or ``items`` (every item). :class:`ValueError` for another part."""
    if part == "summary":
        rows: Iterable[Iterable[Any]] = [queries.SUMMARY_HEADER, *queries.summary_rows(cycle)]
        name = f"{stem(cycle)}.csv"
    elif part == "items":
        rows = _with_header(queries.ITEM_HEADER, queries.item_rows(cycle))
        name = f"{stem(cycle)}-chi-tiet.csv"
    else:
        raise ValueError(f"unknown reconciliation part: {part!r}")
    return name, tabular.csv_text(rows)


def reconciliation_xlsx(cycle: PaymentCycle) -> tuple[str, IO[bytes]]:
    """The file name and a temporary file (at its start; the caller closes it) holding both
    parts as two sheets, rows streamed."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    summary = wb.create_sheet("Tong hop")
    for row in _with_header(queries.SUMMARY_HEADER, queries.summary_rows(cycle)):
        summary.append(tabular.xlsx_row(row))
    items = wb.create_sheet("Chi tiet")
    for row in _with_header(queries.ITEM_HEADER, queries.item_rows(cycle)):
        items.append(tabular.xlsx_row(row))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller
    try:
        tabular.save_workbook(wb, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return f"{stem(cycle)}.xlsx", out
