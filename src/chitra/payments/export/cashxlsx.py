"""The cash list as xlsx, written as sheet XML straight into the zip (DESIGN §6).

openpyxl builds an object per cell, which made the lists the slowest step of an export;
here a row is one formatted string. What goes in is still guarded as in ``core.tabular``:
every text passes :func:`~chitra.core.tabular.xlsx_cell` (a value that a spreadsheet would
read as a formula stays text, control characters XML cannot hold are dropped) and is then
XML-escaped. Strings are inline (no shared-string table to hold in memory), the styles are
a fixed table, and every zip entry carries a fixed date: the same lines give the same bytes.

Two shapes (:class:`Shape`): the *list* (title rows, the column headings on row
:data:`HEADING_ROW`, lines, a total, signatures — printed, signed, and filled in by the post
office to send back as is) and the *template* (the headings on row 1, then one row per
person, nothing else). Both carry the result columns that
:mod:`chitra.payments.status.cashresults` reads.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from chitra.core import atomicfile, tabular
from chitra.core.text import nfc
from chitra.payments.export.cashlists import (
    COLUMNS,
    REASON_CHOICES,
    RESULT_CHOICES,
    SIGNATURES,
    TOTAL_LABEL,
    CashLine,
    CashListHeader,
    CashTotals,
    checked,
)

SHEET = "Danh sách"
HEADING_ROW = 7
WIDTHS = (6, 23, 28, 15, 20, 20, 15, 22, 13, 16, 12, 18)
_LETTERS = "ABCDEFGHIJKL"
_LAST = _LETTERS[len(COLUMNS) - 1]
_ZIP_TIME = tabular.FIXED_TIME
_CORE_TIME = "2000-01-01T00:00:00Z"  # the date reportlab's invariant PDFs carry

# Style ids: the order of <xf> in _STYLES. Built-in number formats: 3 "#,##0", 49 "@".
(S_PLAIN, S_BOLD, S_CENTER, S_TITLE, S_HEAD, S_SEQ, S_TEXT, S_CODE, S_AMOUNT, S_TOTAL,
 S_TOTAL_AMOUNT, S_INPUT) = range(12)
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<fonts count="3"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="3"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="00DDDDDD"/><bgColor rgb="00DDDDDD"/>\
</patternFill></fill></fills>\
<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>\
<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/>\
<diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="12">\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">\
<alignment horizontal="center"/></xf>\
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">\
<alignment horizontal="center"/></xf>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" \
applyBorder="1" applyAlignment="1">\
<alignment horizontal="center" vertical="center" wrapText="1"/></xf>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" \
applyAlignment="1"><alignment horizontal="center" vertical="center"/></xf>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" \
applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" \
applyBorder="1" applyAlignment="1"><alignment vertical="center"/></xf>\
<xf numFmtId="3" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" \
applyBorder="1" applyAlignment="1"><alignment vertical="center"/></xf>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1"/>\
<xf numFmtId="3" fontId="1" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" \
applyFont="1" applyBorder="1"/>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" \
applyBorder="1" applyAlignment="1" applyProtection="1"><alignment vertical="center" \
wrapText="1"/><protection locked="0"/></xf>\
</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
<Override PartName="/docProps/core.xml" \
ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" \
ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
</Types>"""

_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/officeDocument" Target="xl/workbook.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/\
metadata/core-properties" Target="docProps/core.xml"/>\
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/extended-properties" Target="docProps/app.xml"/>\
</Relationships>"""

_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/worksheet" Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/\
relationships/styles" Target="styles.xml"/>\
</Relationships>"""

_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
<Application>chitra</Application></Properties>"""


class Shape(Enum):
    LIST = "list"          # titles, headings on HEADING_ROW, lines, total, signatures
    TEMPLATE = "template"  # headings on row 1, lines


def _text(value: object) -> str:
    """Escaped XML text of a cell value (guarded like every export cell)."""
    return escape(tabular.xlsx_cell(nfc(str(value))))


# A group's lines share their ward and benefit labels: each is guarded and escaped once.
_label_text = lru_cache(maxsize=1024)(_text)


def _str(ref: str, value: str | None, style: int, text_of: Callable[[object], str] = _text
         ) -> str:
    text = text_of(value) if value else ""
    if not text:
        return f'<c r="{ref}" s="{style}"/>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{text}</t></is></c>'


def _row(r: int, cells: Iterable[str]) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def _core(header: CashListHeader) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{_text(header.title)}</dc:title><dc:creator>chitra</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{_CORE_TIME}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_CORE_TIME}</dcterms:modified>'
            "</cp:coreProperties>")


def _workbook(shape: Shape) -> str:
    titles = HEADING_ROW if shape == Shape.LIST else 1
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{SHEET}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
            f"'{SHEET}'!${titles}:${titles}</definedName></definedNames></workbook>")


def _sheet_head(heading_row: int) -> str:
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(WIDTHS, 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{heading_row}" '
            f'topLeftCell="A{heading_row + 1}" activePane="bottomLeft" state="frozen"/>'
            "</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>')


def _sheet_tail(shape: Shape, first: int, last: int) -> str:
    merges = ("" if shape == Shape.TEMPLATE else
              '<mergeCells count="3">' + "".join(f'<mergeCell ref="A{r}:{_LAST}{r}"/>'
                                                 for r in (4, 5, 6)) + "</mergeCells>")
    checks = ""
    if last >= first:  # drop-down lists on the result columns (a warning, not a lock)
        checks = ('<dataValidations count="2">' + "".join(
            f'<dataValidation type="list" errorStyle="warning" allowBlank="1" '
            f'showErrorMessage="1" sqref="{col}{first}:{col}{last}"><formula1>'
            f'{escape(chr(34) + ",".join(choices) + chr(34))}</formula1></dataValidation>'
            for col, choices in (("I", RESULT_CHOICES), ("J", REASON_CHOICES)))
            + "</dataValidations>")
    return ("</sheetData>" + merges + checks +
            '<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" '
            'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
            'fitToHeight="0"/></worksheet>')


def _title_rows(header: CashListHeader) -> Iterator[str]:
    yield _row(1, [_str("A1", header.agency, S_BOLD),
                   _str("F1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", S_BOLD)])
    yield _row(2, [_str("F2", "Độc lập - Tự do - Hạnh phúc", S_BOLD)])
    yield _row(4, [_str("A4", header.title, S_TITLE)])
    yield _row(5, [_str("A5", header.period, S_CENTER)])
    yield _row(6, [_str("A6", header.place, S_CENTER)])


def _code(ref: str, end_to_end_id: str) -> str:
    """The transaction code: chitra's own id (letters and digits), written as it is; any
    other value goes through the guard like every cell."""
    if end_to_end_id.isascii() and end_to_end_id.isalnum():
        return f'<c r="{ref}" s="{S_CODE}" t="inlineStr"><is><t>{end_to_end_id}</t></is></c>'
    return _str(ref, end_to_end_id, S_CODE)


def _line_row(r: int, line: CashLine) -> str:
    return (f'<row r="{r}"><c r="A{r}" s="{S_SEQ}"><v>{line.sequence}</v></c>'
            + _code(f"B{r}", line.end_to_end_id)
            + _str(f"C{r}", line.full_name, S_TEXT)
            + _str(f"D{r}", line.citizen_id, S_CODE)
            + _str(f"E{r}", line.ward_name, S_TEXT, _label_text)
            + _str(f"F{r}", line.benefit_label, S_TEXT, _label_text)
            + f'<c r="G{r}" s="{S_AMOUNT}"><v>{line.amount}</v></c>'
            + _str(f"H{r}", line.proxy_name, S_TEXT)
            + f'<c r="I{r}" s="{S_INPUT}"/><c r="J{r}" s="{S_INPUT}"/>'
            f'<c r="K{r}" s="{S_INPUT}"/><c r="L{r}" s="{S_TEXT}"/></row>')


def _write_sheet(fh: IO[bytes], shape: Shape, header: CashListHeader,
                 lines: Iterable[CashLine]) -> CashTotals:
    heading = HEADING_ROW if shape == Shape.LIST else 1
    parts: list[str] = [_sheet_head(heading)]
    if shape == Shape.LIST:
        parts.extend(_title_rows(header))
    parts.append(_row(heading, [_str(f"{c}{heading}", t, S_HEAD)
                                for c, t in zip(_LETTERS, COLUMNS, strict=True)]))
    r = heading
    count = amount = 0
    for line in checked(lines):
        r += 1
        count += 1
        amount += line.amount
        parts.append(_line_row(r, line))
        if len(parts) >= 2000:  # a few hundred KB at a time
            fh.write("".join(parts).encode())
            parts.clear()
    first, last = heading + 1, r
    if shape == Shape.LIST:
        r += 1
        parts.append(_row(r, [
            _str(f"A{r}", None, S_TOTAL), _str(f"B{r}", None, S_TOTAL),
            _str(f"C{r}", TOTAL_LABEL, S_TOTAL), _str(f"D{r}", f"{count} người", S_TOTAL),
            _str(f"E{r}", None, S_TOTAL), _str(f"F{r}", None, S_TOTAL),
            f'<c r="G{r}" s="{S_TOTAL_AMOUNT}"><v>{amount}</v></c>',
            *(_str(f"{c}{r}", None, S_TOTAL) for c in "HIJKL")]))
        r += 2
        # Under columns the results upload does not read (name, benefit, proxy).
        parts.append(_row(r, [_str(f"H{r}", "........, ngày ..... tháng ..... năm ........",
                                   S_PLAIN)]))
        for text_of, style in ((lambda s: s[0].upper(), S_BOLD), (lambda s: s[1], S_PLAIN)):
            r += 1
            parts.append(_row(r, [_str(f"{c}{r}", text_of(s), style)
                                  for c, s in zip("CFH", SIGNATURES, strict=True)]))
    parts.append(_sheet_tail(shape, first, last))
    fh.write("".join(parts).encode())
    return CashTotals(count, amount)


def write_xlsx(out: Path, header: CashListHeader, lines: Iterable[CashLine],
               shape: Shape = Shape.LIST) -> CashTotals:
    """Write the workbook (temporary file, renamed into place); the totals of the lines."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomicfile.replacing(out) as tmp, zipfile.ZipFile(
            tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:

        def entry(name: str) -> zipfile.ZipInfo:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            return info

        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("docProps/app.xml", _APP), ("docProps/core.xml", _core(header)),
                           ("xl/workbook.xml", _workbook(shape)),
                           ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/styles.xml", _STYLES)):
            zf.writestr(entry(name), text.encode())
        with zf.open(entry("xl/worksheets/sheet1.xml"), "w") as fh:
            totals = _write_sheet(fh, shape, header, lines)
    return totals


__all__ = ["HEADING_ROW", "SHEET", "Shape", "write_xlsx"]
