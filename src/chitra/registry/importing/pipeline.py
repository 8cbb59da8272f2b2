"""Read + validate an import file into ready-to-load chunks, in worker processes for big files.

The pass over the file is CPU-bound Python (parsing, validation, building ``COPY`` text); the
``COPY`` is database work. For a big file the pass runs in worker processes (child
interpreters: no inherited database connection) that send each chunk — ``COPY`` text as bytes
for PostgreSQL, a list of tuples for SQLite — with its problems through a pipe, ahead of the
main process loading the previous one: the cores are busy and memory stays bounded (a pipe
blocks its worker). With several workers each one reads the whole file but validates only
every n-th chunk (parsing is the cheap part); the main process takes the chunks round-robin,
so they arrive in file order. Personal IDs repeated in the file are found afterwards by the
database, in the loaded rows. Small files run the same generator in-process.

Needs no database: everything the validation needs is in the picklable :class:`Plan`.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chitra.core.errors import Problem
from chitra.registry.importing.columns import Layout
from chitra.registry.importing.reading import FileRefused, open_table
from chitra.registry.importing.validate import STAGE_COLUMNS, Lookups, RowValidator


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
    # Set for a first load straight into the registry tables (registry.bulkload): each
    # chunk is then three COPY texts — beneficiaries, benefits, accounts — with ids given.
    direct: DirectRows | None = None


@dataclass(frozen=True)
class DirectRows:
    """What the rows of a first load need beyond the file: ids are ``base + row_no - 1``."""

    beneficiary_base: int
    benefit_base: int
    account_base: int
    province: str
    now: str  # ISO timestamp with offset, for created_at / updated_at
    today: str  # ISO date, valid_from of the first account
    actor: str

    def lines(self, v: tuple[str | None, ...]) -> tuple[str, str, str]:
        """The three COPY lines of one staged row (``copy_line``'s escaping already applied
        to ``v``'s text fields). Column order: :data:`DIRECT_COLUMNS`."""
        (row_no, cid, bhxh, name, name_key, dob, sex, ward, street, phone, point, btype,
         group, amount, start, end, channel, provider, account, holder, holder_key) = v
        offset = int(row_no or 0) - 1
        bid = str(self.beneficiary_base + offset)
        n = "\\N"
        return (
            "\t".join((bid, cid or "", bhxh or "", name or "", name_key or "", dob or "",
                       sex or "", self.province, ward or "", street or "", phone or "",
                       "active", "", point or n, self.now, self.now)) + "\n",
            "\t".join((str(self.benefit_base + offset), bid, btype or "", group or "", "",
                       amount or "", start or "", end or n, "active")) + "\n",
            "\t".join((str(self.account_base + offset), bid, channel or "", provider or n,
                       account or "", holder or "", holder_key or "", self.today, n, "",
                       self.actor, "", self.now)) + "\n",
        )


DIRECT_COLUMNS = {
    "registry_beneficiary": (
        "id", "citizen_id", "bhxh_code", "full_name", "name_key", "date_of_birth", "sex",
        "province_code", "ward_code", "street", "phone", "status", "status_reason",
        "payment_point_id", "created_at", "updated_at"),
    "registry_benefit": (
        "id", "beneficiary_id", "benefit_type", '"group"', "sub_kind", "amount", "start_date",
        "end_date", "status"),
    "registry_paymentaccount": (
        "id", "beneficiary_id", "channel", "provider_id", "account_number", "holder_name",
        "holder_name_key", "valid_from", "valid_to", "closed_reason", "created_by",
        "approved_by", "created_at"),
}


@dataclass
class Chunk:
    rows_seen: int  # data rows read so far (for progress)
    # valid rows to load, or None: COPY text, tuples (SQLite), or one COPY text per table of
    # DIRECT_COLUMNS (a direct first load)
    rows: bytes | list[tuple[str | None, ...]] | tuple[bytes, bytes, bytes] | None
    count: int  # number of rows in ``rows``
    problems: list[Problem] = field(default_factory=list)
    invalid: int = 0  # rows with a problem in this chunk


@dataclass
class End:
    rows_total: int


@dataclass
class _Failed:
    code: str
    message_vi: str
    message_en: str
    trace: str | None  # None: a FileRefused


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


def chunks(plan: Plan, part: int = 0, parts: int = 1) -> Iterator[Chunk | End]:
    """The file as chunks of valid rows and problems, then :class:`End`.

    Worker ``part`` of ``parts`` validates and yields only chunks ``part``, ``part + parts``…
    (the last one may be short). Every valid row is sent, even in all-or-nothing mode after
    a problem, so that the loaded rows show every personal ID repeated in the file.
    """
    table = open_table(plan.path)
    try:
        table.zero_pad.update(plan.zero_pad)
        validate = RowValidator(plan.layout, plan.lookups).validate
        copy_text = plan.copy_text
        direct = plan.direct
        size = plan.chunk_rows
        lines: list[str] = []
        more: tuple[list[str], list[str]] = ([], [])  # benefit and account lines (direct)
        tuples: list[tuple[str | None, ...]] = []
        problems_out: list[Problem] = []
        invalid = 0
        total = 0
        mine = part == 0
        for row_no, cells in table.rows:
            total += 1
            if not mine:  # another worker's chunk
                if total % size == 0:
                    mine = (total // size) % parts == part
                continue
            values, problems = validate(row_no, cells)
            if problems:
                invalid += 1
                problems_out.extend(problems)
            elif values is not None:
                if direct is not None:
                    b, bf, a = direct.lines(copy_escaped(values))
                    lines.append(b)
                    more[0].append(bf)
                    more[1].append(a)
                elif copy_text:
                    lines.append(copy_line(values))
                else:
                    tuples.append(values)
            if total % size == 0:
                yield _chunk(total, plan, lines, more, tuples, problems_out, invalid)
                lines, more, tuples, problems_out, invalid = [], ([], []), [], [], 0
                mine = (total // size) % parts == part
        if mine:
            yield _chunk(total, plan, lines, more, tuples, problems_out, invalid)
        yield End(total)
    finally:
        table.close()


def _chunk(total: int, plan: Plan, lines: list[str], more: tuple[list[str], list[str]],
           tuples: list[tuple[str | None, ...]], problems: list[Problem],
           invalid: int) -> Chunk:
    if plan.direct is not None:
        rows = (("".join(lines).encode(), "".join(more[0]).encode(),
                 "".join(more[1]).encode()) if lines else None)
        return Chunk(total, rows, len(lines), problems, invalid)
    if plan.copy_text:
        return Chunk(total, "".join(lines).encode() if lines else None, len(lines), problems,
                     invalid)
    return Chunk(total, tuples or None, len(tuples), problems, invalid)


def _serve() -> None:
    """A worker process (``python -m chitra.registry.importing.pipeline``): a pickled
    ``(plan, part, parts)`` on stdin; pickled chunks, then :class:`End` (or a failure) on
    stdout. Each write blocks while the main process is still loading earlier chunks, which
    is what bounds memory."""
    out = sys.stdout.buffer
    plan, part, parts = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the parent process
    try:
        for item in chunks(plan, part, parts):
            pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
    except FileRefused as e:
        pickle.dump(_Failed(e.code, e.message_vi, e.message_en, None), out)
    except BaseException:
        pickle.dump(_Failed("", "", "", traceback.format_exc()), out)
    out.flush()


def run(plan: Plan, *, workers: int) -> Iterator[Chunk | End]:
    """:func:`chunks` in file order, from ``workers`` worker processes (0: in-process).
    Raises a worker's :class:`FileRefused` (or a RuntimeError for any other failure)."""
    if workers < 1:
        yield from chunks(plan)
        return
    # Plain child interpreters (not multiprocessing): they do not re-import the caller's
    # __main__ and inherit no database connection.
    src = str(Path(__file__).resolve().parents[3])  # the directory holding the chitra package
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, (src, os.environ.get("PYTHONPATH"))))}
    procs = [subprocess.Popen([sys.executable, "-m", "chitra.registry.importing.pipeline"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
             for _ in range(workers)]
    done = False
    try:
        for part, proc in enumerate(procs):
            assert proc.stdin is not None
            pickle.dump((plan, part, workers), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.close()
        turn = 0
        while True:
            item = _receive(procs[turn % workers])
            if isinstance(item, End):  # the others end too; every worker saw every row
                for other in range(turn + 1, turn + workers):
                    _receive(procs[other % workers])
                done = True
                yield item
                return
            yield item
            turn += 1
    finally:
        for proc in procs:
            if not done:  # the consumer stopped early (an error): stop the workers
                proc.kill()
            assert proc.stdout is not None
            proc.stdout.close()
            proc.wait()


def _receive(proc: subprocess.Popen[bytes]) -> Chunk | End:
    assert proc.stdout is not None
    try:
        item = pickle.load(proc.stdout)  # noqa: S301 - from our own child process
    except EOFError:
        raise RuntimeError(f"import worker exited ({proc.wait()}) without finishing") from None
    if isinstance(item, _Failed):
        if item.trace is None:
            raise FileRefused(item.code, item.message_vi, item.message_en)
        raise RuntimeError("import worker failed:\n" + item.trace)
    assert isinstance(item, Chunk | End)
    return item


if __name__ == "__main__":
    # Through the package's own module, so what is pickled names chitra's classes.
    from chitra.registry.importing.pipeline import _serve as serve

    serve()
