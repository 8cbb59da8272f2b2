"""Read + validate an import file into ready-to-stage chunks, in a worker process for big files.

The pass over the file is CPU-bound Python (parsing, validation, building ``COPY`` text); the
staging ``COPY`` is database work. For a big file the pass runs in a separate process
(a child interpreter: no inherited database connection) that sends each chunk — ``COPY``
text as bytes for PostgreSQL, a list of tuples for SQLite — with its problems through a pipe,
one chunk ahead of the main process staging the previous one: both cores are busy and memory
stays bounded (the pipe blocks the worker). Small files run the
same generator in-process (no process start-up cost).

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


@dataclass
class Chunk:
    rows_seen: int  # data rows read so far (for progress)
    rows: bytes | list[tuple[str | None, ...]] | None  # valid rows to stage, or None
    count: int  # number of rows in ``rows``
    problems: list[Problem] = field(default_factory=list)
    invalid: int = 0  # rows with a problem in this chunk


@dataclass
class End:
    rows_total: int
    # (first row, personal ID) of IDs repeated in the file: their first row is a problem too
    repeated_first: list[tuple[int, str]]


@dataclass
class _Failed:
    code: str
    message_vi: str
    message_en: str
    trace: str | None  # None: a FileRefused


_TEXT_FIELDS = tuple(i for i, k in enumerate(STAGE_COLUMNS)
                     if k in ("full_name", "name_key", "street", "holder_name",
                              "holder_name_key", "bhxh_code", "phone", "account_number"))


def copy_line(row: tuple[str | None, ...]) -> str:
    """One line of PostgreSQL COPY text format. Validation left no tab, newline or control
    character in any value; a backslash (possible in free text) is escaped."""
    line = "\t".join(["\\N" if v is None else v for v in row])
    if "\\" in line and line.count("\\") != row.count(None):
        values = list(row)
        for i in _TEXT_FIELDS:
            v = values[i]
            if v is not None:
                values[i] = v.replace("\\", "\\\\")
        line = "\t".join("\\N" if v is None else v for v in values)
    return line + "\n"


def chunks(plan: Plan) -> Iterator[Chunk | End]:
    """The file as chunks of valid rows and problems, then :class:`End`.

    In all-or-nothing mode rows stop being sent at the first problem (nothing will be
    staged), but every row is still validated so that every problem is reported.
    Personal IDs repeated in the file are caught with one dict of integers.
    """
    table = open_table(plan.path)
    try:
        table.zero_pad.update(plan.zero_pad)
        validate = RowValidator(plan.layout, plan.lookups).validate
        cid_index = plan.layout.index["citizen_id"]
        seen: dict[int, int] = {}  # personal ID → first row; ~100 MB for a million rows
        repeated_first: dict[int, str] = {}
        staging = True
        copy_text = plan.copy_text
        size = plan.chunk_rows
        lines: list[str] = []
        tuples: list[tuple[str | None, ...]] = []
        problems_out: list[Problem] = []
        invalid = 0
        total = 0
        for row_no, cells in table.rows:
            total += 1
            values, problems = validate(row_no, cells)
            cid = values[1] if values else (
                cells[cid_index].strip() if cid_index < len(cells) else "")
            if cid and len(cid) == 12 and cid.isdigit():
                first = seen.setdefault(int(cid), row_no)
                if first != row_no:
                    repeated_first[first] = cid
                    problems.append(Problem(
                        row_no, "citizen_id", cid, "citizen_id_repeated",
                        f"Số định danh lặp lại trong tệp (đã có ở dòng {first}).",
                        f"Personal ID repeated in the file (first at row {first})."))
                    values = None
            if problems:
                invalid += 1
                problems_out.extend(problems)
                if not plan.accept_valid:
                    staging = False
                    lines.clear()
                    tuples.clear()
            elif staging and values is not None:
                if copy_text:
                    lines.append(copy_line(values))
                else:
                    tuples.append(values)
            if total % size == 0:
                yield _chunk(total, copy_text, lines, tuples, problems_out, invalid)
                lines, tuples, problems_out, invalid = [], [], [], 0
        yield _chunk(total, copy_text, lines, tuples, problems_out, invalid)
        del seen
        yield End(total, sorted(repeated_first.items()))
    finally:
        table.close()


def _chunk(total: int, copy_text: bool, lines: list[str],
           tuples: list[tuple[str | None, ...]], problems: list[Problem],
           invalid: int) -> Chunk:
    if copy_text:
        return Chunk(total, "".join(lines).encode() if lines else None, len(lines), problems,
                     invalid)
    return Chunk(total, tuples or None, len(tuples), problems, invalid)


def _serve() -> None:
    """The worker process (``python -m chitra.registry.importing.pipeline``): a pickled
    :class:`Plan` on stdin; pickled chunks, then :class:`End` (or a failure) on stdout. Each
    write blocks while the main process is still staging the previous chunk, which is what
    bounds memory."""
    out = sys.stdout.buffer
    plan = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the parent process
    try:
        for item in chunks(plan):
            pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()
    except FileRefused as e:
        pickle.dump(_Failed(e.code, e.message_vi, e.message_en, None), out)
    except BaseException:
        pickle.dump(_Failed("", "", "", traceback.format_exc()), out)
    out.flush()


def run(plan: Plan, *, parallel: bool) -> Iterator[Chunk | End]:
    """:func:`chunks`, in a worker process if ``parallel``. Raises the worker's
    :class:`FileRefused` (or a RuntimeError for any other failure of the worker)."""
    if not parallel:
        yield from chunks(plan)
        return
    # A plain child interpreter (not multiprocessing): it does not re-import the caller's
    # __main__ and inherits no database connection.
    src = str(Path(__file__).resolve().parents[3])  # the directory holding the chitra package
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, (src, os.environ.get("PYTHONPATH"))))}
    worker = subprocess.Popen(
        [sys.executable, "-m", "chitra.registry.importing.pipeline"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert worker.stdin is not None
    assert worker.stdout is not None
    done = False
    try:
        pickle.dump(plan, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        worker.stdin.close()
        while True:
            try:
                item = pickle.load(worker.stdout)  # noqa: S301 - from our own child process
            except EOFError:
                raise RuntimeError(
                    f"import worker exited ({worker.wait()}) without finishing") from None
            if isinstance(item, _Failed):
                if item.trace is None:
                    raise FileRefused(item.code, item.message_vi, item.message_en)
                raise RuntimeError("import worker failed:\n" + item.trace)
            if isinstance(item, End):
                done = True
            yield item
            if done:
                return
    finally:
        if not done:  # the consumer stopped early (an error): stop the worker
            worker.kill()
        worker.stdout.close()
        worker.wait()


if __name__ == "__main__":
    # Through the package's own module, so what is pickled names chitra's classes.
    from chitra.registry.importing.pipeline import _serve as serve

    serve()
