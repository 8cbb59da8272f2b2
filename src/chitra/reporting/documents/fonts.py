"""The fonts of the PDF: embedded TrueType with every Vietnamese glyph.

The standard asks for Times New Roman, which a server rarely has and may not redistribute;
DejaVu Serif (package fonts-dejavu-core) is the serif face with the whole Vietnamese
alphabet. Without it the vendored DejaVu Sans of the cash lists is used, whose italic is the
upright face (no oblique is vendored). Charts are drawn in DejaVu Sans either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from chitra.payments.export.cashlists import FONT, FONT_BOLD, FONT_DIRS, register_fonts

SERIF = "DejaVuSerif"


@dataclass(frozen=True)
class Family:
    """reportlab names of one family's four faces; ``<b>``/``<i>`` map to them."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


def font_file(name: str) -> Path | None:
    """Where ``name.ttf`` is, in the order the cash lists look (vendored first)."""
    return next((d / f"{name}.ttf" for d in FONT_DIRS if (d / f"{name}.ttf").is_file()), None)


@cache
def body_family() -> Family:
    """The text family, registered with reportlab (once per process)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    register_fonts()  # the sans faces, and a clear error if even they are missing
    faces = {style: f"{SERIF}{style}" for style in ("", "-Bold", "-Italic", "-BoldItalic")}
    found = {style: font_file(name) for style, name in faces.items()}
    if found[""] is None or found["-Bold"] is None:
        return Family(FONT, FONT_BOLD, FONT, FONT_BOLD)
    for style, path in found.items():
        if path is not None:
            pdfmetrics.registerFont(TTFont(faces[style], str(path)))
    family = Family(
        regular=faces[""], bold=faces["-Bold"],
        italic=faces["-Italic"] if found["-Italic"] else faces[""],
        bold_italic=faces["-BoldItalic"] if found["-BoldItalic"] else faces["-Bold"])
    addMapping(family.regular, 0, 0, family.regular)
    addMapping(family.regular, 1, 0, family.bold)
    addMapping(family.regular, 0, 1, family.italic)
    addMapping(family.regular, 1, 1, family.bold_italic)
    return family


def chart_fonts() -> tuple[str, str]:
    """(regular, bold) reportlab names for the text in charts."""
    register_fonts()
    return FONT, FONT_BOLD
