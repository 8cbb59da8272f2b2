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
    write_results_template,
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
    CashLine(1, "Nguyễn Thị Thuỷ", "012195000123", "Xã Tam Đường", "Lương hưu", 1_234_567, None,
             "CT202611000000000101"),
    CashLine(2, "Giàng A Dính", "012060001234", "Xã Mường Tè", "Trợ cấp BHXH hàng tháng",
             2_500_000, "Giàng Thị Mỷ", "CT202611000000000102"),
    CashLine(3, "Đặng Văn Ước", "012070000001", "Phường Tân Phong", "Lương hưu", 765_433, None,
             "CT202611000000000103"),
]


def _many(n: int) -> Iterator[CashLine]:
    for i in range(1, n + 1):
        yield CashLine(i, f"Lò Văn Pản {i}", f"0121950{i:05d}", "Xã Nậm Hàng", "Lương hưu",
                       1_000_000 + i, None, f"CT202611{i:012d}")


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
    assert heading == 6  # row 7, repeated on every printed page
    assert [r[0] for r in data] == [1, 2, 3]
    assert [r[1] for r in data] == [line.end_to_end_id for line in LINES]
    assert [r[2] for r in data] == [line.full_name for line in LINES]
    assert [r[3] for r in data] == ["012195000123", "012060001234", "012070000001"]
    assert [r[6] for r in data] == [1_234_567, 2_500_000, 765_433]
    assert all(type(r[6]) is int for r in data)
    assert data[1][7] == "Giàng Thị Mỷ"
    assert all(r[8:] == (None, None, None, None) for r in data)  # left for the post office
    total = rows[heading + 4]
    assert total[1] is None  # no transaction code: the results upload skips the row
    assert total[2] == "Tổng cộng"
    assert total[3] == "3 người"
    assert total[6] == sum(line.amount for line in LINES)
    flat = [c for r in rows for c in r if isinstance(c, str)]
    assert {"NGƯỜI LẬP BIỂU", "ĐẠI DIỆN BƯU ĐIỆN", "ĐẠI DIỆN UBND XÃ"} <= set(flat)


def test_xlsx_amounts_use_a_thousands_format_and_ids_stay_text(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    write_cash_list_xlsx(out, HEADER, LINES)
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    assert ws["G8"].number_format == "#,##0"
    assert ws["D8"].number_format == "@"
    assert ws["B8"].number_format == "@"
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
    assert (total[2], total[3], total[6]) == ("Tổng cộng", "0 người", 0)
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


def test_same_input_gives_the_same_xlsx_bytes(tmp_path: Path) -> None:
    write_cash_list_xlsx(tmp_path / "a.xlsx", HEADER, LINES)
    write_cash_list_xlsx(tmp_path / "b.xlsx", HEADER, list(LINES))
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_pdf_prints_each_transaction_code_under_the_name(tmp_path: Path) -> None:
    from pypdf import PdfReader

    out = tmp_path / "list.pdf"
    write_cash_list_pdf(out, HEADER, LINES)
    text = _pdf_text(out)
    extracted = unicodedata.normalize(
        "NFC", "".join(page.extract_text() for page in PdfReader(out).pages))
    for line in LINES:
        assert line.end_to_end_id in text
        assert line.end_to_end_id in extracted
    assert "Nguyễn Thị Thuỷ" in extracted


def test_template_has_headings_on_the_first_row_and_no_totals(tmp_path: Path) -> None:
    out = tmp_path / "mau.xlsx"
    assert write_results_template(out, HEADER, LINES) == CashTotals(3, 4_500_000)
    rows = _rows(out)
    assert rows[0] == COLUMNS
    assert [r[1] for r in rows[1:]] == [line.end_to_end_id for line in LINES]
    assert len(rows) == 4


def test_result_columns_offer_the_answers_the_upload_reads(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    write_cash_list_xlsx(out, HEADER, LINES)
    ws = openpyxl.load_workbook(out).active
    assert ws is not None
    checks = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert checks == {"I8:I10": '"Đã chi,Chưa nhận"',
                      "J8:J10": '"Vắng mặt,Đã chết,Từ chối nhận,Khác"'}
    assert ws.freeze_panes == "A8"
    assert {str(r) for r in ws.merged_cells.ranges} == {"A4:L4", "A5:L5", "A6:L6"}


def test_text_that_looks_like_a_formula_or_markup_stays_text(tmp_path: Path) -> None:
    hostile = CashLine(1, '=HYPERLINK("http://x","bấm")', "012195000123", "<b>Xã & Co</b>",
                       "Lương\x01 hưu", 100, "@SUM(A1)", "CT202611000000000101")
    out = tmp_path / "h.xlsx"
    write_cash_list_xlsx(out, HEADER, [hostile])
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert ws is not None
    row = next(r for r in ws.iter_rows(min_row=8, max_row=8))
    assert row[2].value == '\'=HYPERLINK("http://x","bấm")'
    assert row[2].data_type == "s"
    assert row[4].value == "<b>Xã & Co</b>"
    assert row[5].value == "Lương hưu"
    assert row[7].value == "'@SUM(A1)"
    write_cash_list_pdf(tmp_path / "h.pdf", HEADER, [hostile])
    assert "<b>Xã & Co</b>" in _pdf_text(tmp_path / "h.pdf")


def test_a_name_too_long_for_its_column_is_drawn_smaller_or_cut(tmp_path: Path) -> None:
    long = CashLine(1, "Nguyễn Thị Thuỷ " * 12, "012195000123", "Xã Nậm Hàng", "Lương hưu",
                    100, None, "CT202611000000000101")
    out = tmp_path / "long.pdf"
    write_cash_list_pdf(out, HEADER, [long])
    text = _pdf_text(out)
    assert "Nguyễn Thị Thuỷ Nguyễn" in text
    assert "…" in text
    assert "CT202611000000000101" in text
