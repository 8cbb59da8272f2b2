"""Cash payment lists per payment point and payment date, as xlsx and pdf (DESIGN §6).

The post office pays each listed person and has them sign; the list comes back as the record
of who was paid. Every line carries its transaction code (the item's EndToEndId) and empty
result columns (:mod:`chitra.payments.cashform`): the post office fills in the xlsx and
uploads it as it is (:mod:`chitra.payments.status.cashresults` reads it back). Both writers
take the lines as an iterable, stream them, and return the totals:

- xlsx: :mod:`~chitra.payments.export.cashxlsx` writes the sheet XML itself (openpyxl's cell
  objects made the lists the slowest step of an export);
- pdf: :mod:`~chitra.payments.export.cashpdf` draws on reportlab's canvas (platypus tables
  were ten times slower), A4 landscape, with DejaVu Sans (vendored in
  ``payments/export/fonts/``: it has every Vietnamese glyph, reportlab's built-in fonts
  have none).

Both are written to a temporary file in the target directory and renamed into place. The
same input gives the same bytes, whenever it is written (the post office may be sent a list
again): fixed times in the xlsx, reportlab's ``invariant`` flag in the PDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from chitra.core.errors import DomainError
from chitra.core.money import format_vnd
from chitra.core.text import nfc
from chitra.payments import cashform
from chitra.payments.cashform import REASON_CHOICES, RESULT_CHOICES

TITLE_CASH = "DANH SÁCH CHI TRẢ LƯƠNG HƯU, TRỢ CẤP BHXH BẰNG TIỀN MẶT"
TITLE_HOME = "DANH SÁCH CHI TRẢ TẠI NHÀ"
# The xlsx columns; the post office fills in the result, reason and date, and signs.
COLUMNS = ("STT", cashform.CODE, "Họ và tên", "Số định danh", "Phường/xã", "Loại chế độ",
           cashform.AMOUNT, "Người nhận thay", cashform.RESULT, cashform.REASON,
           cashform.PAID_ON, "Ký nhận")
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
    end_to_end_id: str = ""  # the transaction code the post office reports results by


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


def amount_text(amount: int) -> str:
    return format_vnd(amount).removesuffix(" ₫")


def checked(lines: Iterable[CashLine]) -> Iterator[CashLine]:
    for line in lines:
        if isinstance(line.amount, bool) or not isinstance(line.amount, int) or line.amount < 0:
            raise ValueError(f"amount must be a non-negative int of đồng: {line.amount!r}")
        yield line


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


def write_cash_list_xlsx(out: Path, header: CashListHeader,
                         lines: Iterable[CashLine]) -> CashTotals:
    """The list as one worksheet (titles, lines, total, signatures); the totals."""
    from chitra.payments.export import cashxlsx

    return cashxlsx.write_xlsx(out, header, lines, cashxlsx.Shape.LIST)


def write_results_template(out: Path, header: CashListHeader,
                           lines: Iterable[CashLine]) -> CashTotals:
    """The headings on the first row, then one row per person: a results file to fill in."""
    from chitra.payments.export import cashxlsx

    return cashxlsx.write_xlsx(out, header, lines, cashxlsx.Shape.TEMPLATE)


def write_cash_list_pdf(out: Path, header: CashListHeader,
                        lines: Iterable[CashLine]) -> CashTotals:
    """The list as an A4 landscape PDF, column headings on every page; the totals."""
    from chitra.payments.export import cashpdf

    return cashpdf.write_pdf(out, header, lines)


def write_pair(out_dir: Path, stem: str, header: CashListHeader,
               lines: list[CashLine]) -> list[Path]:
    """One group's list as ``stem.xlsx`` and ``stem.pdf`` in ``out_dir``; their paths. Needs
    no database: worker processes run it (:mod:`~chitra.payments.export.cashrun`)."""
    written = []
    for suffix, writer in ((".xlsx", write_cash_list_xlsx), (".pdf", write_cash_list_pdf)):
        path = out_dir / f"{stem}{suffix}"
        writer(path, header, lines)
        written.append(path)
    return written


__all__ = ["COLUMNS", "REASON_CHOICES", "RESULT_CHOICES", "CashLine", "CashListHeader",
           "CashTotals", "amount_text", "checked", "register_fonts", "write_cash_list_pdf",
           "write_cash_list_xlsx", "write_pair", "write_results_template"]
