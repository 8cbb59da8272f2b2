"""The document as an A4 portrait PDF in the NĐ 30 form, for reading and printing.

reportlab platypus (a report is a few pages). Every font is embedded TrueType
(:mod:`~chitra.reporting.documents.fonts`); DejaVu Serif is some 12 % wider than Times New
Roman, so each size here is a point below the Word one and lines break about where Word's
do. "Trang x/y" in the footer: pages are kept until the end, when the total is known. The
same document gives the same bytes (reportlab's ``invariant`` mode).
"""

from __future__ import annotations

from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from chitra.reporting.documents import chart
from chitra.reporting.documents.columns import column_widths
from chitra.reporting.documents.fonts import Family, body_family
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

# NĐ 30 margins: top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
MARGINS = {"topMargin": 20 * mm, "bottomMargin": 20 * mm, "leftMargin": 30 * mm,
           "rightMargin": 15 * mm}
FRAME_WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]
FRAME_HEIGHT = A4[1] - MARGINS["topMargin"] - MARGINS["bottomMargin"]
LEFT_COLUMN = 68 * mm  # the issuer and the recipients; the motto and the signer get the rest
BODY = 12
TABLE = 10
_PAD = 3  # table cell padding, points


def write_pdf(doc: AdminDocument, out: BinaryIO) -> None:
    """``doc`` as PDF bytes written to ``out``."""
    family = body_family()
    styles = _Styles(family)
    story: list[Flowable] = [_heading(doc, styles), *_titles(doc, styles)]
    for section in doc.sections:
        story.extend(_section(section, styles))
    story.append(_signature(doc, styles))
    template = SimpleDocTemplate(
        out, pagesize=A4, title=f"{doc.kind_title} {doc.title}", author=doc.issuer,
        subject=doc.title, creator="chitra", lang="vi-VN", invariant=1,
        initialFontName=family.regular, initialFontSize=BODY, **MARGINS)
    template.build(story, canvasmaker=_numbered_canvas(family.regular))


class _Styles:
    def __init__(self, family: Family) -> None:
        self.family = family

        def style(name: str, size: float, font: str = family.regular, **kw: Any) -> Any:
            kw.setdefault("leading", size * 1.25)
            kw.setdefault("alignment", TA_CENTER)
            return ParagraphStyle(name, fontName=font, fontSize=size, **kw)

        self.parent = style("parent", BODY - 1)
        self.issuer = style("issuer", BODY - 1, family.bold)
        self.number = style("number", BODY, spaceBefore=2)
        self.motto = style("motto", BODY, family.bold)
        self.date = style("date", BODY, family.italic, spaceBefore=2)
        self.kind = style("kind", BODY + 1, family.bold, spaceBefore=14)
        self.title = style("title", BODY + 1, family.bold)
        self.addressee = style("addressee", BODY, spaceBefore=8)
        self.heading = style("heading", BODY, family.bold, alignment=TA_JUSTIFY,
                             spaceBefore=8, spaceAfter=4, keepWithNext=1)
        self.body = style("body", BODY, alignment=TA_JUSTIFY, firstLineIndent=12.7 * mm,
                          spaceAfter=6, leading=BODY * 1.35)
        self.caption = style("caption", BODY - 1, family.italic, spaceBefore=2, spaceAfter=6)
        self.cell = style("cell", TABLE, alignment=TA_LEFT)
        self.cell_number = style("cell_number", TABLE, alignment=TA_RIGHT)
        self.cell_header = style("cell_header", TABLE, family.bold)
        self.recipients_label = style("recipients_label", BODY - 1, family.bold_italic,
                                      alignment=TA_LEFT)
        self.recipient = style("recipient", BODY - 2, alignment=TA_LEFT)
        self.signer = style("signer", BODY, family.bold)


def _p(text: str, style: Any) -> Paragraph:
    return Paragraph(escape(text), style)


def _rule(width: float) -> HRFlowable:
    return HRFlowable(width=width, thickness=0.6, color=colors.black, spaceBefore=3,
                      spaceAfter=3, hAlign="CENTER")


def _fitted(text: str, style: Any, width: float, floor: float = 9) -> Paragraph:
    """One line, made smaller if it would not fit ``width`` (the heading block's lines); not
    below ``floor`` points: a longer name wraps."""
    natural = stringWidth(text, style.fontName, style.fontSize)
    if natural <= width:
        return _p(text, style)
    size = max(floor, style.fontSize * width / natural)
    return _p(text, ParagraphStyle(f"{style.name}-fit", parent=style, fontSize=size,
                                   leading=size * 1.25))


def _heading(doc: AdminDocument, s: _Styles) -> RLTable:
    """Issuer and number on the left, the national motto and the date on the right; the
    number and the date on one line."""
    right = FRAME_WIDTH - LEFT_COLUMN
    issuer_width = min(stringWidth(doc.issuer, s.issuer.fontName, s.issuer.fontSize),
                       LEFT_COLUMN - 2 * _PAD)
    left_top = [_fitted(doc.issuer_parent, s.parent, LEFT_COLUMN - 2 * _PAD),
                _fitted(doc.issuer, s.issuer, LEFT_COLUMN - 2 * _PAD),
                _rule(issuer_width * 0.4)]
    right_top = [_fitted(MOTTO_NATION, s.motto, right - 2 * _PAD),
                 _p(MOTTO, s.motto), _rule(stringWidth(MOTTO, s.motto.fontName,
                                                       s.motto.fontSize))]
    table = RLTable([[left_top, right_top],
                     [_p(doc.number, s.number), _p(doc.date_line, s.date)]],
                    colWidths=[LEFT_COLUMN, right])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, 0), "TOP"),
                               ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                               ("VALIGN", (0, 1), (-1, 1), "BOTTOM"),
                               *_cells(s)]))
    return table


def _cells(s: _Styles, padding: float = _PAD) -> list[tuple[Any, ...]]:
    """Padding, and the table's own font: reportlab sets it for every cell, even one that
    holds paragraphs, and its default Helvetica would be a font the PDF does not embed."""
    return [("FONT", (0, 0), (-1, -1), s.family.regular, BODY),
            *((side, (0, 0), (-1, -1), padding) for side in
              ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING"))]


def _titles(doc: AdminDocument, s: _Styles) -> list[Flowable]:
    title_width = min(stringWidth(doc.title, s.title.fontName, s.title.fontSize), FRAME_WIDTH)
    out: list[Flowable] = [_p(doc.kind_title, s.kind), _p(doc.title, s.title),
                           _rule(title_width * 0.4)]
    if doc.addressee:
        out.append(_p(doc.addressee, s.addressee))
    out.append(Spacer(1, 6))
    return out


def _section(section: Section, s: _Styles) -> list[Flowable]:
    out: list[Flowable] = []
    if section.heading:
        out.append(_p(section.heading, s.heading))
    out.extend(_p(text, s.body) for text in section.paragraphs)
    if section.table is not None:
        out.extend([_table(section.table, s), Spacer(1, 6)])
    if section.chart_svg:
        picture = chart.drawing(section.chart_svg, FRAME_WIDTH, FRAME_HEIGHT * 0.6)
        picture.hAlign = "CENTER"
        block: list[Flowable] = [picture]
        if section.chart_caption:
            block.append(_p(section.chart_caption, s.caption))
        out.append(KeepTogether(block))
    return out


def _table(table: Table, s: _Styles) -> RLTable:
    rows: list[list[Paragraph]] = [[_p(h, s.cell_header) for h in table.headers]]
    for row in table.rows:
        rows.append([_p(cell_text(v), s.cell_number if num else s.cell)
                     for v, num in zip(row, table.numeric, strict=True)])
    out = RLTable(rows, colWidths=_column_widths(table, s), repeatRows=1)
    out.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *_cells(s)]))
    return out


def _column_widths(table: Table, s: _Styles) -> list[float]:
    def measure(text: str, bold: bool) -> float:
        font = s.family.bold if bold else s.family.regular
        return stringWidth(text, font, TABLE) + 2 * _PAD + 1

    return column_widths(table, FRAME_WIDTH, measure)


def _signature(doc: AdminDocument, s: _Styles) -> Flowable:
    left: list[Flowable] = [_p(RECIPIENTS_LABEL, s.recipients_label)]
    left.extend(_p(line, s.recipient) for line in recipient_lines(doc))
    right: list[Flowable] = []
    if doc.signer_on_behalf:
        right.append(_p(doc.signer_on_behalf.upper(), s.signer))
    right.extend([_p(doc.signer_title.upper(), s.signer), Spacer(1, 24 * mm)])
    if doc.signer_name:
        right.append(_p(doc.signer_name, s.signer))
    table = RLTable([[left, right]], colWidths=[LEFT_COLUMN, FRAME_WIDTH - LEFT_COLUMN])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("ALIGN", (1, 0), (1, 0), "CENTER"), *_cells(s)]))
    return KeepTogether([Spacer(1, 10), table])


def _numbered_canvas(font: str) -> type[Canvas]:
    """A canvas that holds its pages until saved, then writes "Trang x/y" on each."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self.setFont(font, BODY - 2)
                self.drawCentredString(MARGINS["leftMargin"] + FRAME_WIDTH / 2, 10 * mm,
                                       f"Trang {self._pageNumber}/{total}")
                super().showPage()
            super().save()

    return NumberedCanvas
