"""The one door for csv and xlsx exports: cells that cannot become formulas, bytes that do
not depend on the clock.

Every csv or xlsx the system writes goes through :func:`safe_cell` (OWASP CSV injection
rule: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is prefixed with an
apostrophe, so a spreadsheet shows it as text instead of running it). Numbers and dates stay
typed. :func:`csv_text` streams csv lines. For xlsx, :func:`xlsx_cell` / :func:`xlsx_row`
give the values to append and :func:`styled_cell` a formatted write-only cell, both also
dropping the control characters XML cannot carry (openpyxl would refuse the whole file for
one); :func:`save_workbook` saves an openpyxl workbook with fixed timestamps, so exporting
the same rows twice gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

# Full-width forms too: some spreadsheet locales read them as the ASCII operators.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can carry
_CORE_PROPS = "docProps/core.xml"
_ZIP32 = (1 << 31) - 1
_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
# What XML 1.0 cannot carry (openpyxl's ILLEGAL_CHARACTERS_RE): tab, LF and CR stay.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a csv or xlsx cell: text that a spreadsheet would read
    as a formula gets a leading apostrophe; everything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def xlsx_cell(value: Any) -> Any:
    """``value`` as it may go into an xlsx cell: :func:`safe_cell`, after dropping the control
    characters an xlsx cannot hold (one such character in an old record would otherwise stop
    the whole export)."""
    if isinstance(value, str):
        value = _XML_ILLEGAL.sub("", value)
    return safe_cell(value)


def xlsx_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``worksheet.append``: every value through :func:`xlsx_cell`; a cell object
    already made (e.g. by :func:`styled_cell`) keeps its styles and has its value checked
    again."""
    out = []
    for v in values:
        if hasattr(v, "data_type"):  # an openpyxl cell
            v.value = xlsx_cell(v.value)
            out.append(v)
        else:
            out.append(xlsx_cell(v))
    return out


def styled_cell(ws: Any, value: Any, *, font: Any = None, alignment: Any = None,
                border: Any = None, fill: Any = None, number_format: str | None = None) -> Any:
    """A write-only cell holding :func:`xlsx_cell` of ``value``, with the styles given."""
    from openpyxl.cell import WriteOnlyCell

    c = WriteOnlyCell(ws, value=xlsx_cell(value))
    if font is not None:
        c.font = font
    if alignment is not None:
        c.alignment = alignment
    if border is not None:
        c.border = border
    if fill is not None:
        c.fill = fill
    if number_format is not None:
        c.number_format = number_format
    return c


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_text(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> Iterator[str]:
    """csv lines (``\\r\\n``), cells made safe; first a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    for row in rows:
        yield writer.writerow(safe_row(row))


def write_csv(out: IO[str], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> None:
    for line in csv_text(rows, bom=bom):
        out.write(line)


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    buf = io.StringIO()
    write_csv(buf, rows, bom=bom)
    return buf.getvalue().encode("utf-8")


def workbook_file(wb: Any) -> IO[bytes]:
    """The workbook saved (:func:`save_workbook`) into a temporary file, at its start; the
    caller closes it (a ``FileResponse`` does). Closed here if the save fails."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller
    try:
        save_workbook(wb, out)
    except BaseException:  # any failure, re-raised: only the file is closed here
        out.close()
        raise
    out.seek(0)
    return out


def save_workbook(wb: Any, target: Path | IO[bytes], when: datetime | None = None) -> None:
    """Save an openpyxl workbook so that the same content gives the same bytes.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; here the
    archive is rewritten member by member (streaming) with ``when`` (or a fixed date) in
    both places."""
    stamp = (when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else "2000-01-01T00:00:00Z").encode()
    with tempfile.TemporaryFile() as raw:
        wb.save(raw)
        raw.seek(0)
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(
                target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
            for info in src.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                if info.filename == _CORE_PROPS:
                    data = _W3CDTF.sub(rb"\g<1>" + stamp + rb"\g<2>", src.read(info))
                    dst.writestr(fixed, data)
                    continue
                big = info.file_size > _ZIP32
                with src.open(info) as r, dst.open(fixed, "w", force_zip64=big) as w:
                    shutil.copyfileobj(r, w, 1 << 20)
