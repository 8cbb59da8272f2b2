"""Letters to beneficiaries as PDF, one A4 page a person: the office's letterhead, the date
line, ``Kính gửi: Ông/Bà …``, the amount, the next payment day and point (or the day money
reaches the account), the hotline and the signature block.

Drawn on reportlab's canvas with the DejaVu fonts the cash lists register (reportlab's own
fonts have no Vietnamese glyphs). A ward's letters are written in batches and joined into one
file as they are made (:mod:`chitra.outreach.letter_pdfstream`), so a big ward is never held
whole in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import IO, Any

from chitra.core.admin_units import current_provinces
from chitra.core.money import format_vnd
from chitra.core.text import nfc
from chitra.outreach.letter_pdfstream import PdfJoiner
from chitra.outreach.notices import HOW_TO_OPEN, LetterFacts
from chitra.payments.export.cashlists import FONT, FONT_BOLD, register_fonts

BATCH = 100  # letters drawn into one in-memory PDF before it is joined to the output
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
_PROVINCE_PREFIXES = ("Tỉnh ", "Thành phố ")


@dataclass(frozen=True)
class Letterhead:
    """Who writes: the provincial BHXH office."""

    province_name: str  # "Tỉnh Lai Châu"
    address: str = ""
    hotline: str = ""

    @classmethod
    def of(cls, province_code: str, address: str, hotline: str) -> Letterhead:
        return cls(current_provinces().get(province_code, province_code), address, hotline)

    @property
    def office(self) -> str:
        """``BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU``."""
        return f"BẢO HIỂM XÃ HỘI {nfc(self.province_name).upper()}"

    @property
    def office_in_text(self) -> str:
        """``Bảo hiểm xã hội tỉnh Lai Châu``, as a sentence names it."""
        name = nfc(self.province_name)
        for prefix in _PROVINCE_PREFIXES:
            if name.startswith(prefix):
                name = prefix.lower() + name.removeprefix(prefix)
        return f"Bảo hiểm xã hội {name}"

    @property
    def place(self) -> str:
        """The place on the date line: ``Lai Châu``."""
        name = nfc(self.province_name)
        for prefix in _PROVINCE_PREFIXES:
            name = name.removeprefix(prefix)
        return name


def date_line(place: str, day: date) -> str:
    """``Lai Châu, ngày 05 tháng 11 năm 2026``."""
    return f"{place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def _body(head: Letterhead, f: LetterFacts) -> list[tuple[str, bool]]:
    """The letter's paragraphs after ``Kính gửi``: (text, bold)."""
    you = f.title.lower()
    lines: list[tuple[str, bool]] = [
        (f"{head.office_in_text} trân trọng thông báo tới {you} về kỳ chi trả lương hưu, "
         "trợ cấp bảo hiểm xã hội tới:",
         False)]
    if f.monthly_amount:
        lines.append((f"Số tiền hưởng hằng tháng: {format_vnd(f.monthly_amount)}", True))
    elif f.one_time_amount:
        lines.append((f"Số tiền được nhận: {format_vnd(f.one_time_amount)}", True))
    if not f.cash:
        when = f"{f.transfer_date:%d/%m/%Y}" if f.transfer_date else "đầu tháng"
        lines.append((f"Ngày chuyển tiền vào tài khoản: {when}", True))
        lines.append((f"Tiền được chuyển vào tài khoản {you} đã đăng ký; {you} không cần đến "
                      "điểm chi trả.", False))
    else:
        if f.payment_day and f.opens_at and f.closes_at:
            lines.append((f"Ngày chi trả: {WEEKDAYS[f.payment_day.weekday()]}, "
                          f"{f.payment_day:%d/%m/%Y}, từ {f.opens_at:%H:%M} đến "
                          f"{f.closes_at:%H:%M}", True))
        else:
            lines.append(("Ngày chi trả: theo lịch chi trả của phường/xã (tổ công tác sẽ "
                          "báo).", True))
        if f.point_name:
            place = nfc(f.point_name) + (f", {nfc(f.point_address)}" if f.point_address else "")
            lines.append((f"Điểm chi trả: {place}", True))
        lines.append((f"Khi đến nhận, {you} mang theo căn cước công dân. Người nhận thay "
                      "mang theo giấy ủy quyền.", False))
        lines.append((HOW_TO_OPEN, False))
    if head.hotline:
        lines.append((f"Mọi thắc mắc xin liên hệ đường dây nóng {head.hotline} hoặc tổ công "
                      "tác phường/xã.", False))
    lines.append(("Trân trọng thông báo.", False))
    return lines


def draw_letter(c: Any, head: Letterhead, f: LetterFacts, issued: date) -> None:
    """One letter on one page of canvas ``c`` (the page is ended)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import simpleSplit

    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    half = (left + right) / 2

    def centred(x: float, y: float, text: str, font: str = FONT, size: float = 10) -> None:
        c.setFont(font, size)
        c.drawCentredString(x, y, text)

    # Letterhead (left) and the national motto (right).
    top = height - 18 * mm
    centred(left + 40 * mm, top, "BẢO HIỂM XÃ HỘI VIỆT NAM", size=9.5)
    y = top - 5 * mm
    for line in simpleSplit(head.office, FONT_BOLD, 9.5, 85 * mm):
        centred(left + 40 * mm, y, line, FONT_BOLD, 9.5)
        y -= 4.5 * mm
    for text in (head.address, f"Đường dây nóng: {head.hotline}" if head.hotline else ""):
        for line in simpleSplit(nfc(text), FONT, 8.5, 85 * mm) if text else []:
            centred(left + 40 * mm, y, line, size=8.5)
            y -= 4 * mm
    centred(right - 45 * mm, top, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", FONT_BOLD, 9.5)
    centred(right - 45 * mm, top - 5 * mm, "Độc lập - Tự do - Hạnh phúc", FONT_BOLD, 10)
    c.setLineWidth(0.5)
    c.line(right - 70 * mm, top - 6.5 * mm, right - 20 * mm, top - 6.5 * mm)
    centred(right - 45 * mm, top - 13 * mm, date_line(head.place, issued), size=10)

    y = min(y, top - 20 * mm) - 12 * mm
    centred(half, y, "THÔNG BÁO", FONT_BOLD, 14)
    y -= 6 * mm
    centred(half, y, "Về việc chi trả lương hưu, trợ cấp bảo hiểm xã hội", size=11)
    y -= 14 * mm

    c.setFont(FONT_BOLD, 12)
    for line in simpleSplit(f"Kính gửi: {f.title} {nfc(f.full_name)}", FONT_BOLD, 12,
                            right - left):
        c.drawString(left, y, line)
        y -= 6 * mm
    if f.address:
        c.setFont(FONT, 10.5)
        for line in simpleSplit(f"Địa chỉ: {f.address}", FONT, 10.5, right - left):
            c.drawString(left, y, line)
            y -= 5.5 * mm
    y -= 4 * mm
    for text, bold in _body(head, f):
        font, indent = (FONT_BOLD, 8 * mm) if bold else (FONT, 0.0)
        c.setFont(font, 11)
        for line in simpleSplit(text, font, 11, right - left - indent):
            c.drawString(left + indent, y, line)
            y -= 6 * mm
        y -= 2 * mm

    # Signature block.
    y = min(y, 80 * mm) - 6 * mm
    sign_x = right - 45 * mm
    centred(sign_x, y, f"TM. {head.office}", FONT_BOLD, 9.5)
    centred(sign_x, y - 5 * mm, "(Ký, ghi rõ họ tên, đóng dấu)", size=9)
    c.setFont(FONT, 8.5)
    c.drawString(left, y, "Nơi nhận:")
    c.drawString(left, y - 4.5 * mm, f"- {f.title} {nfc(f.full_name)}"[:60])
    c.drawString(left, y - 9 * mm, "- Tổ công tác phường/xã;")
    c.drawString(left, y - 13.5 * mm, "- Lưu: VT.")
    c.showPage()


def write_letters(out: IO[bytes], head: Letterhead, letters: Iterable[LetterFacts],
                  issued: date, *, title: str = "Thư thông báo") -> int:
    """The letters as one PDF into ``out``; how many. No letter gives one page saying so."""
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    c = Canvas(out, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(head.office)
    n = 0
    for f in letters:
        draw_letter(c, head, f, issued)
        n += 1
    if n == 0:
        c.setFont(FONT, 12)
        c.drawString(72, 760, "Không có thư nào: phường/xã không có người nhận tiền mặt.")
        c.showPage()
    c.save()
    return n


def letter_pdf(head: Letterhead, f: LetterFacts, issued: date) -> bytes:
    """One person's letter."""
    out = io.BytesIO()
    write_letters(out, head, [f], issued, title=f"Thư thông báo — {nfc(f.full_name)}")
    return out.getvalue()


def stream_letters(head: Letterhead, letters: Iterable[LetterFacts], issued: date,
                   *, title: str = "Thư thông báo", batch: int = BATCH) -> Iterator[bytes]:
    """A ward's letters as one PDF, yielded in pieces: :data:`BATCH` letters are drawn at a
    time, and their pages are written out before the next are drawn."""
    joiner = PdfJoiner(title=title, author=head.office)
    yield joiner.start()
    source = iter(letters)
    first = True
    while chunk := list(islice(source, batch)):
        first = False
        out = io.BytesIO()
        write_letters(out, head, chunk, issued, title=title)
        yield from joiner.add(out.getvalue())
    if first:  # nobody: the one page saying so
        out = io.BytesIO()
        write_letters(out, head, [], issued, title=title)
        yield from joiner.add(out.getvalue())
    yield joiner.finish()
