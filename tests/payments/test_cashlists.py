from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from chitra.payments.export import cashlists
from chitra.payments.export.cashlists import (
    COLUMNS,
    TITLE_CASH,
    TITLE_HOME,
    CashLine,
    CashListError,
    CashListHeader,
    CashTotals,
    write_cash_list_pdf,
    write_cash_list_xlsx,
)

HEADER = CashListHeader(
    province_name="Tỉnh Lai Châu", payment_point_name="Bưu điện xã Tam Đường",
    payment_point_address="Số 1 Trần Hưng Đạo, xã Tam Đường",
    payment_date=date(2026, 11, 11), cycle_label="11/2026", home_delivery=False)
HOME = CashListHeader(
    province_name="Tỉnh Lai Châu", payment_point_name="Chi trả tại nhà",
    payment_point_address="", payment_date=date(2026, 11, 12), cycle_label="11/2026",
    home_delivery=True)
LINES = [
    CashLine(1, "Nguyễn Thị Thuỷ", "012195000123", "Xã Tam Đường", "Lương hưu", 1_234_567, None),
    CashLine(2, "Giàng A Dính", "012060001234", "Xã Mường Tè", "Trợ cấp BHXH hàng tháng",
             2_500_000, "Giàng Thị Mỷ"),
    CashLine(3, "Đặng Văn Ước", "012070000001", "Phường Tân Phong", "Lương hưu", 765_433, None),
]


def _many(n: int) -> Iterator[CashLine]:
    for i in range(1, n + 1):
        yield CashLine(i, f"Lò Văn Pản {i}", f"0121950{i:05d}", "Xã Nậm Hàng", "Lương hưu",
                       1_000_000 + i, None)


def _pdf_text(path: Path, page: int | None = None) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext missing: apt-get install poppler-utils")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"],
                         capture_output=True, check=True, text=True).stdout
    return unicodedata.normalize("NFC", out)


def _rows(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def test_xlsx_has_vietnamese_headings_rows_and_totals(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    totals = write_cash_list_xlsx(out, HEADER, iter(LINES))
    assert totals == CashTotals(3, 4_500_000)
    rows = _rows(out)
    assert rows[3][0] == TITLE_CASH
    assert "Ngày chi trả: 11/11/2026" in str(rows[4][0])
    assert "Bưu điện xã Tam Đường" in str(rows[5][0])
    heading = rows.index(COLUMNS)
    data = rows[heading + 1: heading + 4]
    assert [r[1] for r in data] == [line.full_name for line in LINES]
    assert [r[2] for r in data] == ["012195000123", "012060001234", "012070000001"]
    assert [r[5] for r in data] == [1_234_567, 2_500_000, 765_433]
    assert all(type(r[5]) is int for r in data)
    assert data[1][6] == "Giàng Thị Mỷ"
    assert all(r[7] is None for r in data)  # signature column left blank
    total = rows[heading + 4]
    assert total[1] == "Tổng cộng"
    assert total[2] == "3 người"
    assert total[5] == sum(line.amount for line in LINES)
    flat = [c for r in rows for c in r if isinstance(c, str)]
    assert {"NGƯỜI LẬP BIỂU", "ĐẠI DIỆN BƯU ĐIỆN", "ĐẠI DIỆN UBND XÃ"} <= set(flat)


def test_xlsx_amounts_use_a_thousands_format_and_ids_stay_text(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    write_cash_list_xlsx(out, HEADER, LINES)
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    assert ws["F8"].number_format == "#,##0"
    assert ws["C8"].number_format == "@"
    assert ws.print_title_rows == "$7:$7"
    assert ws.page_setup.orientation == "landscape"


def test_home_delivery_list_has_its_own_title(tmp_path: Path) -> None:
    write_cash_list_xlsx(tmp_path / "home.xlsx", HOME, LINES)
    write_cash_list_pdf(tmp_path / "home.pdf", HOME, LINES)
    assert _rows(tmp_path / "home.xlsx")[3][0] == TITLE_HOME
    assert TITLE_HOME in _pdf_text(tmp_path / "home.pdf")


def test_pdf_keeps_vietnamese_diacritics_and_dotted_totals(tmp_path: Path) -> None:
    out = tmp_path / "list.pdf"
    totals = write_cash_list_pdf(out, HEADER, iter(LINES))
    assert totals == CashTotals(3, 4_500_000)
    text = _pdf_text(out)
    assert out.read_bytes().startswith(b"%PDF-")
    for expected in ("Nguyễn Thị Thuỷ", "Giàng Thị Mỷ", "Đặng Văn Ước", TITLE_CASH,
                     "BẢO HIỂM XÃ HỘI TỈNH LAI CHÂU", "Họ và tên", "Số tiền (đồng)",
                     "1.234.567", "4.500.000", "Tổng cộng", "11/11/2026", "ĐẠI DIỆN UBND XÃ"):
        assert expected in text, expected


def test_pdf_repeats_the_column_headings_on_every_page(tmp_path: Path) -> None:
    out = tmp_path / "long.pdf"
    totals = write_cash_list_pdf(out, HEADER, _many(120))
    assert totals == CashTotals(120, 120 * 1_000_000 + 120 * 121 // 2)
    page2 = _pdf_text(out, page=2)
    assert "Họ và tên" in page2
    assert "Ký nhận" in page2
    assert "Trang 2" in page2
    assert "120.007.260" in _pdf_text(out)


def test_empty_list_still_gives_valid_files_with_zero_totals(tmp_path: Path) -> None:
    assert write_cash_list_xlsx(tmp_path / "e.xlsx", HEADER, []) == CashTotals(0, 0)
    assert write_cash_list_pdf(tmp_path / "e.pdf", HEADER, []) == CashTotals(0, 0)
    rows = _rows(tmp_path / "e.xlsx")
    total = rows[rows.index(COLUMNS) + 1]
    assert (total[1], total[2], total[5]) == ("Tổng cộng", "0 người", 0)
    assert "0 người" in _pdf_text(tmp_path / "e.pdf")


def test_same_input_gives_the_same_pdf_bytes(tmp_path: Path) -> None:
    write_cash_list_pdf(tmp_path / "a.pdf", HEADER, LINES)
    write_cash_list_pdf(tmp_path / "b.pdf", HEADER, LINES)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_writers_leave_no_temporary_files(tmp_path: Path) -> None:
    write_cash_list_xlsx(tmp_path / "l.xlsx", HEADER, LINES)
    write_cash_list_pdf(tmp_path / "l.pdf", HEADER, LINES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.pdf", "l.xlsx"]


@pytest.mark.parametrize("amount", [-1, 1.5, True])
def test_amount_must_be_whole_dong(tmp_path: Path, amount: object) -> None:
    bad = CashLine(1, "A", "012195000123", "X", "Lương hưu", amount, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="đồng"):
        write_cash_list_xlsx(tmp_path / "bad.xlsx", HEADER, [bad])
    assert not (tmp_path / "bad.xlsx").exists()


def test_missing_font_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cashlists, "FONT_DIRS", (tmp_path,))
    with pytest.raises(CashListError, match=r"DejaVuSans\.ttf"):
        cashlists._register_fonts.__wrapped__()
