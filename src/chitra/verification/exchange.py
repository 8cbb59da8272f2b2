"""File exchange with the police (issue 16, item 2a; docs/population-file-exchange.md).

BHXH writes a *request* file (:func:`write_request`, xlsx or csv) of the people a batch asks
about; the police answer with a file of the same batch (:func:`read_answer`), read through
the same hardened reader as imports (:func:`chitra.registry.importing.reading.open_table`:
UTF-8 or Windows-1258 csv, xlsx archives checked before any XML parser runs, TCVN3/VNI text
refused). Outcomes are decided in one place, :func:`chitra.verification.population.answer_for`.

What cannot be trusted refuses the whole file (:class:`FileRefused`, nothing returned): not
readable, legacy font, not the layout, a row without the batch reference or with another
batch's, too large. Anything else is decided row by row: a bad row is *set aside* with its
row number and reason, the others are answers; asked people the file does not mention are
*missing*. Every person asked is in exactly one of the three.

Both files are written streaming (csv line by line; xlsx through openpyxl's write-only mode,
which keeps rows in a temporary file), every cell through :mod:`chitra.core.tabular` so a
value cannot become a formula. :func:`read_request` and :func:`write_answer` are the police's
side, for the simulator and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from chitra.core import tabular
from chitra.core.errors import Problem
from chitra.core.text import nfc
from chitra.registry.importing.reading import FileRefused, Table, check_legacy, open_table
from chitra.verification.exchange_layout import (
    ANSWER_COLUMNS,
    CITIZEN_ID_WIDTH,
    FORMATS,
    MAX_ADDRESS_LENGTH,
    MAX_FILE_BYTES,
    MAX_NOTE_LENGTH,
    MAX_ROWS,
    NO,
    REQUEST_COLUMNS,
    SET_ASIDE,
    SEX_TEXT,
    WARD_CODE_WIDTH,
    YES,
    Column,
    FileFormat,
    bad_request_row,
    batch_missing,
    batch_other,
    check_batch_ref,
    format_date,
    has_control,
    headings,
    is_citizen_id,
    is_ward_code,
    no_rows,
    parse_date,
    parse_sex,
    parse_yes_no,
    resolve_header,
    too_big,
    too_many_rows,
    unguard,
)
from chitra.verification.names import name_problems
from chitra.verification.outcomes import PersonAnswer, PersonCheck
from chitra.verification.population import PopulationRecord, answer_for

__all__ = [
    "AnswerReading", "AnswerRow", "FileRefused", "RequestFile", "SetAside", "read_answer",
    "read_request", "write_answer", "write_request",
]


@dataclass(frozen=True)
class SetAside:
    """An answer row not used, and why. ``citizen_id`` as the file wrote it (cut to 40
    characters) — one of the people asked only if it is one of their IDs."""

    row: int
    citizen_id: str
    code: str
    reason_vi: str
    reason_en: str


@dataclass
class AnswerReading:
    """What an answer file says: ``answers`` (in file order), ``set_aside`` rows (in file
    order) and the asked IDs the file never mentions (``missing``, sorted). ``notes``:
    the police's note per answered ID, when they wrote one."""

    answers: list[PersonAnswer] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    rows: int = 0


@dataclass(frozen=True)
class AnswerRow:
    """One row of an answer, as the police write it: the population database's record of
    ``citizen_id``, or None if it has none."""

    citizen_id: str
    record: PopulationRecord | None
    note: str = ""


@dataclass
class RequestFile:
    batch_ref: str
    checks: list[PersonCheck]


# -- writing ------------------------------------------------------------------------------------

def write_request(checks: Iterable[PersonCheck], out: IO[bytes], fmt: FileFormat,
                  batch_ref: str) -> int:
    """Write the request file of batch ``batch_ref`` for ``checks`` to ``out``; the number
    of rows written. ``ValueError`` for a bad batch reference, an ID twice or more than
    :data:`~chitra.verification.exchange_layout.MAX_ROWS` people (nothing sensible to send)."""
    check_batch_ref(batch_ref)

    def rows() -> Iterator[list[Any]]:
        seen: set[str] = set()
        for n, check in enumerate(checks, start=1):
            if n > MAX_ROWS:
                raise ValueError(f"a request holds at most {MAX_ROWS} people; split the batch")
            if check.citizen_id in seen:
                raise ValueError(f"personal ID {check.citizen_id} is twice in the request")
            seen.add(check.citizen_id)
            yield [n, batch_ref, check.citizen_id, check.full_name,
                   format_date(check.date_of_birth), SEX_TEXT[check.sex], check.ward_code,
                   check.address[:MAX_ADDRESS_LENGTH]]

    return _write(REQUEST_COLUMNS, rows(), out, fmt, "Yêu cầu đối soát")


def write_answer(rows: Iterable[AnswerRow], out: IO[bytes], fmt: FileFormat,
                 batch_ref: str) -> int:
    """Write an answer file of batch ``batch_ref`` (the police's side); rows written."""
    check_batch_ref(batch_ref)

    def cells() -> Iterator[list[Any]]:
        for n, row in enumerate(rows, start=1):
            r = row.record
            if r is None:
                yield [n, batch_ref, row.citizen_id, NO, "", "", "", "", "", "", row.note]
            else:
                yield [n, batch_ref, row.citizen_id, YES, r.full_name,
                       format_date(r.date_of_birth), SEX_TEXT[r.sex], r.ward_code,
                       YES if r.deceased else NO,
                       format_date(r.death_date) if r.death_date else "", row.note]

    return _write(ANSWER_COLUMNS, cells(), out, fmt, "Kết quả đối soát")


def _write(columns: tuple[Column, ...], rows: Iterator[list[Any]], out: IO[bytes],
           fmt: FileFormat, title: str) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    if fmt == "csv":
        for line in tabular.csv_text([headings(columns)]):
            out.write(line.encode("utf-8"))
        for line in tabular.csv_text(counted(), bom=False):
            out.write(line.encode("utf-8"))
        return count
    _write_xlsx(columns, counted(), out, title)
    return count


def _write_xlsx(columns: tuple[Column, ...], rows: Iterator[list[Any]], out: IO[bytes],
                title: str) -> None:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([tabular.styled_cell(ws, h, font=bold) for h in headings(columns)])
    text = [c.text for c in columns]
    for row in rows:
        # IDs, codes and dates as text cells ("@"): leading zeros survive, and Excel does
        # not turn 03/04/1950 into a date of its locale.
        ws.append([tabular.styled_cell(ws, v, number_format="@") if t and v != "" else v
                   for v, t in zip(tabular.xlsx_row(row), text, strict=True)])
    tabular.save_workbook(wb, out)


# -- reading --------------------------------------------------------------------------------

def _open(path: Path, max_bytes: int) -> Table:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise FileRefused("exchange_unreadable", "Không đọc được tệp.",
                          "The file cannot be read.") from e
    if size > max_bytes:
        raise too_big(max_bytes)
    return open_table(path)


def _cells(cells: list[str], width: int) -> list[str]:
    values = [unguard(c.strip()) for c in cells[:width]]
    values.extend([""] * (width - len(values)))
    for value in values:
        if not value.isascii():
            check_legacy(value)  # TCVN3/VNI text anywhere: the whole file is refused
    return values


def _rows(table: Table, index: dict[str, int], columns: tuple[Column, ...],
          batch_ref: str | None, max_rows: int) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows as column key → stripped text, each checked for the batch reference."""
    table.zero_pad[index["citizen_id"]] = CITIZEN_ID_WIDTH
    width = len(columns)
    n = 0
    for row, raw in table.rows:
        n += 1
        if n > max_rows:
            raise too_many_rows(max_rows)
        cells = dict(zip((c.key for c in columns), _cells(raw, width), strict=True))
        ref = cells["batch_ref"]
        if not ref:
            raise batch_missing(row)
        if batch_ref is None:
            batch_ref = ref
        if ref != batch_ref:
            raise batch_other(row, ref, batch_ref)
        yield row, cells
    if n == 0:
        raise no_rows()


def read_answer(path: Path, batch_ref: str, asked: Mapping[str, PersonCheck], *,
                today: date | None = None, max_rows: int = MAX_ROWS,
                max_bytes: int = MAX_FILE_BYTES) -> AnswerReading:
    """The police's answer file at ``path`` to batch ``batch_ref``, which asked about
    ``asked`` (personal ID → what was sent).

    Raises :class:`FileRefused` (code, Vietnamese and English message) when the file as a
    whole cannot be trusted; see the module docstring. ``today`` bounds dates of birth and
    death (default: today, local time)."""
    check_batch_ref(batch_ref)
    today = today or timezone.localdate()
    table = _open(path, max_bytes)
    try:
        index = resolve_header(table.header, ANSWER_COLUMNS, "tệp trả lời", "answer file")
        table.zero_pad[index["ward_code"]] = WARD_CODE_WIDTH
        reading = AnswerReading()
        # Kept until the end: an ID's first row is set aside too if a second one comes.
        entries: list[tuple[int, str, PersonAnswer | SetAside]] = []
        rows_of: dict[str, list[int]] = {}
        for row, cells in _rows(table, index, ANSWER_COLUMNS, batch_ref, max_rows):
            reading.rows += 1
            cid = cells["citizen_id"]
            if is_citizen_id(cid):
                rows_of.setdefault(cid, []).append(row)
            entries.append((row, cid, _answer(row, cells, asked, today, reading.notes)))
    finally:
        table.close()

    # Only the people asked: an unknown ID stays "unknown" however often it comes.
    twice = {cid: rows for cid, rows in rows_of.items() if len(rows) > 1 and cid in asked}
    for row, cid, entry in entries:
        if cid in twice:
            entry = _set_aside(row, cid, "duplicate_id",
                               rows=", ".join(map(str, twice[cid])))
            reading.notes.pop(cid, None)
        if isinstance(entry, SetAside):
            reading.set_aside.append(entry)
        else:
            reading.answers.append(entry)
    reading.missing = sorted(cid for cid in asked if cid not in rows_of)
    return reading


def _set_aside(row: int, cid: str, code: str, **fmt: str) -> SetAside:
    vi, en = SET_ASIDE[code]
    return SetAside(row, cid[:40], code, vi.format(**fmt), en.format(**fmt))


def _answer(row: int, c: dict[str, str], asked: Mapping[str, PersonCheck], today: date,
            notes: dict[str, str]) -> PersonAnswer | SetAside:
    """One answer row: the answer about one of the people asked, or why it is set aside."""
    cid = c["citizen_id"]

    def aside(code: str) -> SetAside:
        return _set_aside(row, cid, code)

    if not is_citizen_id(cid):
        return aside("id_invalid")
    check = asked.get(cid)
    if check is None:
        return aside("unknown_id")
    found = parse_yes_no(c["found"])
    if found is None:
        return aside("found_invalid")
    deceased = parse_yes_no(c["deceased"]) if c["deceased"] else False
    if deceased is None:
        return aside("deceased_invalid")
    note = c["note"]
    if len(note) > MAX_NOTE_LENGTH or has_control(
            note.replace("\r", " ").replace("\n", " ").replace("\t", " ")):
        return aside("note_invalid")
    if not found:
        if deceased or c["death_date"]:
            return aside("not_found_deceased")
        _keep_note(notes, cid, note)
        return answer_for(check, None)
    record = _record(cid, c, today)
    if isinstance(record, str):
        return aside(record)
    if isinstance(record, Problem):  # not a name: the reason names.py gives
        return SetAside(row, cid, record.code, record.message_vi, record.message_en)
    _keep_note(notes, cid, note)
    return answer_for(check, record)


def _keep_note(notes: dict[str, str], cid: str, note: str) -> None:
    if note:
        notes[cid] = nfc(note)


def _record(cid: str, c: dict[str, str], today: date) -> PopulationRecord | Problem | str:
    """The population database's record in a row of a person found, or a set-aside code
    (or the problem of a name that is not one)."""
    raw_name = c["full_name"]
    if not raw_name:
        return "name_missing"
    if has_control(raw_name):
        return "name_control"
    if problems := name_problems(raw_name):
        return problems[0]
    dob = parse_date(c["date_of_birth"])
    if dob is None:
        return "dob_invalid"
    if dob > today:
        return "dob_future"
    sex = parse_sex(c["sex"])
    if sex is None:
        return "sex_invalid"
    ward = c["ward_code"]
    if ward and not is_ward_code(ward):
        return "ward_invalid"
    deceased = parse_yes_no(c["deceased"]) if c["deceased"] else False
    death: date | None = None
    if c["death_date"]:
        death = parse_date(c["death_date"])
        if death is None:
            return "death_date_invalid"
        if not deceased:
            return "death_date_not_deceased"
        if death < dob:
            return "death_before_birth"
        if death > today:
            return "death_future"
    elif deceased:
        return "death_date_missing"
    return PopulationRecord(cid, nfc(raw_name), dob, sex, ward, death)


def read_request(path: Path, batch_ref: str | None = None, *,
                 max_rows: int = MAX_ROWS, max_bytes: int = MAX_FILE_BYTES) -> RequestFile:
    """A request file, as the police (or the simulator) read it. Strict: any row that is not
    a valid person refuses the file (BHXH wrote it; a bad row means a damaged file).
    ``batch_ref`` None: the file's own, from its first row."""
    if batch_ref is not None:
        check_batch_ref(batch_ref)
    table = _open(path, max_bytes)
    checks: list[PersonCheck] = []
    seen: set[str] = set()
    try:
        index = resolve_header(table.header, REQUEST_COLUMNS, "tệp yêu cầu", "request file")
        table.zero_pad[index["ward_code"]] = WARD_CODE_WIDTH
        for row, c in _rows(table, index, REQUEST_COLUMNS, batch_ref, max_rows):
            batch_ref = batch_ref or c["batch_ref"]
            checks.append(_request_row(row, c, seen))
    finally:
        table.close()
    assert batch_ref is not None  # _rows refuses a file without rows
    return RequestFile(batch_ref, checks)


def _request_row(row: int, c: dict[str, str], seen: set[str]) -> PersonCheck:
    cid = c["citizen_id"]
    if not is_citizen_id(cid):
        raise bad_request_row(row, *SET_ASIDE["id_invalid"])
    if cid in seen:
        raise bad_request_row(row, "Số định danh đã có ở dòng trước.",
                              "The personal ID is on an earlier row already.")
    seen.add(cid)
    if has_control(c["full_name"]) or not c["full_name"]:
        raise bad_request_row(row, *SET_ASIDE["name_control"])
    if problems := name_problems(c["full_name"]):
        raise bad_request_row(row, problems[0].message_vi, problems[0].message_en)
    dob = parse_date(c["date_of_birth"])
    if dob is None:
        raise bad_request_row(row, *SET_ASIDE["dob_invalid"])
    sex = parse_sex(c["sex"])
    if sex is None:
        raise bad_request_row(row, *SET_ASIDE["sex_invalid"])
    ward = c["ward_code"]
    if ward and not is_ward_code(ward):
        raise bad_request_row(row, *SET_ASIDE["ward_invalid"])
    return PersonCheck(cid, nfc(c["full_name"]), dob, sex, ward,
                       c["address"][:MAX_ADDRESS_LENGTH])
