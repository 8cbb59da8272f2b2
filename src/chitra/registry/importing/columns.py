"""The documented column layout of a beneficiary import file (docs/import-format.md).

Headers are matched accent-, case- and space-insensitively (``core.text.fold_key``), so
``Họ và tên``, ``HO VA TEN`` and the English alias ``full_name`` all name the same column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chitra.core.errors import Problem
from chitra.core.text import fold_key


@dataclass(frozen=True)
class Column:
    key: str  # canonical English name, also accepted as a header
    header_vi: str  # the header the template writes
    description_vi: str
    description_en: str
    example: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    max_length: int = 200


COLUMNS: tuple[Column, ...] = (
    Column("citizen_id", "Số định danh cá nhân", "12 chữ số (CCCD)",
           "12-digit personal ID", "012058000123", True,
           ("so dinh danh", "so cccd", "cccd", "so dinh danh ca nhan/cccd", "personal_id"), 12),
    Column("bhxh_code", "Mã số BHXH", "10 chữ số, không bắt buộc",
           "legacy 10-digit BHXH code, optional", "1201234567", False,
           ("ma bhxh", "so bhxh", "ma so bao hiem xa hoi"), 10),
    Column("full_name", "Họ và tên", "Họ tên người hưởng", "beneficiary's full name",
           "Lò Văn Pọm", True, ("ho ten", "ten", "name"), 120),
    Column("date_of_birth", "Ngày sinh", "dd/mm/yyyy", "dd/mm/yyyy", "14/03/1958", True,
           ("dob", "birth_date"), 20),
    Column("sex", "Giới tính", "Nam / Nữ (hoặc M / F)", "Nam / Nữ (or M / F)", "Nam", True,
           ("gioi", "gender"), 10),
    Column("ward_code", "Mã phường/xã", "mã phường/xã hiện hành (5 chữ số) trong tỉnh",
           "current 5-digit ward code in the province", "03388", False,
           ("ma phuong xa", "ma xa", "ward"), 5),
    Column("ward_code_2024", "Mã phường/xã trước 01/07/2025",
           "mã phường/xã cũ (trước sắp xếp), được chuyển sang mã mới",
           "pre-reform ward code, mapped to the current ward", "", False,
           ("ma phuong xa 2024", "ma xa cu", "ma phuong xa cu"), 5),
    Column("street", "Địa chỉ", "số nhà, tổ, bản", "street address", "Tổ 1", False,
           ("dia chi", "address"), 200),
    Column("phone", "Số điện thoại", "không bắt buộc", "optional", "0912345678", False,
           ("dien thoai", "sdt"), 15),
    Column("benefit_type", "Loại chế độ", "xem bảng giá trị", "see the value table",
           "Lương hưu", True, ("che do", "loai tro cap"), 60),
    Column("benefit_amount", "Số tiền hưởng", "số đồng, > 0 (1.234.567 hoặc 1234567)",
           "amount in đồng, > 0", "5.250.000", True,
           ("so tien", "muc huong", "amount"), 30),
    Column("benefit_start", "Ngày bắt đầu hưởng", "dd/mm/yyyy", "dd/mm/yyyy", "01/01/2020",
           True, ("tu ngay", "ngay huong", "start_date"), 20),
    Column("benefit_end", "Ngày kết thúc hưởng", "dd/mm/yyyy, không bắt buộc",
           "dd/mm/yyyy, optional", "", False, ("den ngay", "end_date"), 20),
    Column("channel", "Hình thức nhận", "Tiền mặt / Tài khoản ngân hàng / Ví điện tử",
           "cash / bank_account / ewallet", "Tài khoản ngân hàng", True,
           ("hinh thuc chi tra", "phuong thuc nhan"), 40),
    Column("provider", "Ngân hàng/Ví điện tử", "tên viết tắt hoặc mã BIN NAPAS",
           "short name or NAPAS BIN", "Agribank", False,
           ("ngan hang", "ma ngan hang", "ngan hang vi dien tu"), 40),
    Column("account_number", "Số tài khoản", "chỉ chữ số", "digits only", "8800205123456",
           False, ("so tk", "tai khoan"), 34),
    Column("account_holder", "Chủ tài khoản", "tên chủ tài khoản", "account holder name",
           "LO VAN POM", False, ("ten chu tai khoan", "holder_name"), 120),
    Column("payment_point", "Mã điểm chi trả", "không bắt buộc", "optional", "", False,
           ("diem chi tra", "payment_point_code"), 20),
)

BY_KEY = {c.key: c for c in COLUMNS}
KEYS = tuple(c.key for c in COLUMNS)

_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.key, _c.key.replace("_", " "), _c.header_vi, *_c.aliases):
        _ALIASES[fold_key(_name).replace("_", " ")] = _c.key


def column_for_header(header: str) -> str | None:
    """The column key a header cell names, or None for a column we do not read."""
    return _ALIASES.get(fold_key(header.lstrip("\ufeff")).replace("_", " "))


@dataclass(frozen=True)
class Layout:
    """Where each known column sits in the file's rows (index into the row's cells)."""

    index: dict[str, int]

    def has(self, key: str) -> bool:
        return key in self.index


def resolve_header(cells: Sequence[str]) -> tuple[Layout, list[Problem]]:
    """Map header cells to columns; every missing or repeated column is a problem (row 1)."""
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for i, cell in enumerate(cells):
        key = column_for_header(cell or "")
        if key is None:
            continue
        if key in index:
            problems.append(Problem(1, cell, cell, "column_repeated",
                                    f"Cột “{cell}” xuất hiện hai lần.",
                                    f"Column “{cell}” appears twice."))
            continue
        index[key] = i
    for c in COLUMNS:
        if c.required and c.key not in index:
            problems.append(Problem(1, c.header_vi, "", "column_missing",
                                    f"Thiếu cột bắt buộc “{c.header_vi}” ({c.key}).",
                                    f"Required column “{c.key}” ({c.header_vi}) is missing."))
    if "ward_code" not in index and "ward_code_2024" not in index:
        c = BY_KEY["ward_code"]
        problems.append(Problem(1, c.header_vi, "", "column_missing",
                                f"Thiếu cột “{c.header_vi}” (hoặc mã phường/xã 2024).",
                                "Column “ward_code” (or ward_code_2024) is missing."))
    return Layout(index), problems
