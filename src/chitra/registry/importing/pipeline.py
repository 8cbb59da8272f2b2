"""Read + validate an import file into ready-to-load chunks, in worker processes for big files.

The pass over the file is CPU-bound Python (parsing, validation, building ``COPY`` text); the
``COPY`` is database work. For a big file the pass runs in worker processes
(:class:`~chitra.core.workerpool.WorkerPool`, with no database) that send each chunk —
``COPY`` text as bytes for PostgreSQL, a list of tuples for SQLite — with its problems
through a pipe, ahead of the main process loading the previous one: the cores are busy and
memory stays bounded (a pipe blocks its worker). The workers take turns at the chunks and
the main process takes them round-robin, so they arrive in file order. With several workers
a CSV file is cut into blocks of bytes and each worker parses only its own
(:mod:`.csvranges`); an xlsx file is read whole by each, which validates only its turns.
Personal IDs repeated in the file are found afterwards by the database, in the loaded rows.
Small files run the same generator in-process.

Needs no database: everything the validation needs is in the picklable :class:`Plan`.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, count, islice
from pathlib import Path

from chitra.core.errors import Problem
from chitra.core.workerpool import WorkerPool
from chitra.registry.importing.columns import Layout
from chitra.registry.importing.csvranges import CsvFormat, Position, RangeReader, cuts
from chitra.registry.importing.reading import open_table
from chitra.registry.importing.validate import (
    CLEARED_DATE,
    CLEARED_POINT,
    STAGE_COLUMNS,
    Lookups,
    RowValidator,
)


@dataclass(frozen=True)
class Plan:
    """Everything the pass needs (picklable: it is sent to the worker process)."""

    path: Path
    layout: Layout
    lookups: Lookups
    zero_pad: dict[int, int]
    accept_valid: bool
    copy_text: bool  # True: chunks as PostgreSQL COPY text (bytes); False: lists of tuples
    chunk_rows: int = 20_000
    # A CSV file read in byte ranges by several workers (:mod:`.csvranges`), or None: read
    # whole by each worker.
    csv: CsvFormat | None = None
    chunk_bytes: int = 4 << 20
    # Set for a first load straight into the registry tables (registry.importing.bulkload): each
    # chunk is then three COPY texts — beneficiaries, benefits, accounts — with ids given.
    direct: DirectRows | None = None


@dataclass(frozen=True)
class DirectRows:
    """What the rows of a first load need beyond the file: ids are ``base + row_no - 1``.

    Columns with the same value on every row (province, status, timestamps, who) are not in
    the lines: the load gives them as column defaults for its duration
    (:class:`chitra.registry.importing.bulkload.DirectLoad`), which spares the workers the text and
    the server its parsing — a third of the ``COPY`` time of these tables.
    """

    beneficiary_base: int
    benefit_base: int
    account_base: int
    now: str  # ISO timestamp with offset, for the anomaly flags' detected_at

    def lines(self, v: tuple[str | None, ...]) -> tuple[str, str, str, str]:
        """The COPY lines of one staged row (``copy_line``'s escaping already applied to
        ``v``'s text fields): beneficiary, benefit, account, and its holder-name anomaly or
        "". Column order: :data:`DIRECT_COLUMNS`."""
        (row_no, cid, bhxh, name, name_key, dob, sex, ward, street, phone, point, btype,
         group, amount, start, end, channel, provider, account, holder, holder_key) = v
        offset = int(row_no or 0) - 1
        bid = self.beneficiary_base + offset
        n = "\\N"
        # f-strings, not joins: this runs once per row of a million-row file. Everybody is
        # new here, so "keep the stored value" (None) and "clear it" (the markers of
        # validate) both give the empty value.
        return (
            f"{bid}\t{cid}\t{bhxh or ''}\t{name}\t{name_key}\t{dob}\t{sex}\t{ward}\t"
            f"{street or ''}\t{phone or ''}\t"
            f"{n if point is None or point == CLEARED_POINT else point}\n",
            f"{self.benefit_base + offset}\t{bid}\t{btype}\t{group}\t{amount}\t{start}\t"
            f"{n if end is None or end == CLEARED_DATE else end}\n",
            f"{self.account_base + offset}\t{bid}\t{channel}\t"
            f"{n if provider is None else provider}\t{account}\t{holder}\t{holder_key}\n",
            # The one flag a row shows alone (registry.anomalies has the same rule): spares
            # the refresh a join of the whole province after the load.
            f"{bid}\t{HOLDER_NAME_MISMATCH}\t{holder}\t{self.now}\n"
            if holder and holder_key != name_key else "",
        )


DIRECT_COLUMNS = {
    "registry_beneficiary": (
        "id", "citizen_id", "bhxh_code", "full_name", "name_key", "date_of_birth", "sex",
        "ward_code", "street", "phone", "payment_point_id"),
    "registry_benefit": (
        "id", "beneficiary_id", "benefit_type", '"group"', "amount", "start_date", "end_date"),
    "registry_paymentaccount": (
        "id", "beneficiary_id", "channel", "provider_id", "account_number", "holder_name",
        "holder_name_key"),
    "registry_anomaly": ("beneficiary_id", "kind", "detail", "detected_at"),
}
HOLDER_NAME_MISMATCH = "holder_name_mismatch"  # registry.models.AnomalyKind (no Django here)


@dataclass
class Chunk:
    read: int  # data rows read into this chunk (for progress and the total)
    # valid rows to load, or None: COPY text, tuples (SQLite), or one COPY text per table of
    # DIRECT_COLUMNS (a direct first load)
    rows: bytes | list[tuple[str | None, ...]] | tuple[bytes, bytes, bytes, bytes] | None
    count: int  # number of rows in ``rows``
    problems: list[Problem] = field(default_factory=list)
    invalid: int = 0  # rows with a problem in this chunk
    # Its last record ran past the next worker's cut (a quoted line break): the rows from
    # here on must be read again, alone (see :mod:`.csvranges`).
    overran: Position | None = None


@dataclass
class End:
    rows_total: int


_TEXT_FIELDS = tuple(i for i, k in enumerate(STAGE_COLUMNS)
                     if k in ("full_name", "name_key", "street", "holder_name",
                              "holder_name_key", "bhxh_code", "phone", "account_number"))
_NAME, _STREET, _HOLDER = (STAGE_COLUMNS.index(k) for k in ("full_name", "street", "holder_name"))


def copy_escaped(row: tuple[str | None, ...]) -> tuple[str | None, ...]:
    """``row`` with the backslashes of its text fields escaped for COPY text format.
    Validation left no tab, newline or control character in any value; a backslash is
    possible in free text."""
    name, street, holder = row[_NAME], row[_STREET], row[_HOLDER]
    # Only free text can hold a backslash (the keys are folded from it; codes are digits).
    if not ((name and "\\" in name) or (street and "\\" in street)
            or (holder and "\\" in holder)):
        return row
    values = list(row)
    for i in _TEXT_FIELDS:
        v = values[i]
        if v is not None:
            values[i] = v.replace("\\", "\\\\")
    return tuple(values)


def copy_line(row: tuple[str | None, ...]) -> str:
    """One line of PostgreSQL COPY text format (see :func:`copy_escaped`)."""
    return "\t".join(["\\N" if v is None else v for v in copy_escaped(row)]) + "\n"


def chunks(plan: Plan, part: int = 0, parts: int = 1,
           resume: Position | None = None) -> Iterator[Chunk | End]:
    """The file as chunks of valid rows and problems, then :class:`End`.

    Worker ``part`` of ``parts`` validates and yields only chunks ``part``, ``part + parts``…
    (the last one may be short): blocks of bytes of a CSV file (:attr:`Plan.csv`), else
    ``chunk_rows`` rows. ``resume``: go on alone from that row boundary of the CSV file.
    Every valid row is sent, even in all-or-nothing mode after a problem, so that the
    loaded rows show every personal ID repeated in the file.
    """
    validate = RowValidator(plan.layout, plan.lookups).validate
    by_bytes = plan.csv is not None and (parts > 1 or resume is not None)
    pieces = _byte_pieces(plan, part, parts, resume) if by_bytes else _row_pieces(
        plan, part, parts)
    read_total = 0
    for rows, reader in pieces:
        lines: list[str] = []
        # benefit, account and anomaly lines (direct)
        more: tuple[list[str], list[str], list[str]] = ([], [], [])
        tuples: list[tuple[str | None, ...]] = []
        problems_out: list[Problem] = []
        invalid = read = 0
        direct, copy_text = plan.direct, plan.copy_text
        for row_no, cells in rows:
            read += 1
            values, problems = validate(row_no, cells)
            if problems:
                invalid += 1
                problems_out.extend(problems)
            elif values is not None:
                if direct is not None:
                    b, bf, a, flag = direct.lines(copy_escaped(values))
                    lines.append(b)
                    more[0].append(bf)
                    more[1].append(a)
                    if flag:
                        more[2].append(flag)
                elif copy_text:
                    lines.append(copy_line(values))
                else:
                    tuples.append(values)
        read_total += read
        chunk = _chunk(read, plan, lines, more, tuples, problems_out, invalid)
        if reader is not None and reader.overran and parts > 1:
            chunk.overran = Position(reader.pos, reader.line)
            yield chunk
            break
        yield chunk
    yield End(read_total)


Pieces = Iterator[tuple[Iterator[tuple[int, list[str]]], RangeReader | None]]


def _row_pieces(plan: Plan, part: int, parts: int) -> Pieces:
    """The rows of worker ``part``'s chunks, ``chunk_rows`` rows each, read from the start
    (the others' rows are read and dropped)."""
    # The archive was checked when the import opened the file (reading.open_table).
    table = open_table(plan.path, xlsx_limits=None)
    try:
        table.zero_pad.update(plan.zero_pad)
        size, rows = plan.chunk_rows, table.rows
        deque(islice(rows, size * part), maxlen=0)
        while True:
            piece = islice(rows, size)
            first = next(piece, None)
            if first is None:
                return
            yield chain((first,), piece), None
            deque(piece, maxlen=0)  # the consumer may have stopped early
            deque(islice(rows, size * (parts - 1)), maxlen=0)
    finally:
        table.close()


def _byte_pieces(plan: Plan, part: int, parts: int, resume: Position | None) -> Pieces:
    """The rows of worker ``part``'s blocks of the CSV file (see :mod:`.csvranges`)."""
    fmt = plan.csv
    assert fmt is not None
    start = resume or fmt.data_start
    with plan.path.open("rb") as f:
        bounds = cuts(f, start.offset, os.fstat(f.fileno()).st_size, plan.chunk_bytes)
        reader = RangeReader(f, fmt, start)
        for j in range(part, len(bounds) - 1, parts):
            if reader.pos < bounds[j]:  # alone, a record that ran past a cut moved us on
                reader.skip_to(bounds[j])
            yield reader.records(bounds[j + 1]), reader
            if reader.overran and parts > 1:
                return


def _chunk(read: int, plan: Plan, lines: list[str],
           more: tuple[list[str], list[str], list[str]],
           tuples: list[tuple[str | None, ...]], problems: list[Problem],
           invalid: int) -> Chunk:
    if plan.direct is not None:
        rows = (("".join(lines).encode(), "".join(more[0]).encode(),
                 "".join(more[1]).encode(), "".join(more[2]).encode()) if lines else None)
        return Chunk(read, rows, len(lines), problems, invalid)
    if plan.copy_text:
        return Chunk(read, "".join(lines).encode() if lines else None, len(lines), problems,
                     invalid)
    return Chunk(read, tuples or None, len(tuples), problems, invalid)


def _part(plan: Plan, part: int, parts: int, _inputs: Iterator[object]) -> Iterator[Chunk | End]:
    """A worker's job (:class:`~chitra.core.workerpool.WorkerPool`): its turns of the file."""
    return chunks(plan, part, parts)


def run(plan: Plan, *, workers: int) -> Iterator[Chunk | End]:
    """:func:`chunks` in file order, from ``workers`` worker processes (0: in-process).
    Raises a worker's failure as it was raised there (a
    :class:`~chitra.registry.importing.reading.FileRefused`…)."""
    if workers < 1:
        yield from chunks(plan)
        return
    read = 0
    resume: Position | None = None
    # No database: the workers need nothing beyond the plan.
    with WorkerPool([partial(_part, plan, part, workers) for part in range(workers)]) as pool:
        for turn in count():
            item = pool.receive(turn % workers)
            if isinstance(item, End):  # the others end too; every worker saw every row
                for other in range(turn + 1, turn + workers):
                    pool.receive(other % workers)
                break
            read += item.read
            yield item
            if item.overran is not None:  # the next worker started inside a record
                pool.stop()
                resume = item.overran
                break
    if resume is not None:  # the rest of the file, alone
        for rest in chunks(plan, resume=resume):
            if isinstance(rest, End):
                read += rest.rows_total
                break
            yield rest
    yield End(read)
