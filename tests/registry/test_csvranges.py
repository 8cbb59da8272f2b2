"""Cutting a CSV file into blocks of bytes: cuts fall after a line break, and line breaks are
counted the way ``open(newline="")`` splits lines."""

from __future__ import annotations

import csv
import io

import pytest

from chitra.registry.importing import csvranges
from chitra.registry.importing.csvranges import CsvFormat, Position, RangeReader, cuts

TEXT = 'a,b\r\n1,"x\r\ny"\n2,z\r3,w\r\n\r\n4,"q"\n5,last'


@pytest.fixture(params=[1, 3, 1 << 20], ids=["1-byte scans", "3-byte scans", "1 MB scans"])
def scan(request, monkeypatch) -> int:
    monkeypatch.setattr(csvranges, "_SCAN", request.param)
    return request.param


def test_line_breaks_count_crlf_once_even_across_reads(scan):
    data = TEXT.encode()
    f = io.BytesIO(data)
    expected = len(io.StringIO(TEXT, newline="").readlines()) - 1  # no break after "last"
    assert csvranges.line_breaks(f, 0, len(data)) == expected == 7


def test_cuts_fall_just_after_a_newline(scan):
    data = TEXT.encode()
    for block in (1, 2, 5, 100):
        bounds = cuts(io.BytesIO(data), 5, len(data), block)
        assert (bounds[0], bounds[-1]) == (5, len(data))
        assert bounds == sorted(set(bounds))
        assert all(data[b - 1:b] == b"\n" for b in bounds[1:-1])


def test_reading_from_any_cut_gives_the_whole_file_reads_rows_and_numbers(scan):
    data = TEXT.encode()
    reader = csv.reader(io.StringIO(TEXT, newline=""))
    whole = [(reader.line_num, cells) for cells in reader if any(cells)][1:]
    fmt = csvranges.with_data_start_of(io.BytesIO(data), CsvFormat("utf-8", ","))
    assert fmt.data_start == Position(5, 1)
    f = io.BytesIO(data)
    bounds = cuts(f, 5, len(data), 1)
    got, overran = [], []
    r = RangeReader(f, fmt, fmt.data_start)
    for j in range(len(bounds) - 1):
        if r.pos < bounds[j]:
            r.skip_to(bounds[j])
        got.extend(r.records(bounds[j + 1]))
        overran.append(r.overran)
    assert got == whole
    assert whole[0] == (3, ["1", "x\r\ny"])
    assert overran[0] is True  # the quoted line break runs past the first cut
    assert not any(overran[1:])
