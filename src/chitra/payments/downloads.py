"""Payment files that hold citizen IDs, as they leave the system (issue 11, holes 5 and 7).

- :func:`record` writes the audit entry of one download: who took which file. Every view
  that serves such a file (pain.001 and its signature, the manifest, the cash lists, the
  reconciliation exports) calls it once the file is found, before sending it.
- :func:`reconciliation_csv` writes the reconciliation csv through ``core.tabular`` (a name
  that looks like a formula stays text), with machine keys and raw codes, for scripts; the
  xlsx people read, with titled columns and words, is
  :func:`chitra.payments.services.payment_sheets.reconciliation_xlsx`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

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
