"""Reading an import file as rows of strings, streaming (DESIGN §6: csv and xlsx).

CSV: UTF-8 (a BOM is dropped) or else Windows-1258, detected on the first bytes; XLSX:
openpyxl in read-only mode, after :func:`chitra.core.xlsx_guard.check_xlsx` has looked at the
archive (zip bombs, too many shared strings, XML DTDs and entities are refused before any
XML parser runs); an XML error while reading is a refusal too, never a crash. Text typed in
the legacy TCVN3/VNI fonts is detected and the whole file refused: it must be converted to
Unicode first (e.g. with Unikey's converter).
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from defusedxml.common import DefusedXmlException

from chitra.core.errors import DomainError
from chitra.core.text import VIETNAMESE_LETTERS, legacy_encoding
from chitra.core.xlsx_guard import LIMITS, XlsxLimits, XlsxRefused, check_xlsx

SAMPLE_BYTES = 256 * 1024
MAX_COLUMNS = 100

LEGACY_NAMES = {"TCVN3": "TCVN3 (ABC)", "VNI": "VNI"}


class FileRefused(DomainError):
    """The whole file cannot be read as an import; nothing was changed."""


def legacy_refusal(kind: str) -> FileRefused:
    name = LEGACY_NAMES.get(kind, kind)
    return FileRefused(
        "legacy_encoding",
        f"Tệp dùng bảng mã cũ {name}, không phải Unicode. Hãy chuyển mã sang Unicode "
        "(ví dụ bằng công cụ chuyển mã của Unikey) rồi nhập lại. Không có gì được thay đổi.",
        f"The file is typed in the legacy {name} encoding, not Unicode. Convert it to "
        "Unicode (e.g. with Unikey's converter) and import it again. Nothing was changed.")


# A value made only of ASCII and Vietnamese letters cannot be legacy-font text; anything
# else is handed to core.text.legacy_encoding.
_PLAIN = re.compile("[\\x00-\\x7f" + re.escape(
    "".join(sorted(VIETNAMESE_LETTERS | {c.upper() for c in VIETNAMESE_LETTERS}))) + "]*")


def check_legacy(value: str) -> None:
    """Raise :class:`FileRefused` if ``value`` is TCVN3/VNI text."""
    if _PLAIN.fullmatch(value) is None:
        kind = legacy_encoding(value)
        if kind:
            raise legacy_refusal(kind)


@dataclass
class Table:
    """A file opened for reading: its header cells and its data rows."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    total_hint: int  # number of data rows, or an estimate (for progress)
    encoding: str
    closer: Any = None
    delimiter: str = ","  # csv only
    # xlsx only: column index → width, for numbers Excel stored without their leading zeros
    zero_pad: dict[int, int] = field(default_factory=dict)

    def close(self) -> None:
        if self.closer is not None:
            self.closer.close()


def open_table(path: Path, *, xlsx_limits: XlsxLimits | None = LIMITS) -> Table:
    """``path`` opened for reading. An xlsx archive is checked against ``xlsx_limits``
    first (None: already checked, by whoever opened this same file before)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _open_xlsx(path, xlsx_limits)
    if suffix == ".csv":
        return _open_csv(path)
    raise FileRefused("file_type", "Chỉ nhận tệp .csv hoặc .xlsx.",
                      "Only .csv and .xlsx files are accepted.")


def _empty() -> FileRefused:
    return FileRefused("file_empty", "Tệp rỗng hoặc không có dòng tiêu đề.",
                       "The file is empty or has no header row.")


def _binary() -> FileRefused:
    return FileRefused("file_not_text",
                       "Tệp không phải văn bản CSV (UTF-8 hoặc Windows-1258).",
                       "The file is not CSV text (UTF-8 or Windows-1258).")


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig`` if the sample is UTF-8 (maybe cut mid-character), else ``cp1258``."""
    if b"\x00" in sample:
        raise _binary()
    if sample.startswith(b"PK\x03\x04"):
        raise FileRefused("file_is_xlsx", "Tệp là bảng tính Excel; hãy đặt đuôi .xlsx.",
                          "The file is an Excel workbook; name it .xlsx.")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1258")
    except UnicodeDecodeError as e:
        raise _binary() from e
    return "cp1258"


def _open_csv(path: Path) -> Table:
    size = path.stat().st_size
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    if not sample.strip(b"\xef\xbb\xbf \t\r\n"):
        raise _empty()
    encoding = detect_encoding(sample)
    head = sample.decode(encoding, errors="replace")
    legacy = legacy_encoding(head)
    if legacy:
        raise legacy_refusal(legacy)
    first_line = head.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # Progress estimate from the sample's average line length.
    lines_in_sample = max(sample.count(b"\n"), 1)
    total_hint = max(int(size * lines_in_sample / max(len(sample), 1)) - 1, 0)
    if size <= SAMPLE_BYTES:
        total_hint = max(sample.rstrip(b"\r\n").count(b"\n"), 0)

    f = path.open(encoding=encoding, newline="", errors="strict")
    reader = csv.reader(f, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        f.close()
        raise _empty() from None
    except (csv.Error, UnicodeDecodeError) as e:
        f.close()
        raise malformed(1, e) from e
    if not any(h.strip() for h in header):
        f.close()
        raise _empty()
    if len(header) > MAX_COLUMNS:
        f.close()
        raise FileRefused("too_many_columns", "Tệp có quá nhiều cột.",
                          "The file has too many columns.")

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = 1
        try:
            for cells in reader:
                line = reader.line_num
                if cells and any(cells):
                    yield line, cells
        except UnicodeDecodeError as e:
            raise encoding_mixed(line) from e
        except csv.Error as e:
            raise malformed(line + 1, e) from e

    return Table([h.strip() for h in header], rows(), total_hint,
                 "utf-8" if encoding == "utf-8-sig" else encoding, f, delimiter=delimiter)


def encoding_mixed(line: int) -> FileRefused:
    return FileRefused(
        "encoding_mixed",
        f"Tệp trộn lẫn nhiều bảng mã (sau dòng {line}); hãy lưu lại dạng CSV UTF-8.",
        f"The file mixes encodings (after line {line}); save it again as CSV UTF-8.")


def malformed(line: int, e: Exception) -> FileRefused:
    return FileRefused("csv_malformed",
                       f"Tệp CSV hỏng ở dòng {line} (ví dụ một ô quá dài hoặc thiếu dấu nháy).",
                       f"The CSV file is malformed at line {line} ({e}).")


def cell_text(value: object) -> str:
    """An xlsx cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xml_errors() -> tuple[type[BaseException], ...]:
    """What the XML parsers under openpyxl raise on a bad or hostile part: ``ParseError``
    and lxml's syntax errors are ``SyntaxError``s; defusedxml's refusals (DTD, entities)
    are ``DefusedXmlException`` (a ``ValueError``); lxml's other errors."""
    errors: tuple[type[BaseException], ...] = (SyntaxError, DefusedXmlException)
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - openpyxl then uses the standard library
        return errors
    return (*errors, etree.LxmlError)


def _xlsx_malformed(row: int | None = None) -> FileRefused:
    where_vi = f" (ở dòng {row})" if row else ""
    where_en = f" (at row {row})" if row else ""
    return FileRefused("xlsx_malformed",
                       f"Tệp .xlsx hỏng hoặc chứa nội dung XML không được phép{where_vi}; "
                       "hãy lưu lại bằng Excel rồi nhập lại. Không có gì được thay đổi.",
                       f"The .xlsx file is damaged or holds XML that is not allowed"
                       f"{where_en}; save it again with Excel and import it again. "
                       "Nothing was changed.")


def _open_xlsx(path: Path, limits: XlsxLimits | None = LIMITS) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(path):
        raise FileRefused("xlsx_unreadable", "Tệp .xlsx không đọc được (không phải bảng tính).",
                          "The .xlsx file cannot be read (not a workbook).")
    if limits is not None:
        try:
            check_xlsx(path, limits)
        except XlsxRefused as e:
            raise FileRefused(e.code, e.message_vi + " Không có gì được thay đổi.",
                              e.message_en + " Nothing was changed.") from e
    xml_errors = _xml_errors()
    read_errors: tuple[type[BaseException], ...] = (
        *xml_errors, ValueError, OverflowError, KeyError, TypeError)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb.worksheets[0]
    except xml_errors as e:
        raise _xlsx_malformed() from e
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            IndexError, TypeError) as e:
        raise FileRefused("xlsx_unreadable", "Tệp .xlsx không đọc được (không phải bảng tính).",
                          "The .xlsx file cannot be read (not a workbook).") from e
    it = ws.iter_rows(values_only=True)
    try:
        first = next(it)
    except StopIteration:
        wb.close()
        raise _empty() from None
    except read_errors as e:
        wb.close()
        raise _xlsx_malformed(1) from e
    header = [cell_text(v).strip() for v in first[:MAX_COLUMNS]]
    if not any(header):
        wb.close()
        raise _empty()
    legacy = legacy_encoding(" ".join(header))
    if legacy:
        wb.close()
        raise legacy_refusal(legacy)
    total_hint = max((ws.max_row or 1) - 1, 0)
    table = Table(header, iter(()), total_hint, "xlsx", wb)

    def rows() -> Iterator[tuple[int, list[str]]]:
        pad = table.zero_pad
        n = 1
        try:
            for n, values in enumerate(it, start=2):
                if not values or all(v is None or v == "" for v in values):
                    continue
                cells = [cell_text(v) for v in values[:MAX_COLUMNS]]
                for i, width in pad.items():
                    if i < len(values) and isinstance(values[i], int | float):
                        cells[i] = cells[i].zfill(width)
                yield n, cells
        except read_errors as e:
            # a damaged or hostile part found while reading: refused, not a crash
            raise _xlsx_malformed(n + 1) from e

    table.rows = rows()
    return table
