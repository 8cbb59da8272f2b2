"""Scanned authorization letters (giấy ủy quyền): what an upload must be before it is kept,
and where it is kept.

A letter is a photo (JPEG/PNG) or a PDF. Its first bytes are not trusted (issue 11, hole 3):

- an image is opened and verified by Pillow, decoded under a pixel limit (decompression
  bombs are refused), turned upright and re-encoded without any metadata; the re-encoded
  bytes are what is kept;
- a PDF is parsed by pypdf and refused if it is encrypted, has anything after its last
  ``%%EOF``, or names an action or attachment (``/JavaScript``, ``/JS``, ``/OpenAction``,
  ``/AA``, ``/EmbeddedFiles``, ``/Launch`` …), in its raw bytes or in any object;
- a file that is two things at once (an image that also carries a PDF, zip, HTML or script
  signature; a PDF that does not start with ``%PDF-``) is refused.

Letters are kept under ``VAR_DIR/private/letters``, which no URL serves; only the scoped view
``outreach_method_change_letter`` reads them back (:func:`read_letter`).
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from chitra.core.errors import DomainError

logger = logging.getLogger(__name__)

MAX_LETTER_BYTES = 5 * 1024 * 1024
MAX_LETTER_PIXELS = 40_000_000  # a 40-megapixel phone photo; a bomb declares far more
MAX_LETTER_SIDE = 4000  # kept images are scaled down to this (still readable, smaller)
MAX_PDF_PAGES = 20
MAX_PDF_OBJECTS = 20_000

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"

# Signatures of another kind of file hidden in an image (polyglots).
_FOREIGN_IN_IMAGE = re.compile(
    rb"%PDF-|PK\x03\x04|PK\x05\x06|<\s*(?:html|script|svg|iframe|object|embed|body|"
    rb"\?php|!doctype)|javascript:", re.IGNORECASE)
# … and in a PDF (image streams inside a PDF are normal, markup and archives are not).
_FOREIGN_IN_PDF = re.compile(
    rb"PK\x03\x04|PK\x05\x06|<\s*(?:html|script|svg|iframe|body|\?php|!doctype)",
    re.IGNORECASE)
# PDF names that run something or carry another file.
FORBIDDEN_PDF_NAMES = frozenset({
    "/JavaScript", "/JS", "/OpenAction", "/AA", "/EmbeddedFiles", "/EmbeddedFile",
    "/Launch", "/RichMedia", "/XFA", "/SubmitForm", "/ImportData", "/GoToE", "/GoToR",
})
# The same names in the raw bytes (a name escaped as ``/Open#41ction`` is caught parsed).
_RAW_FORBIDDEN = re.compile(b"(?:" + b"|".join(
    re.escape(n.encode()) for n in sorted(FORBIDDEN_PDF_NAMES, key=len, reverse=True))
    + rb")(?![A-Za-z0-9])")
_PDF_TAIL = re.compile(rb"%%EOF[\x00\t\n\x0c\r ]*\Z")
_KEPT = re.compile(r"letters/[0-9a-f]{32}\.(?:png|jpg|pdf)")
_LEGACY = re.compile(r"authorizations/[0-9a-f]{32}\.(?:png|jpg|pdf)")  # before issue 11

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".pdf": "application/pdf"}


@dataclass(frozen=True)
class Letter:
    """A checked letter: the bytes to keep and serve, and what they are."""

    data: bytes
    suffix: str  # ".png", ".jpg" or ".pdf"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.suffix]


def _refused(vi: str, en: str) -> DomainError:
    return DomainError("letter_type", f"Giấy ủy quyền không được nhận: {vi}",
                       f"The authorization letter is refused: {en}")


def clean_letter(data: bytes) -> Letter:
    """The letter as it may be kept, or :class:`DomainError` saying why it may not."""
    if not data or len(data) > MAX_LETTER_BYTES:
        raise DomainError("letter_size", "Giấy ủy quyền phải là tệp dưới 5 MB.",
                          "The authorization letter must be a file under 5 MB.")
    if data.startswith(PDF_MAGIC):
        return Letter(_checked_pdf(data), ".pdf")
    if data.startswith((PNG_MAGIC, JPEG_MAGIC)):
        return _reencoded_image(data)
    raise DomainError("letter_type", "Giấy ủy quyền phải là PDF, JPG hoặc PNG.",
                      "The authorization letter must be a PDF, JPG or PNG.")


# --- images --------------------------------------------------------------------------------------

def _reencoded_image(data: bytes) -> Letter:
    if _FOREIGN_IN_IMAGE.search(data):
        raise _refused("ảnh có chứa một loại tệp khác (PDF, zip, HTML hoặc mã lệnh).",
                       "the image also carries another kind of file (PDF, zip, HTML or script).")
    expected = "PNG" if data.startswith(PNG_MAGIC) else "JPEG"
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:
            _check_pixels(probe.size)
            probe.verify()  # structure and checksums, without decoding the pixels
        with Image.open(io.BytesIO(data), formats=[expected]) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        logger.warning("authorization letter image refused", exc_info=True)
        raise _refused("ảnh bị hỏng hoặc không đọc được.",
                       "the image is damaged or cannot be read.") from None
    upright.thumbnail((MAX_LETTER_SIDE, MAX_LETTER_SIDE))
    upright.info = {}  # Pillow would carry ICC profiles and comments over into the copy
    out = io.BytesIO()
    if expected == "PNG":
        if upright.mode not in ("1", "L", "LA", "RGB", "RGBA", "P"):
            upright = upright.convert("RGBA" if "A" in upright.mode else "RGB")
        upright.save(out, format="PNG")
        return Letter(out.getvalue(), ".png")
    if upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    upright.save(out, format="JPEG", quality=90)
    return Letter(out.getvalue(), ".jpg")


def _check_pixels(size: tuple[int, int]) -> None:
    limit = min(MAX_LETTER_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_LETTER_PIXELS)
    if size[0] * size[1] > limit:
        raise _too_many_pixels()


def _too_many_pixels() -> DomainError:
    return _refused("ảnh quá lớn (quá nhiều điểm ảnh).", "the image has too many pixels.")


# --- PDFs ----------------------------------------------------------------------------------------

def _checked_pdf(data: bytes) -> bytes:
    if not _PDF_TAIL.search(data):
        raise _refused("tệp PDF có nội dung sau dấu kết thúc %%EOF.",
                       "the PDF has content after its final %%EOF.")
    if _FOREIGN_IN_PDF.search(data):
        raise _refused("tệp PDF có chứa một loại tệp khác (zip, HTML hoặc mã lệnh).",
                       "the PDF also carries another kind of file (zip, HTML or script).")
    if _RAW_FORBIDDEN.search(data):
        raise _active_pdf()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refused("tệp PDF có mật khẩu hoặc mã hoá.", "the PDF is encrypted.")
        pages = len(reader.pages)
        if not 1 <= pages <= MAX_PDF_PAGES:
            raise _refused(f"tệp PDF phải có từ 1 đến {MAX_PDF_PAGES} trang.",
                           f"the PDF must have 1 to {MAX_PDF_PAGES} pages.")
        _walk_pdf(reader)
    # A file that pypdf cannot read through is refused, whatever the parser tripped on.
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            RecursionError, OSError, AssertionError, UnicodeError):
        # Logged: a fault of ours in the walk below would otherwise look like a bad file.
        logger.warning("authorization letter PDF refused", exc_info=True)
        raise _refused("tệp PDF bị hỏng hoặc không đọc được.",
                       "the PDF is damaged or cannot be read.") from None
    return data


def _walk_pdf(reader: PdfReader) -> None:
    """Every object of the file (compressed object streams included) and the trailer: none
    may name an action or an attachment."""
    _check_pdf_value(reader.trailer, 0)
    ids: set[tuple[int, int]] = set()
    for generation, table in reader.xref.items():
        ids.update((num, generation) for num in table)
    ids.update((num, 0) for num in reader.xref_objStm)
    if len(ids) > MAX_PDF_OBJECTS:
        raise _refused("tệp PDF quá phức tạp.", "the PDF has too many objects.")
    for num, generation in sorted(ids):
        obj = reader.get_object(IndirectObject(num, generation, reader))
        _check_pdf_value(obj, 0)


def _check_pdf_value(value: Any, depth: int) -> None:
    if depth > 64:
        raise _refused("tệp PDF lồng quá sâu.", "the PDF nests too deeply.")
    if isinstance(value, NameObject) and str(value) in FORBIDDEN_PDF_NAMES:
        raise _active_pdf()
    if isinstance(value, DictionaryObject):
        for key, item in value.items():
            if str(key) in FORBIDDEN_PDF_NAMES:
                raise _active_pdf()
            if not isinstance(item, IndirectObject):  # indirect ones are walked on their own
                _check_pdf_value(item, depth + 1)
    elif isinstance(value, ArrayObject):
        for item in value:
            if not isinstance(item, IndirectObject):
                _check_pdf_value(item, depth + 1)


def _active_pdf() -> DomainError:
    return _refused("tệp PDF có mã lệnh, hành động tự chạy hoặc tệp đính kèm.",
                    "the PDF has scripts, automatic actions or attached files.")


# --- where letters are kept ---------------------------------------------------------------------

def letters_root() -> Path:
    """Outside MEDIA_ROOT and STATIC_ROOT: no URL maps here."""
    return Path(settings.VAR_DIR) / "private"


def store_letter(letter: Letter) -> str:
    """Write a checked letter; returns the path to record (``letters/<random>.<ext>``)."""
    relative = f"letters/{uuid.uuid4().hex}{letter.suffix}"
    target = letters_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_bytes(letter.data)
    target.chmod(0o600)
    return relative


def read_letter(relative: str) -> Letter | None:
    """The kept letter (``None``: none recorded, or its file is gone). A letter kept before
    issue 11 (under MEDIA_ROOT, never checked) is checked now and served only as cleaned."""
    if _KEPT.fullmatch(relative):
        path = letters_root() / relative
        if not path.is_file():
            return None
        return Letter(path.read_bytes(), Path(relative).suffix)
    if _LEGACY.fullmatch(relative):
        path = Path(settings.MEDIA_ROOT) / relative
        if not path.is_file():
            return None
        return clean_letter(path.read_bytes())
    return None
