"""A CSV file read in byte ranges, so that each worker process parses only its own share.

The file is cut into blocks of about ``block`` bytes, each ending just after a ``\\n``. Every
worker computes the same cuts (:func:`cuts`), reads the blocks that are its turn and only
counts the line breaks of the others (C speed), so its row numbers are the file's. A cut is
a row boundary unless a quoted cell holds a line break across it; the reader of the block
before a cut sees that (its last record runs past the cut, :attr:`RangeReader.overran`) and
the caller then reads the rest of the file in one range from where that record ended.

Line breaks are counted as ``open(newline="")`` splits lines (``\\n``, ``\\r\\n`` and a bare
``\\r``), so a row number is the ``csv.reader.line_num`` a whole-file read gives.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from chitra.registry.importing.reading import encoding_mixed, malformed

_LINES = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SCAN = 1 << 20


@dataclass(frozen=True)
class Position:
    offset: int  # byte offset of a row boundary
    line: int  # line breaks before it (the row number of the row before it)


@dataclass(frozen=True)
class CsvFormat:
    """What :func:`reading.open_table` found out about a CSV file, and where its data rows
    start (:func:`with_data_start`)."""

    encoding: str  # "utf-8" or "cp1258" (a UTF-8 BOM is skipped with the header)
    delimiter: str
    data_start: Position = Position(0, 0)


def line_breaks(f: BinaryIO, start: int, end: int) -> int:
    """Line breaks in bytes [start, end), ``\\r\\n`` counting once."""
    f.seek(start)
    count, left, last = 0, end - start, b""
    while left > 0:
        data = f.read(min(_SCAN, left))
        if not data:
            break
        left -= len(data)
        count += data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
        if last == b"\r" and data[:1] == b"\n":
            count -= 1
        last = data[-1:]
    return count


def cuts(f: BinaryIO, start: int, size: int, block: int) -> list[int]:
    """Block boundaries from ``start`` to ``size``: each one just after a ``\\n``."""
    out = [start]
    at = start + block
    while at < size:
        base = at - 1  # a cut at ``at`` itself needs the byte before it to be "\n"
        f.seek(base)
        while True:
            data = f.read(_SCAN)
            if not data:
                return [*out, size]
            i = data.find(b"\n")
            if i >= 0:
                break
            base += len(data)
        cut = base + i + 1
        if cut >= size:
            break
        out.append(cut)
        at = cut + block
    out.append(size)
    return out


class RangeReader:
    """The records of a CSV file from one row boundary on, read from the bytes."""

    def __init__(self, f: BinaryIO, fmt: CsvFormat, start: Position) -> None:
        self.f, self.encoding = f, fmt.encoding
        self.pos, self.line = start.offset, start.line
        self.overran = False
        self._delimiter = fmt.delimiter

    def _lines(self) -> Iterator[str]:
        f, encoding = self.f, self.encoding
        f.seek(self.pos)
        for raw in f:
            parts = _LINES.findall(raw) if b"\r" in raw and not (
                raw.endswith(b"\r\n") and raw.count(b"\r") == 1) else (raw,)
            for part in parts:
                try:
                    text = part.decode(encoding)
                except UnicodeDecodeError as e:
                    raise encoding_mixed(self.line) from e
                self.pos += len(part)
                self.line += 1
                yield text

    def records(self, end: int) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of the non-empty records starting before ``end``. The last
        one may run past ``end`` (a quoted line break): :attr:`overran` is then set and
        :attr:`pos` is where it ended."""
        self.overran = False
        if self.pos >= end:
            return
        reader = csv.reader(self._lines(), delimiter=self._delimiter)
        try:
            for cells in reader:
                if cells and any(cells):
                    yield self.line, cells
                if self.pos >= end:
                    self.overran = self.pos > end
                    return
        except csv.Error as e:
            raise malformed(self.line + 1, e) from e

    def skip_to(self, offset: int) -> None:
        """Move to the row boundary ``offset`` (past other workers' blocks)."""
        self.line += line_breaks(self.f, self.pos, offset)
        self.pos = offset


def with_data_start(path: Path, fmt: CsvFormat) -> CsvFormat:
    """``fmt`` with the row boundary after the header record (and a UTF-8 BOM)."""
    with path.open("rb") as f:
        return with_data_start_of(f, fmt)


def with_data_start_of(f: BinaryIO, fmt: CsvFormat) -> CsvFormat:
    f.seek(0)
    start = 3 if f.read(3) == b"\xef\xbb\xbf" else 0
    reader = RangeReader(f, fmt, Position(start, 0))
    next(reader.records(start + 1), None)
    return CsvFormat(fmt.encoding, fmt.delimiter, Position(reader.pos, reader.line))
