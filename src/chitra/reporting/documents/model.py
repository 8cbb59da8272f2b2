"""A report in Vietnamese administrative form (Nghị định 30/2020/NĐ-CP, Phụ lục I), as data.

The writers (docx, pdf, xlsx) lay out the same parts in the same order; what the report says
is built elsewhere. Pure Python, no Django: a document can be written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chitra.core.money import format_vnd

MOTTO_NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS_LABEL = "Nơi nhận:"

Cell = str | int


@dataclass(frozen=True)
class Table:
    """Rows under one header row. An ``int`` is a count or an amount in đồng: a number in the
    xlsx, ``1.234.567`` in the docx and pdf; ``numeric`` says which columns align right."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...]

    def __post_init__(self) -> None:
        width = len(self.headers)
        if width == 0 or len(self.numeric) != width:
            raise ValueError("a table needs headers and one numeric flag per column")
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"row has {len(row)} cells, the table {width}: {row!r}")
            for value in row:
                if isinstance(value, bool) or not isinstance(value, str | int):
                    raise ValueError(f"a cell is text or an int, not {value!r}")


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    table: Table | None = None
    chart_svg: str | None = None  # our own SVG (reporting charts), never fetched from outside
    chart_caption: str = ""


@dataclass(frozen=True, kw_only=True)
class AdminDocument:
    """Keyword arguments only: the fields read in the order of the form."""

    issuer_parent: str  # "BẢO HIỂM XÃ HỘI VIỆT NAM"
    issuer: str  # "BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU"
    number: str  # "Số: 12/BC-BHXH", or "Số:      /BC-BHXH" to fill in by hand
    place: str  # "Lai Châu"
    issued_on: date
    kind_title: str  # "BÁO CÁO"
    title: str  # trích yếu
    addressee: str = ""  # "Kính gửi: Ủy ban nhân dân tỉnh Lai Châu"
    sections: tuple[Section, ...]
    recipients: tuple[str, ...]  # ("Như trên;", "Lưu: VT, KHTC.")
    signer_title: str  # "GIÁM ĐỐC"
    signer_name: str = ""
    signer_on_behalf: str = ""  # "KT. GIÁM ĐỐC", the line above the signer's title

    @property
    def date_line(self) -> str:
        return date_line(self.place, self.issued_on)


def date_line(place: str, day: date) -> str:
    """``Lai Châu, ngày 03 tháng 12 năm 2026``. NĐ 30 writes a zero before days under 10 and
    before months 1 and 2 only (so that a 1 or 2 cannot be put in front later):
    ``ngày 05 tháng 02``, but ``ngày 05 tháng 3``."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def cell_text(value: Cell) -> str:
    """A cell as the docx and pdf print it: ``1234567`` → ``1.234.567``."""
    if isinstance(value, int):
        return format_vnd(value).removesuffix(" ₫")
    return value


def recipient_lines(doc: AdminDocument) -> list[str]:
    """The recipients as listed under "Nơi nhận:", each on a line starting with a dash."""
    return [f"- {r.strip().removeprefix('-').strip()}" for r in doc.recipients]
