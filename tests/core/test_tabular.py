"""The shared csv/xlsx writer: formula-like text stays text (OWASP CSV injection rule), numbers
and dates stay typed, and a workbook saved twice gives the same bytes."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from chitra.core import tabular

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tX", "\rX", "\nX",
            "＝1+1", "＋1", "－1", "＠SUM(A1)"]
PLAIN = ["Nguyễn Văn Đức", "a=b", "1+1", "", " =1", "'=already"]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_like_text_gets_an_apostrophe(value: str) -> None:
    assert tabular.safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", [*PLAIN, 0, -5, 1.5, None, date(2026, 11, 1), True])
def test_other_values_are_left_alone(value: object) -> None:
    assert tabular.safe_cell(value) == value
    assert type(tabular.safe_cell(value)) is type(value)


def test_csv_text_is_excel_utf8_with_crlf_and_safe_cells() -> None:
    text = "".join(tabular.csv_text([("ho_ten", "so_tien"), ("=1+1", -3),
                                     ("Lò Văn Pọm", 3_100_000)]))
    assert text.startswith("\ufeff")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert rows == [["ho_ten", "so_tien"], ["'=1+1", "-3"], ["Lò Văn Pọm", "3100000"]]
    assert tabular.csv_bytes([("=1",)], bom=False) == b"'=1\r\n"


def test_xlsx_cell_drops_what_xml_cannot_carry_then_neutralises() -> None:
    assert tabular.xlsx_cell("\x01=SUM(A1)") == "'=SUM(A1)"
    assert tabular.xlsx_cell("Giàng\x0bA\x1fChớ") == "GiàngAChớ"
    assert tabular.xlsx_cell("a\tb") == "a\tb"
    assert tabular.xlsx_cell(7) == 7


def _written(tmp_path: Path, values: list[Any]) -> list[Any]:
    """``values`` appended as one row of a write-only sheet, read back as cells."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    ws.append(tabular.xlsx_row(values))
    out = tmp_path / "t.xlsx"
    tabular.save_workbook(wb, out)
    sheet = load_workbook(out)["S"]
    return list(next(sheet.iter_rows()))


def test_xlsx_rows_keep_formula_like_text_as_text(tmp_path: Path) -> None:
    cells = _written(tmp_path, [*FORMULAS, 42, date(2026, 11, 1), "ok\x02"])
    for value, cell in zip(FORMULAS, cells, strict=False):
        assert cell.data_type == "s", value
        assert cell.value.startswith("'")
    number, day, text = cells[len(FORMULAS):]
    assert (number.data_type, number.value) == ("n", 42)
    assert day.value == datetime(2026, 11, 1)
    assert text.value == "ok"


def test_styled_cells_are_safe_and_keep_their_style(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    made = tabular.styled_cell(ws, "=1+1", font=Font(bold=True), number_format="@")
    raw = tabular.styled_cell(ws, 5)
    raw.value = "@SUM(A1)"  # a cell set after it was made is checked again by xlsx_row
    ws.append(tabular.xlsx_row([made, raw]))
    tabular.save_workbook(wb, tmp_path / "s.xlsx")
    a, b = next(load_workbook(tmp_path / "s.xlsx")["S"].iter_rows())
    assert (a.data_type, a.value) == ("s", "'=1+1")
    assert a.font.b is True
    assert a.number_format == "@"
    assert (b.data_type, b.value) == ("s", "'@SUM(A1)")


def _book(rows: int) -> Workbook:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("S")
    for i in range(rows):
        ws.append(tabular.xlsx_row([i, f"Người {i}", "=x"]))
    return wb


def test_save_workbook_gives_the_same_bytes_whenever_it_runs(tmp_path: Path,
                                                             time_machine) -> None:
    time_machine.move_to(datetime(2026, 11, 1, 8, 0, tzinfo=UTC), tick=False)
    tabular.save_workbook(_book(50), tmp_path / "a.xlsx")
    time_machine.move_to(datetime(2027, 3, 5, 17, 33, tzinfo=UTC), tick=False)
    tabular.save_workbook(_book(50), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {tabular.FIXED_TIME}
        core = z.read("docProps/core.xml").decode()
    assert "2026" not in core
    assert "2000-01-01T00:00:00Z" in core


def test_plain_save_differs_over_time(tmp_path: Path, time_machine) -> None:
    """What save_workbook is for: openpyxl's own save stamps the clock into the file."""
    time_machine.move_to(datetime(2026, 11, 1, 8, 0, tzinfo=UTC), tick=False)
    _book(5).save(tmp_path / "a.xlsx")
    time_machine.move_to(datetime(2027, 3, 5, 17, 33, tzinfo=UTC), tick=False)
    _book(5).save(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() != (tmp_path / "b.xlsx").read_bytes()


def test_save_workbook_stamps_the_time_given_and_writes_to_a_file_object() -> None:
    out = io.BytesIO()
    tabular.save_workbook(_book(3), out, datetime(2026, 11, 5, 9, 30, tzinfo=UTC))
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        core = z.read("docProps/core.xml").decode()
    assert core.count("2026-11-05T09:30:00Z") == 2  # created and modified
    rows = list(load_workbook(io.BytesIO(out.getvalue()))["S"].iter_rows(values_only=True))
    assert rows[2] == (2, "Người 2", "'=x")
