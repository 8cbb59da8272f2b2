"""Charts drawn on the server as SVG text (issue 15 item 3): one picture for the page and for
the PDF (svglib turns the same string into a reportlab drawing), with no script and no CDN.

The page's Content-Security-Policy forbids inline styles, so everything is said with SVG
presentation attributes, set on each element (svglib does not inherit every one). Only rect,
line, polyline, circle, text, g, title and desc are drawn, at coordinates computed exactly
(fractions) and written with one decimal, so the same input gives the same bytes. Each chart
says in Vietnamese words (title, desc) what it shows, and every bar or point carries its
value as text: colour is never the only sign.

Each chart has two layouts. The wide one (640 units) is the PDF's and a desk's. On a phone
it would shrink to half size and its text to 5–7 px, so a page also draws the narrow one
(300 units: each label on its own line above its bar, the title wrapped) and its stylesheet
shows one of them (:func:`for_screen`).
"""

from __future__ import annotations

import functools
import math
import re
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import get_language, gettext, gettext_noop

Rag = Literal["green", "amber", "red"]

GREEN, AMBER, RED, NEUTRAL, TARGET = "#1b7f3b", "#b25e00", "#b42318", "#5b6b7b", "#1f2937"
RAG_COLOURS: Mapping[Rag, str] = {"green": GREEN, "amber": AMBER, "red": RED}
RAG_WORDS: Mapping[Rag, str] = {"green": "đạt", "amber": "gần đạt", "red": "chưa đạt"}
TEXT, MUTED, GRID = "#1f2937", "#4b5563", "#d0d7de"
FONT = "DejaVu Sans, sans-serif"
NO_DATA = gettext_noop("Chưa có số liệu")
FULL = 10000  # basis points in 100 %
LABEL_CHARS = 28

_SVG_NS = "http://www.w3.org/2000/svg"
_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
# Characters XML 1.0 cannot carry at all: escaping does not help, they are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Num = int | Fraction
Attr = str | int | Fraction


@dataclass(frozen=True)
class Bar:
    label: str
    share_bp: int
    note: str = ""  # said on hover and in the description, e.g. "3.412/3.700 người"


@dataclass(frozen=True)
class Point:
    label: str  # "11/2026"
    share_bp: int


@dataclass(frozen=True)
class Step:
    label: str
    count: int


# --- numbers in words -------------------------------------------------------------------


def format_count(n: int) -> str:
    """``1234`` → ``1.234``."""
    return f"{n:,}".replace(",", ".")


def _ratio_text(num: int, den: int) -> str:
    """num/den as a percent with one decimal, half up; never "100,0 %" short of everyone."""
    tenths = (2000 * num + den) // (2 * den)
    if num < den:
        tenths = min(tenths, 999)
    return f"{tenths // 10},{tenths % 10} %"


def format_share(share_bp: int) -> str:
    """``9250`` → ``92,5 %``."""
    return _ratio_text(share_bp, FULL)


def format_target(target_bp: int) -> str:
    """``9000`` → ``90 %`` (targets are mostly whole percents), ``9250`` → ``92,5 %``."""
    return f"{target_bp // 100} %" if target_bp % 100 == 0 else format_share(target_bp)


def rag(share_bp: int, target_bp: int, amber_within_bp: int = 500) -> Rag:
    """Green when the target is met: everyone for a 100 % target, otherwise strictly more
    than the target ("> 90 %"); amber when at most ``amber_within_bp`` short; else red."""
    met = share_bp >= FULL if target_bp >= FULL else share_bp > target_bp
    if met:
        return "green"
    return "amber" if share_bp >= target_bp - amber_within_bp else "red"


# --- SVG text ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # a page repeats its colours, classes and labels
def _clean(text: str) -> str:
    """Text safe for XML 1.0 on one line (escaping is done where it is written)."""
    return " ".join(unicodedata.normalize("NFC", _NOT_XML.sub("", text)).split())


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = _clean(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _num(value: Num) -> str:
    """A coordinate with one decimal, rounded half up ("{:.1f}" without float noise)."""
    # Integer arithmetic: a chart writes thousands of coordinates, and Fraction's
    # operators cost microseconds each.
    if type(value) is int:
        tenths = value * 10
    else:
        num, den = value.numerator, value.denominator
        tenths = (num * 20 + den) // (2 * den)  # floor(value * 10 + 1/2)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{abs(tenths) // 10}.{abs(tenths) % 10}"


def _el(name: str, attrs: Mapping[str, Attr], body: str | None = None) -> str:
    """One element; numbers are coordinates, ``body`` is markup already escaped."""
    text = "".join(f" {k}={quoteattr(_clean(v) if isinstance(v, str) else _num(v))}"
                   for k, v in attrs.items())
    return f"<{name}{text}/>" if body is None else f"<{name}{text}>{body}</{name}>"


def _text(x: Num, y: Num, content: str, *, size: int = 11, anchor: str = "start",
          fill: str = TEXT, bold: bool = False, cls: str = "") -> str:
    attrs: dict[str, Attr] = {"x": x, "y": y, "font-family": FONT, "font-size": str(size),
                              "text-anchor": anchor, "fill": fill}
    if bold:
        attrs["font-weight"] = "bold"
    if cls:
        attrs["class"] = cls
    return _el("text", attrs, escape(_clean(content)))


def _line(x1: Num, y1: Num, x2: Num, y2: Num, *, stroke: str, width: str = "1",
          dash: str = "", cls: str = "") -> str:
    attrs: dict[str, Attr] = {"x1": x1, "y1": y1, "x2": x2, "y2": y2, "stroke": stroke,
                              "stroke-width": width}
    if dash:
        attrs["stroke-dasharray"] = dash
    if cls:
        attrs["class"] = cls
    return _el("line", attrs)


def _rect(x: Num, y: Num, w: Num, h: Num, fill: str, cls: str = "") -> str:
    attrs: dict[str, Attr] = {"x": x, "y": y, "width": w, "height": h, "fill": fill}
    if cls:
        attrs["class"] = cls
    return _el("rect", attrs)


def _value(x: Num, y: Num, content: str, *, size: int = 11, anchor: str = "start") -> str:
    """A value label on a white ground, so a line it crosses does not strike it through
    (the width is guessed from DejaVu Sans: digits are 0.64 em)."""
    w = Fraction(len(content) * size * 64, 100) + 4
    left = {"start": x - 2, "middle": x - w / 2, "end": x - w + 2}[anchor]
    return (_rect(left, y - size, w, size + 3, "#ffffff", cls="halo")
            + _text(x, y, content, size=size, anchor=anchor, cls="value"))


def _hover(title: str, *parts: str, cls: str) -> str:
    """A group whose <title> says in full what its parts show (a tooltip on the page)."""
    return _el("g", {"class": cls}, _el("title", {}, escape(_clean(title))) + "".join(parts))


def _svg(width: int, height: int, *, title: str, desc: str, id_prefix: str,
         body: Sequence[str], narrow: bool = False) -> str:
    if not _ID.match(id_prefix):
        raise ValueError(f"id_prefix must be an XML name: {id_prefix!r}")
    t_id, d_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    head = [_el("title", {"id": t_id}, escape(_clean(title))),
            _el("desc", {"id": d_id}, escape(_clean(desc)))]
    if narrow:  # the title wrapped; what is drawn under it moves down by the extra lines
        title_lines = _wrapped(title)
        extra = _TITLE_LINE * (len(title_lines) - 1)
        head.append(_title_lines(title_lines))
        height += extra
        body = [_el("g", {"transform": f"translate(0 {extra})"}, "".join(body))] if extra \
            else body
    else:
        head.append(_text(8, 20, _short(title, 80), size=14, bold=True, cls="chart-title"))
    return _el("svg", {
        "xmlns": _SVG_NS, "width": str(width), "height": str(height),
        "viewBox": f"0 0 {width} {height}",
        "preserveAspectRatio": "xMinYMin meet", "role": "img",
        # The language of the page it is drawn for (its titles come translated).
        "aria-labelledby": f"{t_id} {d_id}", "lang": _lang(),
        "class": f"chitra-chart chart-{'narrow' if narrow else 'wide'}",
    }, "".join(head + list(body)))


_TITLE_CHARS, _TITLE_LINES, _TITLE_LINE = 33, 3, 17


def _wrapped(title: str) -> list[str]:
    """The title in lines that fit the narrow layout, the last shortened if need be."""
    lines = textwrap.wrap(_clean(title), _TITLE_CHARS, break_long_words=True) or [""]
    if len(lines) > _TITLE_LINES:
        lines = lines[:_TITLE_LINES]
        lines[-1] = _short(lines[-1] + " …", _TITLE_CHARS)
    return lines


def _title_lines(lines: Sequence[str]) -> str:
    """One text of a line per tspan; a space ends each but the last, so the text read as a
    whole is the title."""
    spans = "".join(
        _el("tspan", {"x": 8, "y": 20 + i * _TITLE_LINE},
            escape(line) + (" " if i < len(lines) - 1 else ""))
        for i, line in enumerate(lines))
    return _el("text", {"x": 8, "y": 20, "font-family": FONT, "font-size": "13",
                        "text-anchor": "start", "fill": TEXT, "font-weight": "bold",
                        "class": "chart-title"}, spans)


def for_screen(draw: Callable[..., str], *args: Any, id_prefix: str, **kwargs: Any) -> str:
    """A chart for a page, in both layouts: ``reporting.css`` shows the narrow one on a
    phone and the wide one elsewhere (the one hidden is hidden from screen readers too)."""
    return (draw(*args, id_prefix=id_prefix, **kwargs)
            + draw(*args, id_prefix=f"{id_prefix}-narrow", narrow=True, **kwargs))


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _no_data(width: int, height: int, *, title: str, id_prefix: str, narrow: bool) -> str:
    none = gettext(NO_DATA)
    return _svg(width, height, title=title, id_prefix=id_prefix, narrow=narrow,
                desc=f"{none}.", body=[
                    _text(width // 2, height // 2 + 10, none, size=13, anchor="middle",
                          fill=MUTED, cls="no-data")])


def _check_bp(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= FULL:
        raise ValueError(f"{what} must be basis points 0..{FULL}: {value!r}")


def _legend(x: int, y: int, target_bp: int | None, *, target_swatch: bool,
            wrap: bool = False) -> list[str]:
    """The words for the colours (and the dashed target line, when it is not labelled);
    ``wrap``: the colours on a line of their own, under the target's."""
    out: list[str] = []
    if target_bp is None:
        return out
    if target_swatch:
        out += [_line(x, y - 4, x + 18, y - 4, stroke=TARGET, width="2", dash="4 3"),
                _text(x + 22, y, f"Chỉ tiêu {format_target(target_bp)}", size=10)]
        if wrap:
            y += _LEGEND_LINE
        else:
            x += 110
    keys: tuple[tuple[Rag, str], ...] = (
        ("green", "Đạt chỉ tiêu"), ("amber", "Gần đạt"), ("red", "Chưa đạt"))
    for key, label in keys:
        out += [_rect(x, y - 9, 10, 10, RAG_COLOURS[key]), _text(x + 14, y, label, size=10)]
        x += 96
    return [_el("g", {"class": "legend"}, "".join(out))]


def _status(share_bp: int, target_bp: int | None, amber_within_bp: int) -> tuple[str, str]:
    """The colour and, with a target, the word saying the same."""
    if target_bp is None:
        return NEUTRAL, ""
    key = rag(share_bp, target_bp, amber_within_bp)
    return RAG_COLOURS[key], RAG_WORDS[key]


# --- the charts -------------------------------------------------------------------------

_W = 640
_LABEL_RIGHT, _X0, _ROW, _BAR_H = 200, 208, 24, 16
# The narrow layout: a row is its label and value on a line, its bar under them.
_NW, _NX0, _N_PLOT, _N_ROW, _LEGEND_LINE = 300, 8, 284, 40, 18


def share_bars(bars: Sequence[Bar], *, target_bp: int | None, title: str, id_prefix: str,
               amber_within_bp: int = 500, narrow: bool = False) -> str:
    """Horizontal bars of shares (one per ward or province, in the order given), 0–100 %,
    coloured by :func:`rag` against the target (neutral without one), the target a dashed
    vertical line."""
    if target_bp is not None:
        _check_bp(target_bp, "target_bp")
    for bar in bars:
        _check_bp(bar.share_bp, "share_bp")
    if not bars:
        return _no_data(_NW if narrow else _W, 100, title=title, id_prefix=id_prefix,
                        narrow=narrow)
    rows: list[tuple[Bar, str, str, str]] = []  # the bar, its colour, its value, said in full
    for bar in bars:
        colour, word = _status(bar.share_bp, target_bp, amber_within_bp)
        value = format_share(bar.share_bp)
        said = f"{_clean(bar.label)} {value}"
        extra = ", ".join(s for s in (word, _clean(bar.note)) if s)
        rows.append((bar, colour, value, said + (f" ({extra})" if extra else "")))
    desc = ", ".join(r[3] for r in rows)
    if target_bp is not None:
        desc += f"; chỉ tiêu {format_target(target_bp)}"
    draw = _share_bars_narrow if narrow else _share_bars_wide
    width, height, body = draw(rows, target_bp)
    return _svg(width, height, title=title, desc=f"{desc}.", id_prefix=id_prefix, body=body,
                narrow=narrow)


def _share_bars_wide(rows: Sequence[tuple[Bar, str, str, str]],
                     target_bp: int | None) -> tuple[int, int, list[str]]:
    plot_w, top = 340, 56
    bottom = top + len(rows) * _ROW
    height = bottom + (48 if target_bp is not None else 26)
    body: list[str] = []
    for tick in range(0, FULL + 1, 2500):
        x = _X0 + Fraction(tick * plot_w, FULL)
        body += [_line(x, top - 4, x, bottom, stroke=GRID, cls="grid"),
                 _text(x, bottom + 16, format_target(tick), size=10, anchor="middle",
                       fill=MUTED)]
    values = []
    for i, (bar, colour, value, said) in enumerate(rows):
        y = top + i * _ROW + (_ROW - _BAR_H) // 2
        width = Fraction(bar.share_bp * plot_w, FULL)
        body.append(_hover(said,
                           _text(_LABEL_RIGHT, y + 12, _short(bar.label), anchor="end"),
                           _rect(_X0, y, width, _BAR_H, colour, cls="bar"), cls="row"))
        values.append(_hover(said, _value(_X0 + width + 6, y + 12, value), cls="row-value"))
    if target_bp is not None:  # over the bars, under their values
        x = _X0 + Fraction(target_bp * plot_w, FULL)
        label_x = min(max(x, Fraction(_X0 + 40)), Fraction(_W - 44))
        body += [_line(x, top - 8, x, bottom, stroke=TARGET, width="2", dash="4 3",
                       cls="target"),
                 _text(label_x, top - 12, f"Chỉ tiêu {format_target(target_bp)}", size=10,
                       anchor="middle", bold=True)]
        body += _legend(_X0, bottom + 38, target_bp, target_swatch=False)
    return _W, height, body + values


def _share_bars_narrow(rows: Sequence[tuple[Bar, str, str, str]],
                       target_bp: int | None) -> tuple[int, int, list[str]]:
    """The bars across the whole width, the scale on an axis under them; the target
    crosses each bar only, never a label or a value."""
    top = 56
    bottom = top + len(rows) * _N_ROW
    height = bottom + (56 if target_bp is not None else 30)
    body = [_line(_NX0, bottom, _NX0 + _N_PLOT, bottom, stroke=GRID, cls="axis")]
    for tick in range(0, FULL + 1, 2500):
        x = _NX0 + Fraction(tick * _N_PLOT, FULL)
        anchor = "start" if tick == 0 else "end" if tick == FULL else "middle"
        body += [_line(x, bottom, x, bottom + 4, stroke=MUTED, cls="grid"),
                 _text(x, bottom + 16, format_target(tick), size=10, anchor=anchor,
                       fill=MUTED)]
    for i, (bar, colour, value, said) in enumerate(rows):
        width = Fraction(bar.share_bp * _N_PLOT, FULL)
        body.append(_stacked(top + i * _N_ROW, bar.label, value, width, colour, said))
    if target_bp is not None:
        x = _NX0 + Fraction(target_bp * _N_PLOT, FULL)
        label_x = min(max(x, Fraction(_NX0 + 40)), Fraction(_NW - 44))
        body += [_line(x, top + i * _N_ROW + 16, x, top + i * _N_ROW + 36, stroke=TARGET,
                       width="2", dash="4 3", cls="target") for i in range(len(rows))]
        body += [_text(label_x, top - 12, f"Chỉ tiêu {format_target(target_bp)}", size=10,
                       anchor="middle", bold=True)]
        body += _legend(_NX0, bottom + 44, target_bp, target_swatch=False)
    return _NW, height, body


def _stacked(y: int, label: str, value: str, width: Fraction, colour: str,
             said: str) -> str:
    """A row of the narrow layout: the label and, at the right, its value; the bar under
    them. The label gets what room the value leaves (about 7 units a character)."""
    room = min(LABEL_CHARS + 6, (_N_PLOT - 12 - 7 * len(value)) // 7)
    return _hover(said,
                  _text(_NX0, y + 12, _short(label, max(room, 8))),
                  _text(_NX0 + _N_PLOT, y + 12, value, anchor="end", cls="value"),
                  _rect(_NX0, y + 18, width, _BAR_H, colour, cls="bar"), cls="row")


def trend(points: Sequence[Point], *, target_bp: int | None, title: str, id_prefix: str,
          amber_within_bp: int = 500, narrow: bool = False) -> str:
    """A share month by month, 0–100 %: a line through the points, each point labelled with
    its value (every k-th when they crowd), the target a dashed horizontal line."""
    width, x0, x1, pad = (_NW, 40, 290, 16) if narrow else (_W, 56, 620, 24)
    top, bottom, min_gap = 48, 248, 56
    height = 300 + (_LEGEND_LINE if narrow and target_bp is not None else 0)
    if target_bp is not None:
        _check_bp(target_bp, "target_bp")
    for point in points:
        _check_bp(point.share_bp, "share_bp")

    def y_of(bp: int) -> Fraction:
        return bottom - Fraction(bp * (bottom - top), FULL)

    body: list[str] = []
    for tick in range(0, FULL + 1, 2500):
        body += [_line(x0, y_of(tick), x1, y_of(tick), stroke=GRID, cls="grid"),
                 _text(x0 - 6, y_of(tick) + 4, format_target(tick), size=10, anchor="end",
                       fill=MUTED)]
    if not points:
        body.append(_text((x0 + x1) // 2, (top + bottom) // 2, gettext(NO_DATA), size=13,
                          anchor="middle", fill=MUTED, cls="no-data"))
        return _svg(width, 300, title=title, desc=f"{gettext(NO_DATA)}.",
                    id_prefix=id_prefix, body=body, narrow=narrow)
    n = len(points)
    if n == 1:
        xs = [Fraction(x0 + x1, 2)]
        every = 1
    else:
        gap = Fraction(x1 - x0 - 2 * pad, n - 1)
        xs = [x0 + pad + i * gap for i in range(n)]
        every = math.ceil(min_gap / gap)
    if target_bp is not None:
        body.append(_line(x0, y_of(target_bp), x1, y_of(target_bp), stroke=TARGET, width="2",
                          dash="4 3", cls="target"))
    if n > 1:
        body.append(_el("polyline", {
            "points": " ".join(f"{_num(x)},{_num(y_of(p.share_bp))}"
                               for x, p in zip(xs, points, strict=True)),
            "fill": "none", "stroke": NEUTRAL, "stroke-width": "2", "class": "line"}))
    words, labels = [], []
    for i, (x, point) in enumerate(zip(xs, points, strict=True)):
        colour, word = _status(point.share_bp, target_bp, amber_within_bp)
        value = format_share(point.share_bp)
        said = f"{_clean(point.label)} {value}" + (f" ({word})" if word else "")
        words.append(said)
        y = y_of(point.share_bp)
        body.append(_hover(said, _el("circle", {
            "cx": x, "cy": y, "r": "4", "fill": colour, "stroke": "#ffffff",
            "stroke-width": "1", "class": "point"}), cls="month"))
        if (n - 1 - i) % every == 0:  # the latest month is always labelled
            labels.append(_hover(said, _value(x, y - 8, value, size=10, anchor="middle"),
                                 _text(x, bottom + 18, _short(point.label, 12), size=10,
                                       anchor="middle", fill=MUTED), cls="month-value"))
    body += labels
    desc = ", ".join(words)
    if target_bp is not None:
        body += _legend(x0, bottom + 44, target_bp, target_swatch=True, wrap=narrow)
        desc += f"; chỉ tiêu {format_target(target_bp)}"
    return _svg(width, height, title=title, desc=f"{desc}.", id_prefix=id_prefix, body=body,
                narrow=narrow)


def funnel(steps: Sequence[Step], *, title: str, id_prefix: str,
           narrow: bool = False) -> str:
    """Steps of a campaign as bars proportional to the first step, each labelled with its
    count and its share of the first ("1.234 — 45,0 %"); a first step of 0 draws no bars."""
    plot_w, top = 280, 36
    for step in steps:
        if isinstance(step.count, bool) or not isinstance(step.count, int) or step.count < 0:
            raise ValueError(f"count must be a whole number ≥ 0: {step.count!r}")
    if not steps:
        return _no_data(_NW if narrow else _W, 100, title=title, id_prefix=id_prefix,
                        narrow=narrow)
    first = steps[0].count
    body: list[str] = []
    words = []
    for i, step in enumerate(steps):
        value = format_count(step.count)
        if first:
            value += f" — {_ratio_text(step.count, first)}"
        said = f"{_clean(step.label)} {value}"
        words.append(said)
        width = (Fraction(min(step.count, first) * (_N_PLOT if narrow else plot_w), first)
                 if first else Fraction(0))
        if narrow:
            body.append(_stacked(top + i * _N_ROW, step.label, value, width, NEUTRAL, said))
            continue
        y = top + i * _ROW + (_ROW - _BAR_H) // 2
        body.append(_hover(said,
                           _text(_LABEL_RIGHT, y + 12, _short(step.label), anchor="end"),
                           _rect(_X0, y, width, _BAR_H, NEUTRAL, cls="bar"),
                           _text(_X0 + width + 6, y + 12, value, cls="value"), cls="row"))
    height = top + len(steps) * (_N_ROW if narrow else _ROW) + 12
    return _svg(_NW if narrow else _W, height, title=title, desc="; ".join(words) + ".",
                id_prefix=id_prefix, body=body, narrow=narrow)
