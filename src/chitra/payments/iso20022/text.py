"""Text for the XML files: NFC, no control characters, optional ASCII folding, safe truncation."""

from __future__ import annotations

import re
import unicodedata

# The one ASCII folding (core.text is pure Python; the import-linter contract on this package
# lets exactly this import through).
from chitra.core.text import to_ascii

# Characters that must not reach a payment file: C0/C1 controls (other than the whitespace
# ones, which become spaces), format characters such as bidi overrides and zero-width
# joiners, lone surrogates and the non-characters U+FFFE/U+FFFF (not allowed in XML 1.0).
_WHITESPACE = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029\s]+")
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\ufffe\uffff"
    "\U000e0000-\U000e007f]"
)


def clean_text(value: str, *, max_len: int, ascii_only: bool = False) -> str:
    """Return ``value`` fit for an ISO 20022 ``MaxNNNText`` element.

    NFC-normalized, control and format characters removed, runs of whitespace collapsed to
    one space, trimmed, optionally folded to ASCII, and cut to at most ``max_len``
    characters without separating a letter from its combining marks. May return ``""``.
    """
    if (
        not ascii_only
        and len(value) <= max_len
        and value.isprintable()  # no controls, format characters or odd spaces
        and "  " not in value
        and value == value.strip()
        and unicodedata.is_normalized("NFC", value)
    ):
        return value  # the common case, checked cheaply
    text = _FORBIDDEN.sub("", _WHITESPACE.sub(" ", value))
    text = to_ascii(text) if ascii_only else unicodedata.normalize("NFC", text)
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > max_len:
        cut = max_len
        # Never keep a base letter whose marks were cut off, nor orphan marks.
        while cut > 0 and unicodedata.combining(text[cut]):
            cut -= 1
        text = text[:cut].rstrip()
    return text
