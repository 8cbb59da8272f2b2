"""A report's chart (our own SVG) as a reportlab drawing for the PDF and a PNG for Word/Excel.

svglib reads the SVG from bytes, so any external reference in it is refused (it resolves
files only relative to a source path) and entities are not expanded. Text in the chart is
set in the embedded DejaVu Sans whatever font-family the SVG names.

Word needs a bitmap and reportlab's bitmap renderer needs cairo (rlPyCairo, built against
the system's cairo headers), so :func:`png` draws the same drawing with Pillow: rectangles,
lines, polygons, paths (curves flattened), circles and ellipses, and text (rotated too), at
twice the resolution then scaled down for smooth edges. Dash patterns, gradients, clipping
and embedded images are not drawn; charts of the reports use none of them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from functools import cache
from typing import Any

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Ellipse,
    Group,
    Line,
    Path,
    Polygon,
    PolyLine,
    Rect,
    String,
    mmult,
)
from reportlab.pdfbase.pdfmetrics import stringWidth
from svglib.fonts import FontMap

from chitra.reporting.documents.fonts import chart_fonts, font_file

Matrix = tuple[float, float, float, float, float, float]
RGBA = tuple[int, int, int, int]
_SUPERSAMPLE = 2
_CURVE_STEPS = 16
_ELLIPSE_STEPS = 72


class _ChartFonts(FontMap):
    """Every family to DejaVu Sans, bold when the weight is bold: the glyphs are there."""

    def find_font(self, font_name: str, weight: str = "normal",
                  style: str = "normal") -> tuple[str, bool]:
        regular, bold = chart_fonts()
        heavy = weight in ("bold", "bolder") or (weight.isdigit() and int(weight) >= 600)
        return (bold if heavy else regular), True


def drawing(svg: str, max_width: float, max_height: float) -> Drawing:
    """The chart scaled (up or down) to ``max_width`` points, or less if it would be taller
    than ``max_height``."""
    from svglib.svglib import svg2rlg

    source = svg2rlg(io.BytesIO(svg.encode("utf-8")), font_map=_ChartFonts())
    if source is None or not source.width or not source.height:
        raise ValueError("the chart is not a readable SVG with a size")
    scale = min(max_width / source.width, max_height / source.height)
    out = Drawing(source.width * scale, source.height * scale)
    # The renderer starts in this font (Helvetica otherwise, which the PDF would not embed).
    out.initialFontName = chart_fonts()[0]
    out.add(Group(*source.contents, transform=(scale, 0, 0, scale, 0, 0)))
    return out


def png(chart: Drawing, dpi: int = 200) -> bytes:
    """``chart`` as PNG bytes, ``dpi`` dots per inch at its size in points."""
    from PIL import Image

    k = dpi / 72 * _SUPERSAMPLE
    size = (max(1, round(chart.width * k)), max(1, round(chart.height * k)))
    image = Image.new("RGB", size, "white")
    painter = _Painter(image, k, chart.height)
    for shape, ctm in _walk(chart, (1, 0, 0, 1, 0, 0)):
        painter.draw(shape, ctm)
    final = image.resize((max(1, size[0] // _SUPERSAMPLE), max(1, size[1] // _SUPERSAMPLE)),
                         Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    final.save(buf, "PNG", dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def _walk(node: Any, ctm: Matrix) -> Iterator[tuple[Any, Matrix]]:
    """Every shape under ``node`` with its full transformation, in drawing order."""
    if isinstance(node, Group):
        inner = mmult(ctm, tuple(node.transform))
        for child in node.contents:
            yield from _walk(child, inner)
    else:
        yield node, ctm


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _color(color: Any, opacity: Any) -> RGBA | None:
    if color is None:
        return None
    # As reportlab's PDF renderer: the opacity attribute, when set, replaces the colour's.
    alpha = getattr(color, "alpha", 1.0) if opacity is None else float(opacity)
    if alpha <= 0:
        return None
    return (round(color.red * 255), round(color.green * 255), round(color.blue * 255),
            round(alpha * 255))


def _bezier(p0: tuple[float, float], p1: tuple[float, float], p2: tuple[float, float],
            p3: tuple[float, float]) -> list[tuple[float, float]]:
    out = []
    for i in range(1, _CURVE_STEPS + 1):
        t = i / _CURVE_STEPS
        u = 1 - t
        out.append((u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1]))
    return out


def _subpaths(path: Path) -> list[tuple[list[tuple[float, float]], bool]]:
    """The path's pieces as point lists (curves flattened), each with whether it closes."""
    pts = path.points
    out: list[tuple[list[tuple[float, float]], bool]] = []
    current: list[tuple[float, float]] = []
    i = 0
    for op in path.operators:
        if op == 0:  # moveTo
            if current:
                out.append((current, False))
            current = [(pts[i], pts[i + 1])]
            i += 2
        elif op == 1:  # lineTo
            current.append((pts[i], pts[i + 1]))
            i += 2
        elif op == 2:  # curveTo
            start = current[-1] if current else (pts[i], pts[i + 1])
            current.extend(_bezier(start, (pts[i], pts[i + 1]), (pts[i + 2], pts[i + 3]),
                                   (pts[i + 4], pts[i + 5])))
            i += 6
        elif current:  # closePath
            out.append((current, True))
            current = [current[0]]
    if len(current) > 1:
        out.append((current, False))
    return out


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> list[tuple[float, float]]:
    return [(cx + rx * math.cos(2 * math.pi * i / _ELLIPSE_STEPS),
             cy + ry * math.sin(2 * math.pi * i / _ELLIPSE_STEPS))
            for i in range(_ELLIPSE_STEPS)]


@cache
def _pil_font(name: str, pixels: int) -> Any:
    from PIL import ImageFont

    regular, bold = chart_fonts()
    path = font_file(name) or font_file(bold if "Bold" in name else regular)
    return ImageFont.truetype(str(path), max(1, pixels))


class _Painter:
    """Draws reportlab shapes (points, y up) on a Pillow image (pixels, y down)."""

    def __init__(self, image: Any, k: float, height: float) -> None:
        from PIL import ImageDraw

        self.image = image
        self.canvas = ImageDraw.Draw(image, "RGBA")
        self.k = k
        self.height = height

    def _px(self, m: Matrix, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        out = []
        for x, y in points:
            tx, ty = _apply(m, x, y)
            out.append((tx * self.k, (self.height - ty) * self.k))
        return out

    def draw(self, shape: Any, m: Matrix) -> None:
        if isinstance(shape, String):
            self._text(shape, m)
            return
        if getattr(shape, "isClipPath", 0):
            return
        outlines: list[tuple[list[tuple[float, float]], bool]]
        if isinstance(shape, Rect):
            x, y, w, h = shape.x, shape.y, shape.width, shape.height
            outlines = [([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], True)]
        elif isinstance(shape, Circle):
            outlines = [(_ellipse(shape.cx, shape.cy, shape.r, shape.r), True)]
        elif isinstance(shape, Ellipse):
            outlines = [(_ellipse(shape.cx, shape.cy, shape.rx, shape.ry), True)]
        elif isinstance(shape, Line):
            outlines = [([(shape.x1, shape.y1), (shape.x2, shape.y2)], False)]
        elif isinstance(shape, Polygon | PolyLine):
            p = shape.points
            outlines = [([(p[i], p[i + 1]) for i in range(0, len(p) - 1, 2)],
                         isinstance(shape, Polygon))]
        elif isinstance(shape, Path):
            outlines = _subpaths(shape)
        else:  # images, gradients: not in our charts
            return
        self._paint(shape, m, outlines)

    def _paint(self, shape: Any, m: Matrix,
               outlines: list[tuple[list[tuple[float, float]], bool]]) -> None:
        fill = None
        if not isinstance(shape, Line | PolyLine):
            fill = _color(getattr(shape, "fillColor", None), getattr(shape, "fillOpacity", None))
        stroke = _color(getattr(shape, "strokeColor", None),
                        getattr(shape, "strokeOpacity", None))
        width = (getattr(shape, "strokeWidth", 1) or 0) * math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
        for points, closed in outlines:
            px = self._px(m, points)
            if fill is not None and len(px) > 2:
                self.canvas.polygon(px, fill=fill)
            if stroke is not None and width > 0 and len(px) > 1:
                self.canvas.line([*px, px[0]] if closed else px, fill=stroke,
                                 width=max(1, round(width * self.k)), joint="curve")

    def _text(self, s: String, m: Matrix) -> None:
        from PIL import Image

        color = _color(s.fillColor, getattr(s, "fillOpacity", None))
        if color is None or not s.text:
            return
        width = stringWidth(s.text, s.fontName, s.fontSize)
        shift = {"middle": width / 2, "end": width, "numeric": width}.get(s.textAnchor, 0)
        (x, y), = self._px(m, [(s.x - shift, s.y)])
        scale = math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
        font = _pil_font(s.fontName, round(s.fontSize * scale * self.k))
        angle = math.degrees(math.atan2(m[1], m[0]))
        if abs(angle) < 0.01:
            self.canvas.text((x, y), s.text, font=font, fill=color, anchor="ls")
            return
        reach = math.ceil(width * scale * self.k + font.size * 2)
        label = Image.new("L", (2 * reach, 2 * reach), 0)
        from PIL import ImageDraw

        ImageDraw.Draw(label).text((reach, reach), s.text, font=font, fill=255, anchor="ls")
        turned = label.rotate(angle, resample=Image.Resampling.BICUBIC)
        self.image.paste(color[:3], (round(x) - reach, round(y) - reach), turned)
