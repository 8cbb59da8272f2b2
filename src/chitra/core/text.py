"""Vietnamese text: NFC normalization, accent-free keys, ASCII folding, legacy-encoding
detection (DESIGN §6).

Pure Python, no Django: the ISO 20022 formats use it too (an import-linter contract keeps it so).
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})  # NFD does not decompose đ
_D_BAR = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"})
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

VIETNAMESE_LETTERS = frozenset(
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợ"
    "pqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)


def nfc(text: str) -> str:
    """NFC with surrounding and repeated whitespace collapsed: the form names are stored in."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold_key(text: str) -> str:
    """Accent-, case- and space-insensitive key: ``Nguyễn Thị Thuỷ`` → ``nguyen thi thuy``.

    Removing every mark also makes old and new tone placement (Hoà/Hòa) equal.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().lower()


def to_ascii(value: str) -> str:
    """Fold Vietnamese to ASCII: ``"Đặng Thị Thuỷ"`` → ``"Dang Thi Thuy"``.

    NFD does not decompose đ/Đ, so they are mapped explicitly (DESIGN §6); compatibility
    characters are decomposed (NFKD) and whatever is still not ASCII is dropped. Unlike
    :func:`fold_key` it keeps case and spacing: it is for text people read (SMS, files).
    """
    decomposed = unicodedata.normalize("NFKD", value.translate(_D_BAR))
    return _COMBINING.sub("", decomposed).encode("ascii", "ignore").decode("ascii")


# Bidirectional controls (embeddings, overrides, isolates, marks) and invisible characters
# (zero-width spaces and joiners, word joiner, BOM): they make a name display as something
# else ("Trojan Source"), or two names that look the same differ.
INVISIBLE_CHARS = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a bidirectional control or an invisible character."""
    return INVISIBLE_CHARS.search(text) is not None


# Letters that TCVN3 (ABC) or VNI text shows when read as Unicode/Windows-1258, and that
# never occur in Vietnamese written in Unicode.
_TCVN3_MARKERS = frozenset("µ¸¶·¹¨»¾¼½Æ©ÇË®ÌÎÏªÖ×ØÜÞß«¬§¡¢£¤¥¦")
_VNI_MARKERS = frozenset("øûïöñåäëüæçÑØÛÏÖÅÄËÜÆÇ")


def legacy_encoding(text: str) -> str | None:
    """``"TCVN3"`` or ``"VNI"`` if the text looks typed in a legacy Vietnamese font, else None."""
    tcvn = vni = letters = 0
    for ch in text:
        if ch in _TCVN3_MARKERS:
            tcvn += 1
        if ch in _VNI_MARKERS:
            vni += 1
        if ord(ch) > 127 and ch.isalpha():
            letters += 1
    suspicious = max(tcvn, vni)
    if suspicious < 2 or suspicious * 5 < letters:
        return None
    return "TCVN3" if tcvn >= vni else "VNI"
