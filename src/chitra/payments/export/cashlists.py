"""Cash payment lists per payment point and payment date, as xlsx and pdf (DESIGN §6).

The post office pays each listed person and has them sign; the list comes back as the record
of who was paid. Both writers take the lines as an iterable and return the totals.

- xlsx: openpyxl write-only mode, so rows stream to disk whatever the count. Every cell goes
  through ``core.tabular`` (a name that looks like a formula stays text) and the workbook is
  saved by ``tabular.save_workbook`` with fixed timestamps.
- pdf: reportlab platypus, A4 landscape, with DejaVu Sans (vendored in ``payments/export/fonts/``,
  it has every Vietnamese glyph; reportlab's built-in fonts have none). The platypus story is
  built in memory: a payment point has at most a few thousand lines (about 100 KB of
  flowables per thousand), which is fine. ``LongTable`` keeps page splitting linear.

Both are written to a temporary file in the target directory and renamed into place. The
same input gives the same bytes, whenever it is written (the post office may be sent a list
again): the xlsx carries :data:`FIXED_TIME` as its creation and modification time, the PDF
is written with reportlab's ``invariant`` flag (which stamps the same date).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from chitra.core import atomicfile, tabular
from chitra.core.errors import DomainError
from chitra.core.money import format_vnd
from chitra.core.text import nfc

TITLE_CASH = "DANH SÁCH CHI TRẢ LƯƠNG HƯU, TRỢ CẤP BHXH BẰNG TIỀN MẶT"
TITLE_HOME = "DANH SÁCH CHI TRẢ TẠI NHÀ"
COLUMNS = ("STT", "Họ và tên", "Số định danh", "Phường/xã", "Loại chế độ",
           "Số tiền (đồng)", "Người nhận thay", "Ký nhận")
TOTAL_LABEL = "Tổng cộng"
SIGNATURES = (("Người lập biểu", "(Ký, ghi rõ họ tên)"),
              ("Đại diện bưu điện", "(Ký, ghi rõ họ tên)"),
              ("Đại diện UBND xã", "(Ký, ghi rõ họ tên, đóng dấu)"))
FONT_DIRS = (Path(__file__).resolve().parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
# The time written into the xlsx metadata: the date reportlab's invariant mode gives the PDF.
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


class CashListError(DomainError):
    http_status = 500


@dataclass(frozen=True)
class CashLine:
    sequence: int
    full_name: str
    citizen_id: str
    ward_name: str
    benefit_label: str
    amount: int  # đồng
    proxy_name: str | None = None


@dataclass(frozen=True)
class CashListHeader:
    province_name: str  # "Tỉnh Lai Châu"
    payment_point_name: str
    payment_point_address: str
    payment_date: date
    cycle_label: str  # "11/2026"
    home_delivery: bool = False

    @property
    def title(self) -> str:
        return TITLE_HOME if self.home_delivery else TITLE_CASH

    @property
    def agency(self) -> str:
        return f"BẢO HIỂM XÃ HỘI {nfc(self.province_name).upper()}"

    @property
    def place(self) -> str:
        name = nfc(self.payment_point_name)
        address = nfc(self.payment_point_address)
        label = "Đơn vị chi trả" if self.home_delivery else "Điểm chi trả"
        return f"{label}: {name}" + (f" — {address}" if address else "")

    @property
    def period(self) -> str:
        return (f"Kỳ chi trả: tháng {self.cycle_label} — "
                f"Ngày chi trả: {self.payment_date:%d/%m/%Y}")


@dataclass(frozen=True)
class CashTotals:
    count: int = 0
    amount: int = 0  # đồng


def _amount_text(amount: int) -> str:
    return format_vnd(amount).removesuffix(" ₫")


def _checked(lines: Iterable[CashLine]) -> Iterator[CashLine]:
    for line in lines:
        if isinstance(line.amount, bool) or not isinstance(line.amount, int) or line.amount < 0:
            raise ValueError(f"amount must be a non-negative int of đồng: {line.amount!r}")
        yield line


# --- xlsx --------------------------------------------------------------------------------


def write_cash_list_xlsx(out: Path, header: CashListHeader,
                         lines: Iterable[CashLine]) -> CashTotals:
    """Write the list as one worksheet, streaming the rows; return the totals."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sách")
    for i, width in enumerate((6, 28, 15, 22, 24, 15, 22, 18), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    heading_row = 7
    ws.print_title_rows = f"{heading_row}:{heading_row}"
    ws.freeze_panes = f"A{heading_row + 1}"

    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="center", wrap_text=True)

    def cell(value: Any, *, font: Font | None = None, align: Alignment | None = None,
             border: Border | None = None, fmt: str | None = None) -> Cell:
        c: Cell = tabular.styled_cell(ws, value, font=font, alignment=align, border=border,
                                      number_format=fmt)
        return c

    def merged_row(row: int, text: str, font: Font | None = None) -> list[Cell]:
        ws.merged_cells.add(f"A{row}:H{row}")
        return [cell(text, font=font, align=Alignment(horizontal="center"))]

    ws.append([cell(header.agency, font=bold), None, None, None, None,
               cell("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold)])
    ws.append([None] * 5 + [cell("Độc lập - Tự do - Hạnh phúc", font=bold)])
    ws.append([])
    ws.append(merged_row(4, header.title, Font(bold=True, size=14)))
    ws.append(merged_row(5, header.period))
    ws.append(merged_row(6, header.place))
    head_fill = PatternFill("solid", fgColor="DDDDDD")
    heads = []
    for title in COLUMNS:
        heads.append(tabular.styled_cell(ws, title, font=bold, alignment=center, border=box,
                                         fill=head_fill))
    ws.append(heads)

    out.parent.mkdir(parents=True, exist_ok=True)
    count = amount = 0
    with atomicfile.replacing(out) as tmp:
        try:
            for line in _checked(lines):
                count += 1
                amount += line.amount
                ws.append([
                    cell(line.sequence, align=center, border=box),
                    cell(nfc(line.full_name), align=wrap, border=box),
                    cell(line.citizen_id, border=box, fmt="@"),
                    cell(nfc(line.ward_name), align=wrap, border=box),
                    cell(nfc(line.benefit_label), align=wrap, border=box),
                    cell(line.amount, border=box, fmt="#,##0"),
                    cell(nfc(line.proxy_name or "") or None, align=wrap, border=box),
                    cell(None, border=box),
                ])
            ws.append([
                cell(None, border=box), cell(TOTAL_LABEL, font=bold, border=box),
                cell(f"{count} người", font=bold, border=box),
                cell(None, border=box), cell(None, border=box),
                cell(amount, font=bold, border=box, fmt="#,##0"),
                cell(None, border=box), cell(None, border=box),
            ])
            ws.append([])
            ws.append([None] * 5 + [cell("........, ngày ..... tháng ..... năm ........")])
            ws.append([cell(SIGNATURES[0][0].upper(), font=bold), None, None,
                       cell(SIGNATURES[1][0].upper(), font=bold), None,
                       cell(SIGNATURES[2][0].upper(), font=bold)])
            ws.append([cell(SIGNATURES[0][1]), None, None, cell(SIGNATURES[1][1]), None,
                       cell(SIGNATURES[2][1])])
        finally:
            # Closes the streamed sheet even when a line was refused; the temporary
            # file is then discarded by atomicfile.replacing.
            tabular.save_workbook(wb, tmp, FIXED_TIME)
    return CashTotals(count, amount)


# --- pdf ---------------------------------------------------------------------------------

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


@cache
def _register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name in (FONT, FONT_BOLD):
        path = next((d / f"{name}.ttf" for d in FONT_DIRS if (d / f"{name}.ttf").is_file()),
                    None)
        if path is None:
            raise CashListError(
                "font_missing",
                f"Thiếu phông chữ {name}.ttf (tìm trong {', '.join(map(str, FONT_DIRS))}); "
                "cài gói fonts-dejavu-core hoặc cài lại chitra.",
                f"Font {name}.ttf not found in {', '.join(map(str, FONT_DIRS))}; install "
                "fonts-dejavu-core or reinstall chitra.")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT)
    addMapping(FONT, 1, 1, FONT_BOLD)


register_fonts = _register_fonts  # for other PDFs of the system (outreach reports)


def write_cash_list_pdf(out: Path, header: CashListHeader,
                        lines: Iterable[CashLine]) -> CashTotals:
    """Write the list as an A4 landscape PDF with the column headings on every page."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import (
        KeepTogether,
        LongTable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    _register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11)
    body_c = ParagraphStyle("body_c", parent=body, alignment=TA_CENTER)
    bold_c = ParagraphStyle("bold_c", parent=body_c, fontName=FONT_BOLD)
    title = ParagraphStyle("title", parent=bold_c, fontSize=14, leading=18, spaceBefore=4 * mm,
                           spaceAfter=2 * mm)
    sub = ParagraphStyle("sub", parent=body_c, fontSize=10, leading=13)

    def p(text: str | None, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(nfc(text or "")), style)

    story: list[Any] = [
        Table([[p(header.agency, bold_c), p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold_c)],
               ["", p("Độc lập - Tự do - Hạnh phúc", bold_c)]],
              colWidths=[120 * mm, 120 * mm],
              style=[("LEFTPADDING", (0, 0), (-1, -1), 0)]),
        Paragraph(escape(header.title), title),
        p(header.period, sub),
        p(header.place, sub),
        Spacer(0, 3 * mm),
    ]

    rows: list[list[Any]] = [[p(c, bold_c) for c in COLUMNS]]
    count = amount = 0
    for line in _checked(lines):
        count += 1
        amount += line.amount
        rows.append([str(line.sequence), p(line.full_name), line.citizen_id, p(line.ward_name),
                     p(line.benefit_label), _amount_text(line.amount), p(line.proxy_name), ""])
    # No SPAN here: a span makes every page split rescan the whole table.
    rows.append(["", TOTAL_LABEL, f"{count} người", "", "", _amount_text(amount), "", ""])
    last = len(rows) - 1
    table = LongTable(
        rows, repeatRows=1,
        colWidths=[x * mm for x in (12, 52, 30, 40, 40, 30, 38, 31)],
        style=TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT, 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDDDDD")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 1), (0, -1), "CENTER"),
            ("ALIGN", (5, 1), (5, -1), "RIGHT"),
            ("TOPPADDING", (0, 1), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
            ("FONT", (0, last), (-1, last), FONT_BOLD, 9),
        ]))
    story.append(table)
    story.append(KeepTogether([
        Spacer(0, 4 * mm),
        Table([["", "", p("........, ngày ..... tháng ..... năm ........", body_c)],
               [p(s[0].upper(), bold_c) for s in SIGNATURES],
               [p(s[1], body_c) for s in SIGNATURES],
               ["", "", ""]],
              colWidths=[90 * mm] * 3, rowHeights=[None, None, None, 25 * mm]),
    ]))

    footer = f"{header.place} — {header.payment_date:%d/%m/%Y}"

    def on_page(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawString(12 * mm, 7 * mm, footer[:150])
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 7 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomicfile.replacing(out) as tmp:
        doc = SimpleDocTemplate(
            str(tmp), pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
            topMargin=10 * mm, bottomMargin=12 * mm, title=header.title,
            author=header.agency, subject=footer, creator="chitra", invariant=True)
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return CashTotals(count, amount)
