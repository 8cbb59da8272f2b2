"""The writer streams: memory stays flat however many transfers go through it.

tracemalloc slows allocation-heavy code about fivefold, so the traced runs use 2,000 and
20,000 transfers and show the peak does not grow with the count; the full 200,000 run is
untraced, and checks the wall time and the process's peak resident memory instead.
"""

from __future__ import annotations

import hashlib
import resource
import tracemalloc
from collections.abc import Iterator

from chitra.payments.iso20022 import CreditTransfer, end_to_end_id, write_pain001

from .samples import PERIOD, header_for

MB = 1024 * 1024


class _Sink:
    """A write-only file that keeps only a running hash and a byte count."""

    def __init__(self) -> None:
        self.size = 0
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.sha256.update(data)
        return len(data)


def _transfers(count: int) -> Iterator[CreditTransfer]:
    for item_id in range(1, count + 1):
        yield CreditTransfer(
            end_to_end_id=end_to_end_id(PERIOD, item_id),
            amount=1_000_000 + item_id,
            creditor_name="Lê Văn Hùng",
            creditor_account=f"{item_id:012d}",
            creditor_agent_bin="970415",
            creditor_agent_bic="ICBVVNVX" if item_id % 3 else None,
            remittance="Lương hưu tháng 07/2025",
        )


def _write(count: int) -> _Sink:
    header = header_for(
        [], tx_count=count, control_sum=1_000_000 * count + count * (count + 1) // 2
    )
    sink = _Sink()
    write_pain001(sink, header, _transfers(count))  # type: ignore[arg-type]
    return sink


def _traced_peak(count: int) -> int:
    tracemalloc.start()
    try:
        _write(count)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_peak_does_not_grow_with_the_number_of_transfers() -> None:
    small, large = _traced_peak(2_000), _traced_peak(20_000)

    assert large < 20 * MB
    assert large - small < 1 * MB  # 18,000 more transfers (~13 MB of XML) cost nothing


def test_writing_200000_transfers_from_a_generator_stays_flat() -> None:
    # Speed is measured in benchmarks/payment_cycle.py, not asserted here.
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    sink = _write(200_000)

    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    assert sink.size > 100 * MB  # the file would not fit the budget below
    assert rss_growth < 20 * MB
