"""The layout of the files exchanged with the police (docs/population-file-exchange.md).

Two files: the *request* BHXH sends (one row per person asked about) and the police's
*answer* (one row per person, as the population database holds them). Each has a header
row of fixed columns, in a fixed order; a header cell is either the Vietnamese heading or
the stable English key (matched without case, accents or extra spaces). Every row carries
the batch reference, so an answer meant for another batch is refused as a whole.

The cell formats (``dd/mm/yyyy``, ``Nam``/``Nữ``, ``Có``/``Không``) and the limits live here,
with the bilingual messages of what is refused or set aside; reading and writing are in
:mod:`chitra.verification.exchange`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from chitra.core.identifiers import Sex
from chitra.core.tabular import FORMULA_STARTS
from chitra.core.text import fold_key
from chitra.registry.importing.reading import FileRefused

FileFormat = Literal["xlsx", "csv"]
FORMATS: tuple[FileFormat, ...] = ("xlsx", "csv")

# An answer is at most this many data rows and bytes (a request too: the police's answer to
# a bigger one would be refused). A batch of a province's beneficiaries is split below it.
MAX_ROWS = 500_000
MAX_FILE_BYTES = 256 << 20
MAX_NOTE_LENGTH = 1000
MAX_ADDRESS_LENGTH = 500
CITIZEN_ID_WIDTH = 12
WARD_CODE_WIDTH = 5

# A batch reference: short, printable ASCII, never read as a formula by a spreadsheet.
BATCH_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
_CITIZEN_ID = re.compile(r"[0-9]{12}")
_WARD_CODE = re.compile(r"[0-9]{5}")
_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
# Control characters (tab and line breaks too) and invisible or text-direction characters.
_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

YES, NO = "Có", "Không"
SEX_TEXT = {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}
_SEX = {"nam": Sex.MALE, "nu": Sex.FEMALE}
_YES_NO = {"co": True, "khong": False}


@dataclass(frozen=True)
class Column:
    key: str  # stable English key
    heading: str  # the Vietnamese heading written in the file
    text: bool = False  # written as a text cell in xlsx (IDs, codes, dates)
    width: int = 14


REQUEST_COLUMNS = (
    Column("seq", "STT", width=7),
    Column("batch_ref", "Mã đợt đối soát", text=True, width=18),
    Column("citizen_id", "Số định danh cá nhân", text=True, width=16),
    Column("full_name", "Họ và tên", width=28),
    Column("date_of_birth", "Ngày sinh", text=True, width=12),
    Column("sex", "Giới tính", width=9),
    Column("ward_code", "Mã phường/xã", text=True, width=12),
    Column("address", "Địa chỉ", width=40),
)

ANSWER_COLUMNS = (
    Column("seq", "STT", width=7),
    Column("batch_ref", "Mã đợt đối soát", text=True, width=18),
    Column("citizen_id", "Số định danh cá nhân", text=True, width=16),
    Column("found", "Tìm thấy", width=9),
    Column("full_name", "Họ và tên", width=28),
    Column("date_of_birth", "Ngày sinh", text=True, width=12),
    Column("sex", "Giới tính", width=9),
    Column("ward_code", "Mã phường/xã nơi cư trú", text=True, width=14),
    Column("deceased", "Đã chết", width=9),
    Column("death_date", "Ngày chết", text=True, width=12),
    Column("note", "Ghi chú", width=30),
)


def headings(columns: tuple[Column, ...]) -> list[str]:
    return [c.heading for c in columns]


def check_batch_ref(batch_ref: str) -> str:
    """``batch_ref`` if it is a valid batch reference, else ``ValueError`` (a caller's bug)."""
    if not isinstance(batch_ref, str) or BATCH_REF.fullmatch(batch_ref) is None:
        raise ValueError(f"a batch reference is 1–64 letters, digits, '.', '_', '/' or '-' "
                         f"starting with a letter or digit, not {batch_ref!r}")
    return batch_ref


# -- reading cells --------------------------------------------------------------------------

def unguard(value: str) -> str:
    """A cell as it was before :func:`chitra.core.tabular.safe_cell` guarded it."""
    if value[:1] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def parse_date(text: str) -> date | None:
    """``dd/mm/yyyy`` (one-digit day or month too) as a date, or None if it is none."""
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:  # 30/02, 31/04, 29/02 of a common year
        return None


def format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def parse_sex(text: str) -> Sex | None:
    return _SEX.get(fold_key(text))


def parse_yes_no(text: str) -> bool | None:
    return _YES_NO.get(fold_key(text))


def is_citizen_id(text: str) -> bool:
    return _CITIZEN_ID.fullmatch(text) is not None


def is_ward_code(text: str) -> bool:
    return _WARD_CODE.fullmatch(text) is not None


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


def resolve_header(header: list[str], columns: tuple[Column, ...], what_vi: str,
                   what_en: str) -> dict[str, int]:
    """Column key → index, or :class:`FileRefused` if ``header`` is not the layout.

    Each cell is the Vietnamese heading or the English key, in the layout's order; empty
    cells after the last column are ignored."""
    cells = list(header)
    while cells and not cells[-1].strip():
        cells.pop()
    for i, column in enumerate(columns):
        found = cells[i] if i < len(cells) else ""
        if fold_key(found) not in {fold_key(column.heading), column.key}:
            raise _header_refused(i + 1, column, found, what_vi, what_en)
    if len(cells) > len(columns):
        extra = cells[len(columns)]
        raise FileRefused(
            "exchange_header",
            f"Dòng tiêu đề không đúng mẫu {what_vi}: thừa cột {len(columns) + 1} "
            f"('{_short(extra)}'). Không có gì được thay đổi.",
            f"The header row is not the {what_en} layout: extra column {len(columns) + 1} "
            f"('{_short(extra)}'). Nothing was changed.")
    return {c.key: i for i, c in enumerate(columns)}


def _short(text: str, n: int = 40) -> str:
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= n else text[:n] + "…"


def _header_refused(n: int, column: Column, found: str, what_vi: str,
                    what_en: str) -> FileRefused:
    return FileRefused(
        "exchange_header",
        f"Dòng tiêu đề không đúng mẫu {what_vi}: cột {n} phải là '{column.heading}', "
        f"tệp ghi '{_short(found)}'. Không có gì được thay đổi.",
        f"The header row is not the {what_en} layout: column {n} must be "
        f"'{column.heading}' ({column.key}), the file has '{_short(found)}'. "
        "Nothing was changed.")


# -- whole-file refusals ----------------------------------------------------------------------

def too_big(limit: int) -> FileRefused:
    return FileRefused(
        "exchange_too_big",
        f"Tệp lớn quá {limit >> 20} MB. Hãy chia đợt nhỏ hơn. Không có gì được thay đổi.",
        f"The file is larger than {limit >> 20} MB. Split the batch. Nothing was changed.")


def too_many_rows(limit: int) -> FileRefused:
    n = f"{limit:,}"
    return FileRefused(
        "exchange_too_many_rows",
        f"Tệp có quá {n.replace(',', '.')} dòng. Hãy chia đợt nhỏ hơn. "
        "Không có gì được thay đổi.",
        f"The file has more than {n} rows. Split the batch. Nothing was changed.")


def no_rows() -> FileRefused:
    return FileRefused(
        "exchange_no_rows",
        "Tệp không có dòng dữ liệu nào nên không xác định được đợt đối soát. "
        "Không có gì được thay đổi.",
        "The file has no data rows, so its batch cannot be told. Nothing was changed.")


def batch_missing(row: int) -> FileRefused:
    return FileRefused(
        "exchange_batch_missing",
        f"Dòng {row} không ghi mã đợt đối soát; không thể biết tệp thuộc đợt nào. "
        "Không có gì được thay đổi.",
        f"Row {row} has no batch reference; the file cannot be told to belong to this "
        "batch. Nothing was changed.")


def batch_other(row: int, found: str, expected: str) -> FileRefused:
    return FileRefused(
        "exchange_batch_other",
        f"Dòng {row} thuộc đợt '{_short(found)}', không phải đợt '{expected}'. Tệp bị từ "
        "chối; không có gì được thay đổi.",
        f"Row {row} belongs to batch '{_short(found)}', not to batch '{expected}'. The file "
        "is refused; nothing was changed.")


def bad_request_row(row: int, reason_vi: str, reason_en: str) -> FileRefused:
    return FileRefused(
        "exchange_request_row",
        f"Dòng {row} của tệp yêu cầu không hợp lệ: {reason_vi} Không có gì được thay đổi.",
        f"Row {row} of the request file is not valid: {reason_en} Nothing was changed.")


# -- rows set aside -------------------------------------------------------------------------

SET_ASIDE: dict[str, tuple[str, str]] = {
    "id_invalid": ("Số định danh cá nhân phải gồm đúng 12 chữ số.",
                   "The personal ID must be exactly 12 digits."),
    "unknown_id": ("Số định danh này không có trong đợt đối soát đã gửi.",
                   "This personal ID was not asked about in this batch."),
    "duplicate_id": ("Số định danh xuất hiện nhiều lần trong tệp (dòng {rows}); không dòng "
                     "nào được dùng.",
                     "The personal ID is in the file more than once (rows {rows}); none of "
                     "them is used."),
    "found_invalid": ("Cột 'Tìm thấy' phải ghi Có hoặc Không.",
                      "The column 'Tìm thấy' (found) must be Có (yes) or Không (no)."),
    "not_found_deceased": ("Ghi không tìm thấy nhưng lại ghi đã chết hoặc ngày chết.",
                           "Not found, yet marked deceased or given a date of death."),
    "name_missing": ("Người được tìm thấy nhưng thiếu họ tên.",
                     "A person found has no full name."),
    "name_control": ("Họ tên có ký tự điều khiển hoặc ký tự ẩn.",
                     "The name has control or invisible characters."),
    "dob_invalid": ("Ngày sinh không hợp lệ; dùng dạng dd/mm/yyyy.",
                    "Not a valid date of birth; use dd/mm/yyyy."),
    "dob_future": ("Ngày sinh ở tương lai.", "The date of birth is in the future."),
    "sex_invalid": ("Giới tính phải ghi Nam hoặc Nữ.", "Sex must be Nam (male) or Nữ (female)."),
    "ward_invalid": ("Mã phường/xã phải gồm 5 chữ số (hoặc để trống).",
                     "The ward code must be 5 digits (or empty)."),
    "deceased_invalid": ("Cột 'Đã chết' phải ghi Có hoặc Không (hoặc để trống).",
                         "The column 'Đã chết' (deceased) must be Có, Không or empty."),
    "death_date_invalid": ("Ngày chết không hợp lệ; dùng dạng dd/mm/yyyy.",
                           "Not a valid date of death; use dd/mm/yyyy."),
    "death_date_missing": ("Ghi đã chết nhưng không có ngày chết.",
                           "Marked deceased without a date of death."),
    "death_date_not_deceased": ("Có ngày chết nhưng cột 'Đã chết' không ghi Có.",
                                "A date of death, but not marked deceased."),
    "death_before_birth": ("Ngày chết trước ngày sinh.",
                           "The date of death is before the date of birth."),
    "death_future": ("Ngày chết ở tương lai.", "The date of death is in the future."),
    "note_invalid": (f"Ghi chú có ký tự điều khiển hoặc dài quá {MAX_NOTE_LENGTH} ký tự.",
                     f"The note has control characters or is longer than "
                     f"{MAX_NOTE_LENGTH} characters."),
}
