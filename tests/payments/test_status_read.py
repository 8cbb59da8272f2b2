"""Status lines read from bank files (payments.status.read): pure, no database."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest

from chitra.payments.iso20022 import Iso20022Error
from chitra.payments.status import read
from tests.payments.status_files import camt054, pain002

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "iso20022"
PAIN002_V12 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"


def _lines(name: str, source: str, accounts: frozenset[str] | None = None) -> list[read.Line]:
    return list(read.read_xml_lines(FIXTURES / name, source, accounts))


def test_a_line_is_ten_values() -> None:
    (line, *_) = _lines("pain002_v12_partial.xml", read.PAIN002)

    assert line == (30, "CT202507000000001001", "ACSC", "", 5_250_000,
                    "BHXH-01-202507-BIDV-0001", False, "", None, None)


def test_pain002_lines_name_their_item_by_instruction_id_or_quoted_reference() -> None:
    by_instr = _lines("pain002_v03_instr_id_only.xml", read.PAIN002)
    by_ref = _lines("pain002_v15_tx_ref_only.xml", read.PAIN002)

    assert [line[1] for line in by_instr] == [
        "CT202511000000002001", "CT202511000000002002", "CT202511000000002003"]
    assert [line[1:4] for line in by_ref] == [
        ("CT202511000000003001", "ACSC", ""),
        ("CT202511000000003002", "RJCT", "AC04"),
        ("CT202511000000003003", "ACWC", "DTCH"),
        ("", "RJCT", "MS03"),  # names nothing: the stage sets it aside
    ]
    assert by_instr[2][7] == "Số tài khoản không tồn tại"
    assert by_ref[2][7] == "Ngay chi doi sang ngay lam viec ke tiep; ReqdExctnDt 2025-11-20"


def test_pain002_group_status_comes_last_with_the_banks_words() -> None:
    lines = _lines("pain002_v12_group_rejected.xml", read.PAIN002)

    assert lines == [(None, "*BHXH-01-202507-AGRIBANK-0001", "RJCT", "AM05", None,
                      "BHXH-01-202507-AGRIBANK-0001", True, "Tệp trùng với tệp đã nhận", None,
                      None)]


def test_pain002_part_status_stands_for_nothing() -> None:
    lines = _lines("pain002_v12_partial.xml", read.PAIN002)

    assert [line[6] for line in lines] == [False] * 4


def test_camt054_every_entry_comes_out_with_a_code() -> None:
    lines = _lines("camt054_v08_foreign_and_batch.xml", read.CAMT054)

    assert [(line[1], line[2], line[4], line[8], line[9]) for line in lines] == [
        ("CT202511000000007001", "BOOKED", None, 1, 10_150_000),
        ("CT202511000000007002", "BOOKED", None, 1, 10_150_000),
        ("CT202511000000007003", "BOOKED", None, 1, 10_150_000),
        ("", "BOOKED", 22_000, None, None),
        ("NOTPROVIDED", "BOOKED", 4_500_000, None, None),
        ("NOTPROVIDED", "CRDT", 2_000_000, None, None),
        ("", "INFO", 10_150_000, None, None),
    ]
    assert [line[7] for line in lines[3:]] == [
        "DBIT 22.000 ₫ ACMT/MDOP/CHRG Ref 000220251107 PHI QUAN LY TAI KHOAN THANG 10/2025",
        "DBIT 4.500.000 ₫ PMNT/ICDT/DMCT Ref FT25311ABC123 TAM UNG CONG TAC PHI",
        "CRDT 2.000.000 ₫ PMNT/RCDT/DMCT Ref 000420251107 NOP TIEN VAO TAI KHOAN",
        "DBIT 10.150.000 ₫ PMNT/ICDT/DMCT LENH CHI DA NHAN, CHO XU LY",
    ]
    assert [line[7] for line in lines[:3]] == ["", "", ""]


def test_camt054_returns_pending_and_foreign_debits() -> None:
    lines = _lines("camt054_v04_returns_and_pending.xml", read.CAMT054)

    assert [(*line[1:5], line[7]) for line in lines] == [
        ("CT202511000000006001", "BOOKED", "", 5_250_000, ""),
        ("CT202511000000006002", "RTRN", "AC04", 3_100_000, "Tài khoản người nhận đã đóng"),
        ("CT202511000000006003", "PDNG", "", 1_800_000, ""),  # not booked yet: not paid
        ("HD-2025-11-0042", "BOOKED", "", 2_000_000,
         "DBIT 2.000.000 ₫ PMNT/ICDT/DMCT Ref FT2531099999 THANH TOAN HOA DON VAN PHONG PHAM"),
    ]


def test_camt054_about_another_account_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.xml"
    path.write_bytes(camt054([("CT202611000000000001", 100, False, None)], account="999"))

    with pytest.raises(Iso20022Error, match="not one of the office's accounts"):
        list(read.read_xml_lines(path, read.CAMT054, frozenset({"8800201001234"})))
    parsed = read.read_for_copy(str(path), read.CAMT054, frozenset({"8800201001234"}))
    assert parsed.copy == b""
    assert parsed.error is not None
    assert "not one of the office's accounts" in parsed.error[1]
    assert read.read_for_copy(str(path), read.CAMT054, frozenset({"999"})).error is None


def test_read_for_copy_runs_with_arguments_that_pickle(tmp_path: Path) -> None:
    path = tmp_path / "n.xml"
    path.write_bytes(camt054([("CT202611000000000001", 100, False, None)]))
    call = (read.read_for_copy, (str(path), read.CAMT054, frozenset({"8800201001234"})))

    function, args = pickle.loads(pickle.dumps(call))
    parsed = pickle.loads(pickle.dumps(function(*args)))

    assert (parsed.error, parsed.staged.lines) == (None, 1)


def test_rows_are_twelve_values_and_group_lines_stay_aside() -> None:
    staged = read.Staged()
    lines = _lines("pain002_v10_accepted_with_change.xml", read.PAIN002)

    rows = list(read.rows(lines, staged))

    assert rows[2] == (3, 40, "CT202511000000004003", 4003, "ACWC", "", 1_800_000,
                       "BHXH-01-202511-AGRIBANK-0001", False,
                       "Ngày chi đổi sang 20/11/2026; theo lịch chi của chi nhánh; "
                       "ReqdExctnDt 2026-11-20", None, None)
    assert len(rows) == 4
    assert staged.groups == [("BHXH-01-202511-AGRIBANK-0001", "ACCP", "", "")]
    assert (staged.lines, staged.codes, staged.ordered) == (5, {"ACSC", "ACWC", "PDNG"}, True)
    assert staged.msg_ids == {"BHXH-01-202511-AGRIBANK-0001": 4}


def _from_copy(text: bytes) -> list[list[str | None]]:
    """PostgreSQL's COPY text format, read back."""
    escapes = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
    records = text.decode().split("\n")
    assert records[-1] == ""
    return [[None if field == "\\N" else re.sub(r"\\[\\tnr]", lambda m: escapes[m[0]], field)
             for field in record.split("\t")] for record in records[:-1]]


def test_read_for_copy_writes_the_rows_escaped(tmp_path: Path) -> None:
    path = FIXTURES / "camt054_v08_foreign_and_batch.xml"
    staged = read.Staged()
    expected = list(read.rows(read.read_xml_lines(path, read.CAMT054), staged))

    parsed = read.read_for_copy(str(path), read.CAMT054)

    assert parsed.error is None
    assert _from_copy(parsed.copy) == [
        [None if v is None else "f" if v is False else str(v) for v in row] for row in expected]
    assert parsed.staged.lines == staged.lines == 7


def test_read_for_copy_escapes_hostile_ids_and_text(tmp_path: Path) -> None:
    hostile_id = "A\\B\tC\\N&#13;D"  # a backslash, a tab, "\N" and a carriage return
    document = pain002("BHXH-12-202611-BIDV-0001", [
        (hostile_id, "RJCT", "AC04", None, "Số\\tài\tkhoản\nsai \\N"),
        ("CT202611000000000002", "ACSC", None, 100)]).replace(
        b"urn:iso:std:iso:20022:tech:xsd:pain.002.001.10", PAIN002_V12.encode())
    path = tmp_path / "hostile.xml"
    path.write_bytes(document)

    parsed = read.read_for_copy(str(path), read.PAIN002)

    assert parsed.error is None
    first, second = _from_copy(parsed.copy)
    assert len(first) == len(second) == 12
    assert first[2] == "A\\B\tC\\N\rD"  # the id exactly as the file gives it
    assert first[3] is None  # no item id: not our shape
    assert first[9] == "Số\\tài khoản sai \\N"  # controls become spaces; backslashes kept
    assert second[2:4] == ["CT202611000000000002", "2"]
