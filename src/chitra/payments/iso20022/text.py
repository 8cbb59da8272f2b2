"""Text for the XML files: NFC, no control characters, the provider's character set, safe
truncation.

A provider takes names and remittance text in one of three character sets (:class:`Charset`):
upper-case ASCII (the default: what Vietnamese core banking systems take), mixed-case ASCII,
or Unicode (UTF-8). The ASCII sets are the SWIFT "Latin" set (``a-z A-Z 0-9 / - ? : ( ) . ,
' +`` and space): a character outside it is transliterated (``Đ`` → ``D``, ``&`` → ``+``,
``—`` → ``-``) and one that has no ASCII form (an emoji, a CJK letter) becomes ``?``, so no
visible character disappears without a trace. Control and invisible format characters (bidi
marks, zero-width joiners) carry no letter and are removed in every set.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

# core.text is pure Python; the import-linter contract on this package lets exactly this
# import through.
from chitra.core.text import VIETNAMESE_LETTERS

# What a status line's detail keeps of the bank's words (StatusEvent.detail,
# StatusException.detail, the set-aside lines): one limit for the readers and the models.
DETAIL_MAX = 210


class Charset(StrEnum):
    UPPER_ASCII = "upper_ascii"  # SWIFT Latin set, upper case: the default
    ASCII = "ascii"  # SWIFT Latin set, case kept
    UNICODE = "unicode"  # UTF-8, Vietnamese kept


# Characters that must not reach a payment file: C0/C1 controls (other than the whitespace
# ones, which become spaces), format characters such as bidi overrides and zero-width
# joiners, lone surrogates and the non-characters U+FFFE/U+FFFF (not allowed in XML 1.0).
_WHITESPACE = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029\s]+")
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\ufffe\uffff"
    "\U000e0000-\U000e007f]"
)

SWIFT_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/-?:().,'+ "
)
# A text already in the set, with single inner spaces only (what the slow path gives).
_SWIFT_WORD = r"[A-Za-z0-9/\-?:().,'+]+"
is_swift_text = re.compile(rf"{_SWIFT_WORD}(?: {_SWIFT_WORD})*").fullmatch

# Letters NFKD does not decompose, and ASCII punctuation outside the SWIFT set.
_LETTERS = str.maketrans({
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE",
    "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH",
    "ı": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T",
})
_PUNCTUATION = {
    "&": "+", "<": "(", ">": ")", "[": "(", "]": ")", "{": "(", "}": ")", '"': "'", "`": "'",
    "_": "-", "~": "-", "=": "-", "|": "/", "\\": "/", ";": ",", "!": ".", "*": ".",
    "@": "(AT)", "#": "NO.", "%": "PCT", "$": "USD", "^": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": "'",
    "\u201d": "'", "\u201e": "'", "\u00ab": "'", "\u00bb": "'", "\u2039": "'", "\u203a": "'",
    "\u00b7": ".", "\u2022": ".", "\u00d7": "X", "\u20ab": "D",  # ₫
}


def _vietnamese_table(upper: bool) -> dict[int, str]:
    """Every precomposed Vietnamese letter (both cases) → its ASCII base letter."""
    table: dict[int, str] = {}
    for letter in VIETNAMESE_LETTERS:
        for ch in (letter, letter.upper()):
            base = unicodedata.normalize("NFD", ch.translate(_LETTERS))[0]
            table[ord(ch)] = base.upper() if upper else base
    return table


# The fast path: one ``translate`` folds NFC Vietnamese text; only what is then still
# outside the set (rare) takes the character-by-character path.
FOLD_TABLES = {
    Charset.UPPER_ASCII: _vietnamese_table(upper=True),
    Charset.ASCII: _vietnamese_table(upper=False),
}


def to_swift(value: str, *, upper: bool) -> str:
    """``value`` (controls already removed) in the SWIFT Latin set, transliterated."""
    out = []
    for ch in value.translate(_LETTERS):
        if ch in SWIFT_CHARS:
            out.append(ch)
        elif ch in _PUNCTUATION:
            out.append(_PUNCTUATION[ch])
        elif unicodedata.category(ch) == "Sk":  # a spacing accent (´ ¨ ˜): an apostrophe
            out.append("'")
        else:
            for part in unicodedata.normalize("NFKD", ch):  # ễ → e + marks, ﬁ → fi, ² → 2
                if part in SWIFT_CHARS:
                    out.append(part)
                elif part.isspace():
                    out.append(" ")
                elif unicodedata.category(part) not in ("Mn", "Me"):  # marks go with letters
                    out.append(_PUNCTUATION.get(part, "?"))
    text = "".join(out)
    return text.upper() if upper else text


def clean_text(value: str, *, max_len: int, charset: Charset = Charset.UNICODE) -> str:
    """Return ``value`` fit for an ISO 20022 ``MaxNNNText`` element in ``charset``.

    NFC-normalized, control and format characters removed, runs of whitespace collapsed to
    one space, trimmed, converted to the character set, and cut to at most ``max_len``
    characters without separating a letter from its combining marks. May return ``""``.
    """
    if charset is Charset.UNICODE:
        if (
            len(value) <= max_len
            and value.isprintable()  # no controls, format characters or odd spaces
            and "  " not in value
            and value == value.strip()
            and unicodedata.is_normalized("NFC", value)
        ):
            return value  # the common case, checked cheaply
    else:
        upper = charset is Charset.UPPER_ASCII
        fast = value.translate(FOLD_TABLES[charset])
        if upper:
            fast = fast.upper()
        if len(fast) <= max_len and is_swift_text(fast):
            return fast
    return clean_text_slowly(value, max_len=max_len, charset=charset)


def clean_text_slowly(value: str, *, max_len: int, charset: Charset) -> str:
    """:func:`clean_text` without its shortcuts (which must give the same text)."""
    text = _FORBIDDEN.sub("", _WHITESPACE.sub(" ", value))
    if charset is Charset.UNICODE:
        text = unicodedata.normalize("NFC", text)
    else:
        text = to_swift(text, upper=charset is Charset.UPPER_ASCII)
    text = _WHITESPACE.sub(" ", text).strip()
    return cut(text, max_len)


def cut(text: str, max_len: int) -> str:
    """``text`` cut to ``max_len`` characters, never keeping a base letter whose combining
    marks were cut off, nor orphan marks; trailing space removed."""
    if len(text) <= max_len:
        return text
    end = max_len
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return text[:end].rstrip()


def _letters(name: str) -> str:
    if name.isascii():
        return name.upper()
    bare = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return bare.encode("ascii", "ignore").decode("ascii").upper()


def same_letters(a: str, b: str) -> bool:
    """Whether two names have the same letters, whatever their case and Vietnamese marks
    (``"NGUYEN VAN DUC"`` and ``"Nguyễn Văn Đức"``): cheap enough for every row of a file."""
    return _letters(a) == _letters(b)
