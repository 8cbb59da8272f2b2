"""An xlsx is a zip of XML: look at the archive before any parser does.

A 1 MB upload can expand to gigabytes (a zip bomb), hold tens of millions of shared strings
(which openpyxl keeps in memory), or carry a DTD with entities. :func:`check_xlsx` reads only
the zip directory and the first bytes of each XML member, and refuses such a file with a
clear bilingual message before openpyxl opens it.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from chitra.core.errors import DomainError


@dataclass(frozen=True)
class XlsxLimits:
    # An office workbook of a million rows is a few hundred MB of XML.
    max_total_bytes: int = 1 << 30
    max_members: int = 200
    # Sheet XML compresses 5–30×; a bomb compresses thousands of times.
    max_ratio: int = 200
    max_shared_strings: int = 5_000_000
    # The prolog (XML declaration, comments) before the root element.
    max_prolog_bytes: int = 64 << 10


LIMITS = XlsxLimits()
_SMALL = 1 << 20  # members below this may compress as well as they like
_SHARED = "xl/sharedStrings.xml"


class XlsxRefused(DomainError):
    http_status = 400


def _refuse(code: str, vi: str, en: str) -> XlsxRefused:
    return XlsxRefused(code, vi, en)


def check_xlsx(path: Path, limits: XlsxLimits = LIMITS) -> None:
    """Raise :class:`XlsxRefused` unless ``path`` is a zip whose size, ratio, member count,
    shared strings and XML prologs are within ``limits``."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > limits.max_members:
                raise _refuse("xlsx_too_many_parts",
                              f"Tệp .xlsx có quá nhiều thành phần ({len(members)}).",
                              f"The .xlsx file has too many parts ({len(members)}).")
            total = sum(m.file_size for m in members)
            if total > limits.max_total_bytes:
                raise _refuse("xlsx_too_large",
                              "Tệp .xlsx khi giải nén quá lớn (giới hạn "
                              f"{limits.max_total_bytes >> 20} MB).",
                              "The .xlsx file is too large once decompressed (limit "
                              f"{limits.max_total_bytes >> 20} MB).")
            for m in members:
                if m.file_size > _SMALL and m.file_size > limits.max_ratio * max(
                        m.compress_size, 1):
                    raise _refuse("xlsx_bomb",
                                  "Tệp .xlsx nén bất thường (nghi là bom nén); không đọc.",
                                  "The .xlsx file is abnormally compressed (a zip bomb?); "
                                  "not read.")
            for m in members:
                if m.filename.endswith((".xml", ".rels", ".vml")):
                    _check_prolog(zf, m, limits, shared=m.filename == _SHARED)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
        raise _refuse("xlsx_unreadable", "Tệp .xlsx không đọc được (không phải bảng tính).",
                      "The .xlsx file cannot be read (not a workbook).") from e


def _check_prolog(zf: zipfile.ZipFile, m: zipfile.ZipInfo, limits: XlsxLimits,
                  shared: bool) -> None:
    """No DTD before the root element; the shared-string count within the limit."""
    with zf.open(m) as f:
        head = f.read(limits.max_prolog_bytes)
    root = re.search(rb"<[A-Za-z_]", head)
    prolog = head[:root.start()] if root else head
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in head.upper():
        raise _refuse("xlsx_dtd",
                      "Tệp .xlsx chứa khai báo DTD/thực thể XML; không đọc.",
                      "The .xlsx file contains an XML DTD or entity declaration; not read.")
    if root is None and len(head) >= limits.max_prolog_bytes:
        raise _refuse("xlsx_unreadable", "Tệp .xlsx không đọc được (không phải bảng tính).",
                      "The .xlsx file cannot be read (not a workbook).")
    if shared and _shared_strings_over(zf, m, limits.max_shared_strings):
        raise _refuse("xlsx_too_many_strings",
                      "Tệp .xlsx có quá nhiều chuỗi văn bản (giới hạn "
                      f"{limits.max_shared_strings:,}).".replace(",", "."),
                      "The .xlsx file has too many text strings (limit "
                      f"{limits.max_shared_strings:,}).")


def _shared_strings_over(zf: zipfile.ZipFile, m: zipfile.ZipInfo, limit: int) -> bool:
    """Count the ``<si>`` elements streaming (the declared count may lie); stop past limit."""
    seen, tail = 0, b""
    with zf.open(m) as f:
        while chunk := f.read(1 << 20):
            block = tail + chunk
            seen += block.count(b"<si>") + block.count(b"<si ") + block.count(b"<si/")
            tail = block[-3:]
            # An element split across chunks is counted once: the tail is too short to
            # hold a whole ``<si>`` and so is never counted by itself.
            if seen > limit:
                return True
    return False
