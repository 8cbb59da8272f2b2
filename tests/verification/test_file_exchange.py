"""File exchange with the police (issue 16, item 2a): the request BHXH writes, the answer the
police send back, read through the import's hardened reader (docs/population-file-exchange.md).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from chitra.core.identifiers import Sex
from chitra.registry.importing.reading import FileRefused
from chitra.verification.exchange import (
    AnswerReading,
    AnswerRow,
    read_answer,
    read_request,
    write_answer,
    write_request,
)
from chitra.verification.exchange_layout import ANSWER_COLUMNS, REQUEST_COLUMNS
from chitra.verification.names import NameReason
from chitra.verification.outcomes import BirthDateReason, Outcome, PersonCheck
from chitra.verification.population import PopulationRecord, answer_for
from tests.registry.fixtures.import_files import to_cp1258

BATCH = "DS-2026-12-0001"
TODAY = date(2026, 12, 3)
ANSWER_HEAD = [c.heading for c in ANSWER_COLUMNS]
M, F = Sex.MALE, Sex.FEMALE


def person(n: int, name: str, born: date, sex: Sex = M, ward: str = "00004",
           address: str = "Tổ 1, phường Ba Đình") -> PersonCheck:
    return PersonCheck(f"{n:012d}", name, born, sex, ward, address)


CLEAN = person(1, "Nguyễn Văn An", date(1950, 4, 3))  # ID 000000000001: leading zeros
DEAD = person(2, "Trần Thị Bình", date(1948, 7, 21), F)
NO_ACCENTS = person(3, "Lê Thị Hoa", date(1955, 1, 30), F)
THI = person(4, "Phạm Thị Lan", date(1952, 9, 9), F)
SWAPPED = person(5, "Hoàng Văn Cường", date(1951, 3, 12))
MOVED = person(6, "Đỗ Văn Dũng", date(1949, 11, 2), ward="00008")
NOT_FOUND = person(7, "Vũ Thị Em", date(1953, 5, 5), F)
NOT_ANSWERED = person(8, "Bùi Văn Giang", date(1950, 6, 6))
ASKED = [CLEAN, DEAD, NO_ACCENTS, THI, SWAPPED, MOVED, NOT_FOUND, NOT_ANSWERED]
BY_ID = {c.citizen_id: c for c in ASKED}


def police_rows() -> list[AnswerRow]:
    """The population database's records, with the discrepancies the police would find."""
    def rec(c: PersonCheck, **kw: object) -> PopulationRecord:
        values: dict[str, object] = dict(citizen_id=c.citizen_id, full_name=c.full_name,
                                         date_of_birth=c.date_of_birth, sex=c.sex,
                                         ward_code=c.ward_code)
        values.update(kw)
        return PopulationRecord(**values)  # type: ignore[arg-type]

    return [
        AnswerRow(CLEAN.citizen_id, rec(CLEAN)),
        AnswerRow(DEAD.citizen_id, rec(DEAD, death_date=date(2026, 8, 14)), "Khai tử 20/08"),
        AnswerRow(NO_ACCENTS.citizen_id, rec(NO_ACCENTS, full_name="LE THI HOA")),
        AnswerRow(THI.citizen_id, rec(THI, full_name="Phạm Thi Lan")),
        AnswerRow(SWAPPED.citizen_id, rec(SWAPPED, date_of_birth=date(1951, 12, 3))),
        AnswerRow(MOVED.citizen_id, rec(MOVED, ward_code="00025")),
        AnswerRow(NOT_FOUND.citizen_id, None),
        AnswerRow("999999999999", PopulationRecord("999999999999", "Người Lạ", date(1960, 1, 1),
                                                   M)),
    ]


def write(path: Path, writer: Any, *args: object) -> Path:
    with path.open("wb") as out:
        writer(*args, out, path.suffix[1:], BATCH)
    return path


def answer_file(path: Path, rows: list[list[object]], head: list[str] | None = None,
                *, encoding: str = "utf-8-sig") -> Path:
    """An answer file built cell by cell, as a police officer's spreadsheet would be."""
    head = ANSWER_HEAD if head is None else head
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        ws = wb.worksheets[0]
        ws.append(head)
        for r in rows:
            ws.append(r)
        wb.save(path)
        return path
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(head)
    w.writerows(rows)
    text = buf.getvalue()
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def row(cid: object, found: str = "Có", name: str = "Nguyễn Văn An", dob: object = "03/04/1950",
        sex: str = "Nam", ward: object = "00004", deceased: str = "Không",
        death: object = "", note: str = "", batch: str = BATCH) -> list[object]:
    return ["1", batch, cid, found, name, dob, sex, ward, deceased, death, note]


def read(path: Path, **kw: object) -> AnswerReading:
    return read_answer(path, BATCH, BY_ID, today=TODAY, **kw)  # type: ignore[arg-type]


def assert_partition(reading: AnswerReading, asked: dict[str, PersonCheck]) -> None:
    """Every person asked is answered, set aside or missing: once, and only one of them."""
    answered = [a.citizen_id for a in reading.answers]
    aside = {s.citizen_id for s in reading.set_aside if s.citizen_id in asked}
    assert len(answered) == len(set(answered))
    assert set(answered) | aside | set(reading.missing) == set(asked)
    assert not (set(answered) & aside)
    assert not (set(answered) & set(reading.missing))
    assert not (aside & set(reading.missing))


# -- round trip ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_round_trip_finds_every_planted_discrepancy(tmp_path, fmt):
    request = tmp_path / f"yeu-cau.{fmt}"
    with request.open("wb") as out:
        assert write_request(ASKED, out, fmt, BATCH) == len(ASKED)

    # The police read the request back with the same reader …
    got = read_request(request)
    assert got.batch_ref == BATCH
    assert got.checks == ASKED
    # … look everyone up and answer, except one person.
    answer = write(tmp_path / f"tra-loi.{fmt}", write_answer, police_rows())

    reading = read(answer)
    outcomes = {a.citizen_id: a for a in reading.answers}
    assert {cid: a.outcome for cid, a in outcomes.items()} == {
        CLEAN.citizen_id: Outcome.MATCH,
        DEAD.citizen_id: Outcome.DECEASED,
        NO_ACCENTS.citizen_id: Outcome.NAME_DIFFERS,
        THI.citizen_id: Outcome.NAME_DIFFERS,
        SWAPPED.citizen_id: Outcome.BIRTH_DATE_DIFFERS,
        MOVED.citizen_id: Outcome.MOVED,
        NOT_FOUND.citizen_id: Outcome.NOT_FOUND,
    }
    assert outcomes[DEAD.citizen_id].death_date == date(2026, 8, 14)
    reasons = {cid: (a.name_match and a.name_match.reason, a.birth_date and a.birth_date.reason)
               for cid, a in outcomes.items()}
    assert reasons[NO_ACCENTS.citizen_id][0] == NameReason.ACCENTS_MISSING
    assert reasons[THI.citizen_id][0] == NameReason.MIDDLE_NAME_VARIANT
    assert reasons[SWAPPED.citizen_id][1] == BirthDateReason.DAY_MONTH_SWAPPED
    assert outcomes[MOVED.citizen_id].new_ward_code == "00025"
    # The one place outcomes are decided: the file gives exactly what answer_for gives.
    for r in police_rows():
        if r.citizen_id in BY_ID:
            assert outcomes[r.citizen_id] == answer_for(BY_ID[r.citizen_id], r.record)
    assert [(s.row, s.citizen_id, s.code) for s in reading.set_aside] == [
        (9, "999999999999", "unknown_id")]
    assert "không có trong đợt" in reading.set_aside[0].reason_vi
    assert "not asked about" in reading.set_aside[0].reason_en
    assert reading.missing == [NOT_ANSWERED.citizen_id]
    assert reading.notes == {DEAD.citizen_id: "Khai tử 20/08"}
    assert reading.rows == 8
    assert_partition(reading, BY_ID)


def test_the_request_layout_is_documented_and_stable(tmp_path):
    path = write(tmp_path / "r.csv", write_request, [CLEAN])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines == [
        "STT,Mã đợt đối soát,Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,"
        "Mã phường/xã,Địa chỉ",
        f"1,{BATCH},000000000001,Nguyễn Văn An,03/04/1950,Nam,00004,\"Tổ 1, phường Ba Đình\""]
    doc = (Path(__file__).parents[2] / "docs" / "population-file-exchange.md").read_text(
        encoding="utf-8")
    for column in (*REQUEST_COLUMNS, *ANSWER_COLUMNS):
        assert f"`{column.key}`" in doc
        assert column.heading in doc


def test_leading_zeros_and_dates_stay_text_in_the_request_xlsx(tmp_path):
    path = write(tmp_path / "r.xlsx", write_request, [CLEAN, DEAD])
    ws = openpyxl.load_workbook(path).worksheets[0]
    id_cell, dob_cell, ward_cell = ws["C2"], ws["E2"], ws["G2"]
    assert (id_cell.value, id_cell.data_type, id_cell.number_format) == ("000000000001", "s", "@")
    assert (dob_cell.value, dob_cell.data_type) == ("03/04/1950", "s")
    assert (ward_cell.value, ward_cell.data_type) == ("00004", "s")
    assert ws["F3"].value == "Nữ"
    assert [c.value for c in ws[1]] == [c.heading for c in REQUEST_COLUMNS]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_looking_values_are_guarded_in_the_request(tmp_path, fmt):
    hostile = PersonCheck("000000000011", "-Nguyễn Văn An", date(1950, 1, 1), M, "",
                          '=HYPERLINK("http://x.invalid","bấm")')
    path = write(tmp_path / f"r.{fmt}", write_request, [hostile])
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(path).worksheets[0]
        assert ws["D2"].value == "'-Nguyễn Văn An"
        assert ws["H2"].value == "'=HYPERLINK(\"http://x.invalid\",\"bấm\")"
        assert all(c.data_type == "s" for c in ws[2][2:] if c.value is not None)
    else:
        text = path.read_text(encoding="utf-8-sig")
        assert ",'-Nguyễn Văn An," in text
        assert ",\"'=HYPERLINK(" in text
    # Reading the file back undoes the guard.
    assert read_request(path).checks == [hostile]


def test_a_request_refuses_a_bad_batch_reference_or_an_id_twice(tmp_path):
    out = io.BytesIO()
    for bad in ("", "=cmd", "a b", "x" * 65, "đợt-1"):
        with pytest.raises(ValueError, match="batch reference"):
            write_request([CLEAN], out, "csv", bad)
    with pytest.raises(ValueError, match="twice"):
        write_request([CLEAN, CLEAN], io.BytesIO(), "csv", BATCH)
    with pytest.raises(ValueError, match="format"):
        write_request([CLEAN], io.BytesIO(), "ods", BATCH)  # type: ignore[arg-type]


def test_writing_streams_to_a_file_not_a_string(tmp_path):
    many = (person(1_000 + i, "Nguyễn Văn An", date(1950, 4, 3)) for i in range(3_000))
    path = tmp_path / "r.xlsx"
    with path.open("wb") as out:
        assert write_request(many, out, "xlsx", BATCH) == 3_000
    assert len(read_request(path, BATCH).checks) == 3_000


# -- the police's spreadsheet, as they may really send it ---------------------------------

def test_an_excel_answer_with_numbers_and_date_cells_is_read(tmp_path):
    """Excel turned the IDs and ward codes into numbers (leading zeros lost) and the dates
    into date cells: the reader pads the numbers back, dates read as dd/mm/yyyy."""
    path = answer_file(tmp_path / "a.xlsx", [
        row(1, dob=date(1950, 4, 3), ward=4),
        row(2, name="Trần Thị Bình", dob=date(1948, 7, 21), sex="NỮ", deceased="có",
            death=date(2026, 8, 14), ward=4),
    ])
    reading = read(path)
    assert [(a.citizen_id, a.outcome) for a in reading.answers] == [
        (CLEAN.citizen_id, Outcome.MATCH), (DEAD.citizen_id, Outcome.DECEASED)]
    assert reading.answers[0].ward_code == "00004"
    assert not reading.set_aside


def test_a_windows_1258_answer_is_accepted(tmp_path):
    path = answer_file(tmp_path / "a.csv", [
        row(CLEAN.citizen_id), row(DEAD.citizen_id, name="Trần Thị Bình", dob="21/07/1948",
                                   sex="Nữ", deceased="Có", death="14/08/2026",
                                   note="Đã khai tử")], encoding="cp1258")
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    reading = read(path)
    assert [a.outcome for a in reading.answers] == [Outcome.MATCH, Outcome.DECEASED]
    assert reading.answers[1].full_name == "Trần Thị Bình"
    assert reading.notes == {DEAD.citizen_id: "Đã khai tử"}


def test_a_semicolon_csv_and_english_keys_in_the_header_are_read(tmp_path):
    path = tmp_path / "a.csv"
    lines = [";".join(c.key for c in ANSWER_COLUMNS),
             ";".join(str(v) for v in row(CLEAN.citizen_id))]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    assert [a.outcome for a in read(path).answers] == [Outcome.MATCH]


# -- whole files refused ------------------------------------------------------------------

def refused(path: Path, code: str, **kw: object) -> FileRefused:
    with pytest.raises(FileRefused) as e:
        read(path, **kw)
    assert e.value.code == code, e.value
    assert e.value.message_vi
    assert e.value.message_en
    return e.value


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_header_that_is_not_the_layout_is_refused(tmp_path, fmt):
    swapped = list(ANSWER_HEAD)
    swapped[4], swapped[5] = swapped[5], swapped[4]
    e = refused(answer_file(tmp_path / f"a.{fmt}", [row(CLEAN.citizen_id)], swapped),
                "exchange_header")
    assert "cột 5 phải là 'Họ và tên'" in e.message_vi
    assert "column 5 must be 'Họ và tên' (full_name)" in e.message_en
    e = refused(answer_file(tmp_path / f"b.{fmt}", [row(CLEAN.citizen_id)],
                            [c.heading for c in REQUEST_COLUMNS]), "exchange_header")
    e = refused(answer_file(tmp_path / f"c.{fmt}", [[*row(CLEAN.citizen_id), "x"]],
                            [*ANSWER_HEAD, "Thêm"]), "exchange_header")
    assert "thừa cột 12" in e.message_vi


def test_an_answer_of_another_batch_is_refused(tmp_path):
    e = refused(answer_file(tmp_path / "a.csv", [row(CLEAN.citizen_id, batch="DS-2026-11-0009")]),
                "exchange_batch_other")
    assert "DS-2026-11-0009" in e.message_vi
    assert BATCH in e.message_en
    # One row of another batch further down refuses the whole file, too.
    refused(answer_file(tmp_path / "b.csv", [row(CLEAN.citizen_id),
                                              row(DEAD.citizen_id, batch="DS-X")]),
            "exchange_batch_other")
    e = refused(answer_file(tmp_path / "c.csv", [row(CLEAN.citizen_id),
                                                  row(DEAD.citizen_id, batch="")]),
                "exchange_batch_missing")
    assert "Dòng 3" in e.message_vi
    refused(answer_file(tmp_path / "d.csv", []), "exchange_no_rows")


def test_a_tcvn3_answer_is_refused(tmp_path):
    # "Nguyễn Văn Đức" typed with a TCVN3 (ABC) font, as the bytes of such a csv hold it.
    tcvn3 = b"Nguy\xd4n V\xa8n \xa7\xf8c"
    ok = answer_file(tmp_path / "ok.csv", [row(CLEAN.citizen_id, name="PLACEHOLDER")],
                     [c.key for c in ANSWER_COLUMNS], encoding="cp1258")
    path = tmp_path / "a.csv"
    path.write_bytes(ok.read_bytes().replace(b"PLACEHOLDER", tcvn3))
    e = refused(path, "legacy_encoding")
    assert "TCVN3" in e.message_vi
    assert "Unicode" in e.message_en
    # In an xlsx, far from the header, too.
    rows = [row(f"{n:012d}", found="Không") for n in range(100, 300)]
    rows.append(row(CLEAN.citizen_id, name=tcvn3.decode("cp1258")))
    refused(answer_file(tmp_path / "a.xlsx", rows), "legacy_encoding")


LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;")
                                                   * 10) for i in range(1, 10)) + b"]>\n")


def rewritten(src: Path, dst: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, data if info.filename == member else zin.read(info))
    return dst


def test_an_xlsx_with_a_dtd_or_entities_is_refused(tmp_path):
    good = write(tmp_path / "a.xlsx", write_answer, police_rows())
    member = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(good) as z:
        xml = z.read(member)
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    hostile = rewritten(good, tmp_path / "laughs.xlsx", member,
                        LAUGHS + body.replace(b"<t>", b"<t>&lol9;", 1))
    e = refused(hostile, "xlsx_dtd")
    assert "DTD" in e.message_vi


def test_a_damaged_or_disguised_file_is_refused(tmp_path):
    broken = tmp_path / "a.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    refused(broken, "xlsx_unreadable")
    xlsx_as_csv = tmp_path / "b.csv"
    xlsx_as_csv.write_bytes(write(tmp_path / "c.xlsx", write_answer, police_rows()).read_bytes())
    refused(xlsx_as_csv, "file_not_text")
    other = tmp_path / "d.txt"
    other.write_text("x")
    refused(other, "file_type")


def test_a_file_over_the_row_or_size_limit_is_refused(tmp_path):
    rows = [row(f"{n:012d}", found="Không") for n in range(100, 106)]
    path = answer_file(tmp_path / "a.csv", rows)
    assert read(path, max_rows=6).rows == 6
    e = refused(path, "exchange_too_many_rows", max_rows=5)
    assert "5 dòng" in e.message_vi
    refused(path, "exchange_too_big", max_bytes=100)


def test_a_huge_answer_is_refused_early_without_reading_it_all(tmp_path):
    path = tmp_path / "a.csv"
    line = ",".join(str(v) for v in row("100000000000", found="Không")) + "\r\n"
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(ANSWER_HEAD) + "\r\n")
        for _ in range(200_001):
            f.write(line)
    refused(path, "exchange_too_many_rows", max_rows=200_000)


# -- rows set aside -----------------------------------------------------------------------

def codes(reading: AnswerReading) -> list[tuple[int, str]]:
    return [(s.row, s.code) for s in reading.set_aside]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_malformed_rows_are_set_aside_with_a_reason(tmp_path, fmt):
    c, d = CLEAN.citizen_id, DEAD.citizen_id
    path = answer_file(tmp_path / f"a.{fmt}", [
        row("12345"),  # 2
        row("00000000000A"),  # 3
        row(c, found="Có lẽ"),  # 4
        row(c, dob="31/04/1950"),  # 5 (ID twice with row 4 too: duplicate)
        row(d, dob="1950-04-03"),  # 6
        row(d, sex="X"),  # 7
        row(NO_ACCENTS.citizen_id, ward="4A"),  # 8
        row(THI.citizen_id, deceased="Có"),  # 9 deceased without a date
        row(SWAPPED.citizen_id, deceased="Không", death="01/01/2020"),  # 10
        row(MOVED.citizen_id, deceased="Có", death="01/01/1940"),  # 11 before birth
        row(NOT_FOUND.citizen_id, found="Không", deceased="Có"),  # 12
        row(NOT_ANSWERED.citizen_id, name="Nguyễn 2 An"),  # 13
    ])
    reading = read(path)
    assert codes(reading) == [
        (2, "id_invalid"), (3, "id_invalid"), (4, "duplicate_id"), (5, "duplicate_id"),
        (6, "duplicate_id"), (7, "duplicate_id"), (8, "ward_invalid"),
        (9, "death_date_missing"), (10, "death_date_not_deceased"),
        (11, "death_before_birth"), (12, "not_found_deceased"), (13, "name_characters")]
    assert reading.set_aside[0].citizen_id == "12345"
    assert "dòng 4, 5" in reading.set_aside[2].reason_vi
    assert "rows 4, 5" in reading.set_aside[2].reason_en
    assert "'2'" in reading.set_aside[-1].reason_vi
    assert reading.answers == []
    assert reading.missing == []
    assert_partition(reading, BY_ID)


def test_each_reason_alone(tmp_path):
    cases = {
        "found_invalid": row(CLEAN.citizen_id, found="?"),
        "dob_invalid": row(CLEAN.citizen_id, dob="1950-04-03"),
        "sex_invalid": row(CLEAN.citizen_id, sex="M"),
        "deceased_invalid": row(CLEAN.citizen_id, deceased="chết"),
        "death_date_invalid": row(CLEAN.citizen_id, deceased="Có", death="14/8/26"),
        "name_missing": row(CLEAN.citizen_id, name=""),
        "note_invalid": row(CLEAN.citizen_id, note="x" * 1001),
    }
    for code, cells in cases.items():
        reading = read(answer_file(tmp_path / f"{code}.csv", [cells]))
        assert codes(reading) == [(2, code)], code
        assert reading.set_aside[0].reason_vi
        assert reading.set_aside[0].reason_en


@pytest.mark.parametrize("name", ["Nguyễn\x07Văn An", "Nguyễn\tVăn An", "Nguyễn Văn\nAn",
                                  "Nguyễn Văn \u202eAn", "Nguyễn\u200bVăn An"])
def test_a_name_with_control_or_invisible_characters_is_set_aside(tmp_path, name):
    reading = read(answer_file(tmp_path / "a.csv", [row(CLEAN.citizen_id, name=name)]))
    # (a quoted line break makes the csv row end on line 3)
    assert [s.code for s in reading.set_aside] == ["name_control"]
    assert reading.set_aside[0].reason_en == "The name has control or invisible characters."


def test_a_note_may_hold_line_breaks_but_no_control_characters(tmp_path):
    reading = read(answer_file(tmp_path / "a.csv", [
        row(CLEAN.citizen_id, note="Dòng 1\nDòng 2"),
        row(DEAD.citizen_id, name="Trần Thị Bình", dob="21/07/1948", sex="Nữ",
            note="bad\x07note")]))
    assert reading.notes == {CLEAN.citizen_id: "Dòng 1 Dòng 2"}
    assert codes(reading) == [(4, "note_invalid")]  # the csv line where the row ends


def test_the_same_id_twice_sets_both_rows_aside(tmp_path):
    reading = read(answer_file(tmp_path / "a.csv", [
        row(CLEAN.citizen_id), row(DEAD.citizen_id, name="Trần Thị Bình", dob="21/07/1948",
                                   sex="Nữ"), row(CLEAN.citizen_id, found="Không")]))
    assert codes(reading) == [(2, "duplicate_id"), (4, "duplicate_id")]
    assert [a.citizen_id for a in reading.answers] == [DEAD.citizen_id]
    assert CLEAN.citizen_id not in reading.missing
    assert_partition(reading, BY_ID)


def test_unknown_ids_are_set_aside_even_twice(tmp_path):
    reading = read(answer_file(tmp_path / "a.csv", [row("123456789012"), row("123456789012")]))
    assert codes(reading) == [(2, "unknown_id"), (3, "unknown_id")]
    assert reading.missing == sorted(BY_ID)


@pytest.mark.parametrize(("dob", "death", "code"), [
    ("29/02/1952", "", None),  # a leap year
    ("29/02/1951", "", "dob_invalid"),
    ("30/02/1952", "", "dob_invalid"),
    ("31/12/1950", "", None),
    ("32/12/1950", "", "dob_invalid"),
    ("1/1/1950", "", None),  # one digit day and month
    ("03/12/2026", "", None),  # born today (TODAY)
    ("04/12/2026", "", "dob_future"),
    ("03/04/1950", "03/12/2026", None),  # died today
    ("03/04/1950", "04/12/2026", "death_future"),
    ("03/04/1950", "03/04/1950", None),  # died the day of birth
    ("03/04/1950", "02/04/1950", "death_before_birth"),
    ("03/04/1950", "29/02/2023", "death_date_invalid"),
])
def test_borderline_dates(tmp_path, dob, death, code):
    reading = read(answer_file(tmp_path / "a.csv", [
        row(CLEAN.citizen_id, dob=dob, deceased="Có" if death else "", death=death)]))
    if code is None:
        assert codes(reading) == []
        assert reading.answers[0].outcome == (
            Outcome.DECEASED if death else
            Outcome.MATCH if dob == "03/04/1950" else Outcome.BIRTH_DATE_DIFFERS)
    else:
        assert codes(reading) == [(2, code)]


def test_a_not_found_row_ignores_the_other_cells(tmp_path):
    reading = read(answer_file(tmp_path / "a.csv", [
        row(CLEAN.citizen_id, found="KHÔNG", name="", dob="", sex="", ward="", deceased="")]))
    assert [(a.outcome, a.full_name) for a in reading.answers] == [(Outcome.NOT_FOUND, "")]


def test_a_guarded_cell_from_a_round_trip_is_read_unguarded(tmp_path):
    hostile = PersonCheck("000000000011", "-Nguyễn Văn An", date(1950, 1, 1), M)
    path = write(tmp_path / "a.csv", write_answer, [
        AnswerRow(hostile.citizen_id, PopulationRecord(
            hostile.citizen_id, "-Nguyễn Văn An", date(1950, 1, 1), M), "=1+1")])
    assert "'-Nguyễn" in path.read_text(encoding="utf-8-sig")
    reading = read_answer(path, BATCH, {hostile.citizen_id: hostile}, today=TODAY)
    assert reading.answers[0].outcome == Outcome.MATCH
    assert reading.notes == {hostile.citizen_id: "=1+1"}


def test_read_request_is_strict(tmp_path):
    path = write(tmp_path / "r.csv", write_request, [CLEAN, DEAD])
    with pytest.raises(FileRefused) as e:
        read_request(path, "DS-OTHER")
    assert e.value.code == "exchange_batch_other"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(path.read_bytes().replace(b"21/07/1948", b"30/02/1948"))
    with pytest.raises(FileRefused) as e:
        read_request(bad)
    assert e.value.code == "exchange_request_row"
    assert "Dòng 3" in e.value.message_vi
