"""The document as one worksheet: the figures to work with, in the same NĐ 30 frame.

The heading block sits in merged cells at the top, the tables below it with their numbers as
numbers (format ``#,##0``: a Vietnamese Excel shows ``1.234.567``), a chart as its picture.
Text goes through :func:`chitra.core.tabular.xlsx_cell`, so a value a spreadsheet would read
as a formula stays text. The recipient lines begin with the form's own dash: they are marked
text with Excel's quote prefix instead of getting an apostrophe. Saved with fixed times
(:func:`chitra.core.tabular.save_workbook`): the same document gives the same bytes.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from chitra.core.tabular import save_workbook, xlsx_cell
from chitra.reporting.documents import chart
from chitra.reporting.documents.model import (
    MOTTO,
    MOTTO_NATION,
    RECIPIENTS_LABEL,
    AdminDocument,
    Section,
    Table,
    cell_text,
    recipient_lines,
)

FONT = "Times New Roman"
NUMBER_FORMAT = "#,##0"
MIN_COLUMNS = 6
_THIN = Side(style="thin", color="000000")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LINE_HEIGHT = 17.0  # points, one line of 13 pt text
_CHART_WIDTH = 420.0  # points
_PX_PER_PT = 96 / 72
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(doc: AdminDocument, out: BinaryIO) -> None:
    """``doc`` as xlsx bytes written to ``out``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has its sheet
    ws.title = _SHEET_NAME_BAD.sub(" ", doc.kind_title)[:31].strip() or "Báo cáo"
    sheet = _Sheet(ws, doc)
    sheet.heading(doc)
    for section in doc.sections:
        sheet.section(section)
    sheet.signature(doc)
    _page_setup(ws)
    save_workbook(wb, out)


def _font(size: float = 13, bold: bool = False, italic: bool = False,
          underline: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic,
                underline="single" if underline else None)


class _Sheet:
    """Writes rows from the top; ``row`` is the next free one."""

    def __init__(self, ws: Worksheet, doc: AdminDocument) -> None:
        self.ws = ws
        tables = [s.table for s in doc.sections if s.table is not None]
        self.columns = max([MIN_COLUMNS, *(len(t.headers) for t in tables)])
        self.split = max(1, round(self.columns * 0.44))  # the left block's share, as on paper
        self.row = 1
        self.widths = _column_widths(tables, self.columns)
        for col, width in enumerate(self.widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width

    def put(self, col: int, value: Any, font: Font, align: str = "center", *,
            last: int | None = None, wrap: bool = True) -> Any:
        """One value at (row, col), merged up to column ``last``."""
        cell = self.ws.cell(row=self.row, column=col, value=xlsx_cell(value))
        cell.font = font
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
        if last is not None and last > col:
            self.ws.merge_cells(start_row=self.row, start_column=col, end_row=self.row,
                                end_column=last)
        return cell

    def wide(self, text: str, font: Font, align: str = "center") -> None:
        """A line across the sheet, as tall as its wrapped text needs."""
        self.put(1, text, font, align, last=self.columns)
        self._fit(text, sum(self.widths), font.sz or 13)
        self.row += 1

    def _fit(self, text: str, width: float, size: float) -> None:
        """Make the row tall enough for ``text`` wrapped in ``width`` (Excel does not size
        merged or wrapped rows itself); a row already taller stays so."""
        # A column width unit holds about one character of 13 pt Times (measured in Calc).
        per_line = max(1.0, width * 13 / size)
        lines = max(1, math.ceil(len(text) / per_line))
        height = lines * _LINE_HEIGHT * size / 13
        current = self.ws.row_dimensions[self.row].height or 0
        if lines > 1 and height > current:
            self.ws.row_dimensions[self.row].height = height

    def heading(self, doc: AdminDocument) -> None:
        left, right = (1, self.split), (self.split + 1, self.columns)
        for lt, lf, rt, rf in (
                (doc.issuer_parent, _font(12), MOTTO_NATION, _font(12, bold=True)),
                (doc.issuer, _font(12, bold=True), MOTTO, _font(13, bold=True, underline=True)),
                (doc.number, _font(), doc.date_line, _font(italic=True))):
            self.put(left[0], lt, lf, last=left[1])
            self.put(right[0], rt, rf, last=right[1])
            self.row += 1
        self.row += 1
        self.wide(doc.kind_title, _font(14, bold=True))
        self.wide(doc.title, _font(14, bold=True))
        if doc.addressee:
            self.wide(doc.addressee, _font())
        self.row += 1

    def section(self, section: Section) -> None:
        if section.heading:
            self.wide(section.heading, _font(bold=True), "left")
        for text in section.paragraphs:
            self.wide(text, _font(), "justify")
        if section.table is not None:
            self.table(section.table)
            self.row += 1
        if section.chart_svg:
            self.picture(section.chart_svg)
            if section.chart_caption:
                self.wide(section.chart_caption, _font(12, italic=True))
            self.row += 1

    def table(self, table: Table) -> None:
        for col, header in enumerate(table.headers, start=1):
            self.put(col, header, _font(12, bold=True)).border = _GRID
            self._fit(header, self.widths[col - 1], 12)
        self.row += 1
        for values in table.rows:
            for col, (value, numeric) in enumerate(zip(values, table.numeric, strict=True),
                                                    start=1):
                cell = self.put(col, value, _font(12), "right" if numeric else "left",
                                wrap=False)
                cell.border = _GRID
                if isinstance(value, int):
                    cell.number_format = NUMBER_FORMAT
            self.row += 1

    def picture(self, svg: str) -> None:
        drawing = chart.drawing(svg, _CHART_WIDTH, _CHART_WIDTH)
        image = Image(io.BytesIO(chart.png(drawing, dpi=150)))
        image.width = round(drawing.width * _PX_PER_PT)
        image.height = round(drawing.height * _PX_PER_PT)
        self.ws.add_image(image, f"A{self.row}")
        self.row += math.ceil(image.height / 20) + 1  # rows of the default 20 px

    def signature(self, doc: AdminDocument) -> None:
        self.row += 1
        left: list[tuple[str, Font]] = [(RECIPIENTS_LABEL, _font(12, bold=True, italic=True))]
        left += [(line, _font(11)) for line in recipient_lines(doc)]
        right = [(doc.signer_on_behalf.upper(), _font(bold=True))] if doc.signer_on_behalf \
            else []
        right += [(doc.signer_title.upper(), _font(bold=True)), *[("", _font())] * 4,
                  (doc.signer_name, _font(bold=True))]
        for i in range(max(len(left), len(right))):
            if i < len(left):
                text, font = left[i]
                if i == 0:
                    self.put(1, text, font, "left", last=self.split, wrap=False)
                else:
                    self._recipient(text, font)
            if i < len(right) and right[i][0]:
                self.put(self.split + 1, right[i][0], right[i][1], last=self.columns)
            self.row += 1

    def _recipient(self, line: str, font: Font) -> None:
        """``- Như trên;``: the dash is the form's; the quote prefix keeps the line text."""
        text = f"- {xlsx_cell(line.removeprefix('- '))}"
        cell = self.ws.cell(row=self.row, column=1, value=text)
        cell.font = font
        cell.quotePrefix = True
        cell.alignment = Alignment(horizontal="left", vertical="center")
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row,
                            end_column=self.split)


def _column_widths(tables: list[Table], columns: int) -> list[float]:
    """Each column as wide as its longest cell in any table (a header's longest word), in
    Excel's units of about one character."""
    chars = [8] * columns
    for table in tables:
        for col, header in enumerate(table.headers):
            chars[col] = max([chars[col], *(len(w) for w in header.split())])
        for row in table.rows:
            for col, value in enumerate(row):
                chars[col] = max(chars[col], len(cell_text(value)))
    return [min(45.0, n * 1.2 + 3) for n in chars]


def _page_setup(ws: Worksheet) -> None:
    """A4 portrait, the decree's margins, one page wide, "Trang x/y" in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    mm = 1 / 25.4
    ws.page_margins.left, ws.page_margins.right = 30 * mm, 15 * mm
    ws.page_margins.top = ws.page_margins.bottom = 20 * mm
    footer = HeaderFooterItem()
    footer.center.text = "Trang &P/&N"
    footer.center.font = f"{FONT},Regular"
    footer.center.size = 11
    ws.oddFooter = footer
    ws.sheet_view.showGridLines = False
