"""The cash list as PDF, drawn on reportlab's canvas (DESIGN §6).

Platypus tables measured and wrapped every cell as a paragraph: ten times slower than the
rest of the export. Here a page is a fixed grid of rows (one person per row: name with the
transaction code under it in small type, ids, amount, a box to sign) and each page's text is
one block of PDF operators, the way reportlab's ``ttfonts`` documents for TrueType fonts:
``font.splitString`` gives each text's bytes per font subset. Text too wide for its column
is drawn smaller (down to :data:`MIN_SIZE`), then cut with an ellipsis. Texts that repeat
(wards, benefit labels) are encoded once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import Any

from chitra.core import atomicfile
from chitra.core.text import nfc
from chitra.payments.export.cashlists import (
    FONT,
    FONT_BOLD,
    SIGNATURES,
    TOTAL_LABEL,
    CashLine,
    CashListHeader,
    CashTotals,
    amount_text,
    checked,
    register_fonts,
)

MM = 72 / 25.4
PAGE_W, PAGE_H = 297 * MM, 210 * MM  # A4 landscape
LEFT = 12 * MM
TOP = PAGE_H - 10 * MM
BOTTOM = 14 * MM
ROW_H = 22.0
HEAD_H = 26.0
SIZE, CODE_SIZE, MIN_SIZE = 9.0, 6.5, 5.5
PAD = 3.0
# (heading lines, width in points, alignment): the signature box takes what is left.
_COLS: tuple[tuple[tuple[str, ...], float, str], ...] = (
    (("STT",), 30, "c"), (("Họ và tên", "Mã giao dịch"), 165, "l"),
    (("Số định danh",), 82, "l"), (("Phường/xã",), 110, "l"), (("Loại chế độ",), 105, "l"),
    (("Số tiền (đồng)",), 78, "r"), (("Người nhận thay",), 105, "l"),
    (("Ký nhận",), PAGE_W - 2 * LEFT - 675, "l"))
_X = [LEFT]
for _h, _w, _a in _COLS:
    _X.append(_X[-1] + _w)
RIGHT = _X[-1]
# Per column: where its text is anchored, the room it has, the alignment.
_ANCHORS = [({"l": _X[i] + PAD, "c": _X[i] + w / 2, "r": _X[i + 1] - PAD}[a], w - 2 * PAD, a)
            for i, (_h, w, a) in enumerate(_COLS)]
SIGN_BLOCK_H = 120.0  # date, titles, room to sign
# Bytes as PDF string text: printable ASCII as is, the rest as octal escapes.
_ESC = [chr(b) if 32 <= b < 127 and chr(b) not in "()\\" else f"\\{b:03o}" for b in range(256)]


def _n(v: float) -> str:
    return f"{v:.2f}"


class _Glyphs:
    """One font's characters as this document encodes them: the subset each falls in (via
    ``splitString``, once per character), its escaped byte there, its width at 1 pt. A text
    is then encoded by ``str.translate`` per run of one subset, not character by character
    in Python."""

    def __init__(self, font: Any, doc: Any) -> None:
        self.font, self.doc = font, doc
        self.widths: dict[str, float] = {}
        self.subset_of: dict[str, int] = {}
        self.tables: list[dict[int, str]] = []
        self.members: list[set[str]] = []
        self.names: list[str] = []

    def _learn(self, chars: set[str]) -> None:
        for c in sorted(chars):  # sorted: the same subsets whatever the set's order
            ((subset, chunk),) = self.font.splitString(c, self.doc)
            while len(self.tables) <= subset:
                self.tables.append({})
                self.members.append(set())
                self.names.append(self.font.getSubsetInternalName(len(self.names), self.doc))
            self.widths[c] = self.font.stringWidth(c, 1.0)
            self.subset_of[c] = subset
            self.tables[subset][ord(c)] = _ESC[chunk[0]]
            self.members[subset].add(c)

    def width(self, text: str) -> float:
        """Width at 1 pt (every character learnt)."""
        new = set(text) - self.widths.keys()
        if new:
            self._learn(new)
        return sum(map(self.widths.__getitem__, text))

    def operators(self, text: str, size: float) -> str:
        """``Tf``/``Tj`` operators of ``text`` (measured by :meth:`width` before)."""
        tf = f" {_n(size)} Tf ("
        chars = set(text)
        for subset, members in enumerate(self.members):
            if chars <= members:
                return f"{self.names[subset]}{tf}{text.translate(self.tables[subset])}) Tj"
        return " ".join(f"{self.names[subset]}{tf}"
                        f"{''.join(run).translate(self.tables[subset])}) Tj"
                        for subset, run in groupby(text, self.subset_of.__getitem__))


class _Writer:
    """The page being drawn: its operators, gathered and added to the canvas at once."""

    def __init__(self, canvas: Any) -> None:
        from reportlab.pdfbase import pdfmetrics

        self.canvas = canvas
        doc = canvas._doc  # what ttfonts' documented splitString takes
        self.glyphs = {name: _Glyphs(pdfmetrics.getFont(name), doc) for name in (FONT, FONT_BOLD)}
        self.ops: list[str] = []
        self.lines: list[str] = []  # the grid, as path operators
        self.page = 0
        self._pieces: dict[tuple[str, str, float, float], tuple[str, float]] = {}

    def piece(self, font: str, text: str, size: float, room: float) -> tuple[str, float]:
        """(``Tf``/``Tj`` operators, width) of ``text`` made to fit in ``room`` points:
        drawn smaller, down to :data:`MIN_SIZE`, then cut with an ellipsis."""
        key = (font, text, size, room)
        found = self._pieces.get(key)
        if found is not None:
            return found
        g = self.glyphs[font]
        text = nfc(text)
        width = g.width(text) * size
        if width > room:
            size = max(MIN_SIZE, size * room / width)
            width = g.width(text) * size
            while width > room and len(text) > 1:
                text = text[:-2] + "…"
                width = g.width(text) * size
        if len(self._pieces) > 20_000:  # names do not repeat; wards and labels do
            self._pieces.clear()
        self._pieces[key] = found = (g.operators(text, size), width)
        return found

    def text(self, x: float, y: float, text: str | None, *, font: str = FONT,
             size: float = SIZE, room: float = PAGE_W, align: str = "l") -> None:
        """Draw ``text`` with its left edge, centre or right edge (``align``) at ``x``."""
        if not text:
            return
        ops, width = self.piece(font, text, size, room)
        if align == "c":
            x -= width / 2
        elif align == "r":
            x -= width
        self.ops.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {ops}")

    def cell(self, col: int, y_top: float, text: str | None, *, font: str = FONT,
             size: float = SIZE, dy: float = 14.5) -> None:
        if text:
            x, room, align = _ANCHORS[col]
            self.text(x, y_top - dy, text, font=font, size=size, room=room, align=align)

    def grid(self, top: float, bottom: float, rows: Iterable[float]) -> None:
        """Horizontal rules at ``rows`` and the column rules from ``top`` to ``bottom``."""
        for y in rows:
            self.lines.append(f"{_n(LEFT)} {_n(y)} m {_n(RIGHT)} {_n(y)} l")
        for x in _X:
            self.lines.append(f"{_n(x)} {_n(top)} m {_n(x)} {_n(bottom)} l")

    def headings(self, top: float) -> float:
        """The gray row of column headings; the y under it."""
        self.canvas.setFillGray(0.87)
        self.canvas.rect(LEFT, top - HEAD_H, RIGHT - LEFT, HEAD_H, stroke=0, fill=1)
        self.canvas.setFillGray(0)
        for col, (heads, _w, _a) in enumerate(_COLS):
            centre = (_X[col] + _X[col + 1]) / 2
            for i, head in enumerate(heads):
                y = top - (16.5 if len(heads) == 1 else 11 + 9 * i)
                self.text(centre, y, head, font=FONT_BOLD, size=8,
                          room=_X[col + 1] - _X[col] - 2, align="c")
        return top - HEAD_H

    def flush(self, footer: str) -> None:
        """Add the page's operators and footer to the canvas and end the page."""
        self.page += 1
        self.text(LEFT, 7 * MM, footer[:150], size=7)
        self.text(RIGHT, 7 * MM, f"Trang {self.page}", size=7, align="r")
        body = "\n".join(self.ops)
        rules = "\n".join(self.lines)
        self.canvas.addLiteral(f"q 0.5 w 0 G\n{rules}\nS Q\nq BT\n{body}\nET Q")
        self.ops.clear()
        self.lines.clear()
        self.canvas.showPage()


def _header_block(w: _Writer, header: CashListHeader) -> float:
    """The first page's heading; the y below it."""
    half = (RIGHT - LEFT) / 2
    y = TOP - 10
    w.text(LEFT + half / 2, y, header.agency, font=FONT_BOLD, room=half, align="c")
    w.text(LEFT + half * 1.5, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=FONT_BOLD,
           room=half, align="c")
    w.text(LEFT + half * 1.5, y - 12, "Độc lập - Tự do - Hạnh phúc", font=FONT_BOLD,
           room=half, align="c")
    mid, room = (LEFT + RIGHT) / 2, RIGHT - LEFT
    w.text(mid, y - 42, header.title, font=FONT_BOLD, size=14, room=room, align="c")
    w.text(mid, y - 58, header.period, size=10, room=room, align="c")
    w.text(mid, y - 72, header.place, size=10, room=room, align="c")
    return y - 84


def _rows(w: _Writer, lines: Iterator[CashLine], first_top: float,
          footer: str) -> tuple[CashTotals, float]:
    """Draw every line, page after page; the totals and the y under the total row."""
    count = amount = 0
    top = w.headings(first_top)
    table_top, rules = first_top, [first_top, top]
    line = next(lines, None)
    while True:
        if top - ROW_H < BOTTOM:  # the page is full: close its grid, start the next one
            w.grid(table_top, top, rules)
            w.flush(footer)
            table_top = TOP
            top = w.headings(TOP)
            rules = [TOP, top]
        if line is None:
            break
        count += 1
        amount += line.amount
        w.cell(0, top, str(line.sequence))
        w.cell(1, top, line.full_name, dy=10)
        w.cell(1, top, line.end_to_end_id, size=CODE_SIZE, dy=18.5)
        w.cell(2, top, line.citizen_id)
        w.cell(3, top, line.ward_name)
        w.cell(4, top, line.benefit_label)
        w.cell(5, top, amount_text(line.amount))
        w.cell(6, top, line.proxy_name)
        top -= ROW_H
        rules.append(top)
        line = next(lines, None)
    w.cell(1, top, TOTAL_LABEL, font=FONT_BOLD)
    w.cell(2, top, f"{count} người", font=FONT_BOLD)
    w.cell(5, top, amount_text(amount), font=FONT_BOLD)
    top -= ROW_H
    rules.append(top)
    w.grid(table_top, top, rules)
    return CashTotals(count, amount), top


def _signatures(w: _Writer, top: float, footer: str) -> None:
    if top - SIGN_BLOCK_H < BOTTOM:
        w.flush(footer)
        top = TOP
    third = (RIGHT - LEFT) / 3
    centres = [LEFT + third * (i + 0.5) for i in range(3)]
    w.text(centres[2], top - 20, "........, ngày ..... tháng ..... năm ........", room=third,
           align="c")
    for centre, (title, hint) in zip(centres, SIGNATURES, strict=True):
        w.text(centre, top - 34, title.upper(), font=FONT_BOLD, room=third, align="c")
        w.text(centre, top - 46, hint, room=third, align="c")


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Streams deflated but not ASCII85-encoded: the encoding, in Python, cost a fifth of
    the time (and a quarter more bytes). reportlab reads this setting while it writes."""
    from reportlab import rl_config

    before = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def write_pdf(out: Path, header: CashListHeader, lines: Iterable[CashLine]) -> CashTotals:
    """Write the list (temporary file, renamed into place); the totals of the lines."""
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    footer = f"{header.place} — {header.payment_date:%d/%m/%Y}"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomicfile.replacing(out) as tmp, _binary_streams():
        canvas = Canvas(str(tmp), pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
        canvas.setTitle(header.title)
        canvas.setAuthor(header.agency)
        canvas.setSubject(footer)
        canvas.setCreator("chitra")
        w = _Writer(canvas)
        totals, top = _rows(w, checked(lines), _header_block(w, header), footer)
        _signatures(w, top, footer)
        w.flush(footer)
        canvas.save()
    return totals
