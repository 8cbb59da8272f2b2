"""The document as Word (docx) in the NĐ 30 form: the copy an office edits, prints and signs.

Times New Roman 13 pt on A4 with the decree's margins. The heading and the signature blocks
are borderless two-column tables, as offices lay them out by hand; the short rules under the
issuer, the motto and the title are empty paragraphs with a top border, indented to the
rule's length (their length is measured with Times metrics, which Times New Roman shares).
The footer's "Trang x/y" is Word's PAGE and NUMPAGES fields. A chart is a PNG drawn from the
same drawing as the PDF's (:func:`chitra.reporting.documents.chart.png`). The same document
gives the same bytes: fixed document dates and zip times.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any, BinaryIO

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Mm, Pt
from reportlab.pdfbase.pdfmetrics import stringWidth

from chitra.core.text import to_ascii
from chitra.reporting.documents import chart
from chitra.reporting.documents.columns import column_widths
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
SIZE = 13
TABLE_SIZE = 12
LANGUAGE = "vi-VN"
PAGE = (Mm(210), Mm(297))
MARGINS = {"top_margin": Mm(20), "bottom_margin": Mm(20), "left_margin": Mm(30),
           "right_margin": Mm(15)}
TEXT_WIDTH = Mm(165)
LEFT_COLUMN = Mm(70)  # issuer and recipients; the motto and the signer get the rest
CELL_MARGIN = Mm(1.9)  # Word's default left and right cell margin
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

Align = WD_ALIGN_PARAGRAPH


def write_docx(doc: AdminDocument, out: BinaryIO) -> None:
    """``doc`` as docx bytes written to ``out``."""
    word = Document()
    _setup(word, doc)
    _heading(word, doc)
    _titles(word, doc)
    for section in doc.sections:
        _section(word, section)
    _signature(word, doc)
    buf = io.BytesIO()
    word.save(buf)
    _fixed_times(buf.getvalue(), out)


def _setup(word: Any, doc: AdminDocument) -> None:
    section = word.sections[0]
    section.page_width, section.page_height = PAGE
    for name, value in MARGINS.items():
        setattr(section, name, value)
    normal = word.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(SIZE)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANGUAGE)
    rpr.append(lang)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _footer(section)
    props = word.core_properties
    props.title = f"{doc.kind_title} {doc.title}"
    props.subject = doc.title
    props.author = doc.issuer
    props.last_modified_by = doc.issuer
    props.comments = ""
    props.language = LANGUAGE
    props.revision = 1
    props.created = props.modified = datetime.combine(doc.issued_on, time(), tzinfo=UTC)


def _footer(section: Any) -> None:
    """"Trang x/y" centred in the footer: Word counts the pages as it lays them out."""
    p = section.footer.paragraphs[0]
    p.alignment = Align.CENTER
    for part in ("Trang ", "PAGE", "/", "NUMPAGES"):
        if part.isupper():
            _field(p, part)
        else:
            p.add_run(part).font.size = Pt(TABLE_SIZE)


def _field(paragraph: Any, instruction: str) -> None:
    """A field (begin, instruction, separate, a placeholder result, end): Word fills it in."""
    def run_with(tag: str, **attrs: str) -> Any:
        run = paragraph.add_run()
        run.font.size = Pt(TABLE_SIZE)
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        run._r.append(el)
        return el

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    instr = run_with("w:instrText", **{"xml:space": "preserve"})
    instr.text = f" {instruction} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run("1").font.size = Pt(TABLE_SIZE)
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def _para(container: Any, text: str = "", *, size: float = SIZE, bold: bool = False,
          italic: bool = False, align: Any = Align.CENTER, first: bool = False) -> Any:
    """A paragraph of one run; ``first`` reuses the empty paragraph a new cell starts with."""
    p = container.paragraphs[0] if first else container.add_paragraph()
    p.alignment = align
    if text:
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        run.italic = italic
    return p


def _width_pt(text: str, size: float, bold: bool) -> float:
    """Printed width in points (Times metrics; accents take no width)."""
    return float(stringWidth(to_ascii(text), "Times-Bold" if bold else "Times-Roman", size))


def _fit(text: str, size: float, width: Length, bold: bool = True) -> float:
    """The size (half points, at least 9) at which ``text`` fits on one line of ``width``,
    with 3 % to spare for fonts a little wider than Times."""
    natural = _width_pt(text, size, bold)
    room = width.pt * 0.97
    if natural <= room:
        return size
    return max(9.0, int(size * room / natural * 2) / 2)


def _rule(container: Any, length: float, width: Length) -> None:
    """A centred rule ``length`` points long in a space ``width`` wide."""
    p = container.add_paragraph()
    indent = Emu(max(0, int((width - Pt(length)) / 2)))
    fmt = p.paragraph_format
    fmt.left_indent = fmt.right_indent = indent
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(3)
    fmt.space_before = Pt(2)
    border = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(k), v)
    border.append(top)
    p._p.get_or_add_pPr().append(border)


def _new_table(word: Any, widths: list[Length], rows: int = 1) -> Any:
    """A table with fixed column widths: in the grid (LibreOffice reads that) and on each
    cell (Word reads that)."""
    table = word.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    return table


def _two_columns(word: Any, rows: int) -> Any:
    return _new_table(word, [LEFT_COLUMN, Length(TEXT_WIDTH - LEFT_COLUMN)], rows)


def _heading(word: Any, doc: AdminDocument) -> None:
    left_inner = Emu(LEFT_COLUMN - 2 * CELL_MARGIN)
    right_inner = Emu(TEXT_WIDTH - LEFT_COLUMN - 2 * CELL_MARGIN)
    table = _two_columns(word, 2)
    left, right = table.rows[0].cells
    _para(left, doc.issuer_parent, size=_fit(doc.issuer_parent, 12, left_inner, False),
          first=True)
    issuer_size = _fit(doc.issuer, 12, left_inner)
    _para(left, doc.issuer, size=issuer_size, bold=True)
    _rule(left, 0.4 * min(_width_pt(doc.issuer, issuer_size, True), left_inner.pt), left_inner)
    _para(right, MOTTO_NATION, size=_fit(MOTTO_NATION, 12, right_inner), bold=True, first=True)
    _para(right, MOTTO, bold=True)
    _rule(right, _width_pt(MOTTO, SIZE, True), right_inner)
    number, day = table.rows[1].cells
    _para(number, doc.number, first=True).paragraph_format.space_before = Pt(4)
    _para(day, doc.date_line, italic=True, first=True).paragraph_format.space_before = Pt(4)


def _titles(word: Any, doc: AdminDocument) -> None:
    _para(word, doc.kind_title, size=14, bold=True).paragraph_format.space_before = Pt(18)
    _para(word, doc.title, size=14, bold=True)
    _rule(word, 0.4 * min(_width_pt(doc.title, 14, True), TEXT_WIDTH.pt), TEXT_WIDTH)
    if doc.addressee:
        _para(word, doc.addressee).paragraph_format.space_before = Pt(10)
    _para(word).paragraph_format.space_after = Pt(6)


def _section(word: Any, section: Section) -> None:
    if section.heading:
        p = _para(word, section.heading, bold=True, align=Align.JUSTIFY)
        p.paragraph_format.space_before = Pt(6)
        p.paragraph_format.space_after = Pt(6)
        p.paragraph_format.keep_with_next = True
    for text in section.paragraphs:
        p = _para(word, text, align=Align.JUSTIFY)
        p.paragraph_format.first_line_indent = Cm(1.27)
        p.paragraph_format.space_after = Pt(6)
        p.paragraph_format.line_spacing = 1.15
    if section.table is not None:
        _table(word, section.table)
        _para(word).paragraph_format.space_after = Pt(6)
    if section.chart_svg:
        drawing = chart.drawing(section.chart_svg, TEXT_WIDTH.pt, Mm(150).pt)
        p = _para(word)
        p.paragraph_format.keep_with_next = bool(section.chart_caption)
        p.add_run().add_picture(io.BytesIO(chart.png(drawing)), width=Pt(drawing.width))
        if section.chart_caption:
            _para(word, section.chart_caption, size=12, italic=True).paragraph_format \
                .space_after = Pt(6)


def _table(word: Any, table: Table) -> None:
    def measure(text: str, bold: bool) -> float:
        return _width_pt(text, TABLE_SIZE, bold) + 2 * CELL_MARGIN.pt + 2

    widths: list[Length] = [Pt(w) for w in column_widths(table, TEXT_WIDTH.pt, measure)]
    grid = _new_table(word, widths)
    grid.style = word.styles["Table Grid"]
    header = grid.rows[0]
    _row_flags(header, "w:tblHeader", "w:cantSplit")  # repeated on each page
    _fill(header.cells, table.headers, [Align.CENTER] * len(widths), widths, bold=True)
    aligns = [Align.RIGHT if num else Align.LEFT for num in table.numeric]
    for values in table.rows:
        row = grid.add_row()
        _row_flags(row, "w:cantSplit")
        _fill(row.cells, (cell_text(v) for v in values), aligns, widths)


def _row_flags(row: Any, *flags: str) -> None:
    trpr = row._tr.get_or_add_trPr()
    for flag in flags:
        trpr.append(OxmlElement(flag))


def _fill(cells: Any, texts: Iterable[str], aligns: list[Any], widths: list[Any],
          bold: bool = False) -> None:
    for cell, text, align, width in zip(cells, texts, aligns, widths, strict=True):
        cell.width = width
        _para(cell, text, size=TABLE_SIZE, bold=bold, align=align, first=True)


def _signature(word: Any, doc: AdminDocument) -> None:
    _para(word).paragraph_format.space_before = Pt(6)
    table = _two_columns(word, 1)
    _row_flags(table.rows[0], "w:cantSplit")
    left, right = table.rows[0].cells
    _para(left, RECIPIENTS_LABEL, size=12, bold=True, italic=True, align=Align.LEFT,
          first=True)
    for line in recipient_lines(doc):
        _para(left, line, size=11, align=Align.LEFT)
    lines = [doc.signer_on_behalf.upper()] if doc.signer_on_behalf else []
    lines.append(doc.signer_title.upper())
    for i, line in enumerate(lines):
        _para(right, line, bold=True, first=i == 0)
    for _ in range(4):  # room to sign and stamp
        _para(right)
    if doc.signer_name:
        _para(right, doc.signer_name, bold=True)


def _fixed_times(data: bytes, out: BinaryIO) -> None:
    """The package again with every member dated 1980-01-01, not the time of writing."""
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info))
