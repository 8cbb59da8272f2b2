"""The worker pool: results complete and in order, a worker's failure raised here with its
message, workers on the very database of this process, and no worker left after a failure.

The jobs are functions of this module: a worker imports it to unpickle them, so it imports
no model at the top.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from functools import partial

import pytest
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from chitra.core.errors import DomainError
from chitra.core.workerpool import (
    Database,
    RemoteTraceback,
    ThreadPool,
    WorkerFailed,
    WorkerPool,
    each,
    imap,
)


def _square(n: int) -> int:
    return n * n


def _refuse_three(n: int) -> int:
    if n == 3:
        raise DomainError("three", "Không nhận số ba.", "Three is refused.")
    return n


def _numbers(start: int, step: int, stop: int, _inputs: Iterator[object]) -> Iterator[int]:
    yield from range(start, stop, step)


def _pid_then_wait(inputs: Iterator[object]) -> Iterator[int]:
    yield os.getpid()
    for _ in inputs:  # until the input ends: killed before that
        yield 0


def _pid_then_fail(inputs: Iterator[object]) -> Iterator[int]:
    yield os.getpid()
    next(inputs)
    raise ValueError("the ledger does not balance")


def _provider_name(pk: int) -> tuple[str, str]:
    from chitra.core.models import PaymentProvider

    return PaymentProvider.objects.get(pk=pk).name, str(connection.settings_dict["NAME"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return False


def test_results_come_complete_and_in_order():
    assert list(imap(_square, range(40), workers=2, in_flight=3)) == [n * n for n in range(40)]


def test_streams_of_each_worker_come_whole():
    jobs = [partial(_numbers, part, 2, 2_000) for part in range(2)]
    with WorkerPool(jobs) as pool:
        evens, odds = list(pool.results(0)), list(pool.results(1))
    assert evens == list(range(0, 2_000, 2))
    assert odds == list(range(1, 2_000, 2))


def test_a_refusal_in_a_worker_is_raised_here_as_itself_and_the_worker_goes_on():
    with WorkerPool([each(_refuse_three)]) as pool:
        with pytest.raises(DomainError, match="Three is refused") as refused:
            pool.call(0, 3)
        assert (refused.value.code, refused.value.message_vi) == ("three", "Không nhận số ba.")
        assert isinstance(refused.value.__cause__, RemoteTraceback)
        assert "_refuse_three" in str(refused.value.__cause__)
        assert pool.call(0, 4) == 4


def test_a_failed_worker_is_raised_here_with_its_message_and_no_worker_is_left():
    pids: list[int] = []

    def fail() -> None:
        with WorkerPool([_pid_then_wait, _pid_then_fail]) as pool:
            pids.extend([pool.receive(0), pool.receive(1)])
            pool.send(1, "go")
            pool.receive(1)

    with pytest.raises(ValueError, match="the ledger does not balance"):
        fail()
    assert multiprocessing.active_children() == []
    assert not any(_alive(pid) for pid in pids)


def test_a_consumer_that_stops_early_leaves_no_worker():
    pids: list[int] = []

    def first_pids() -> Iterator[int]:
        with WorkerPool([_pid_then_wait, _pid_then_wait]) as pool:
            for i in range(2):
                yield pool.receive(i)
            yield pool.receive(0)  # never reached: the consumer stops before

    results = first_pids()
    pids += [next(results), next(results)]
    results.close()
    assert multiprocessing.active_children() == []
    assert not any(_alive(pid) for pid in pids)


def test_a_worker_that_dies_is_reported_not_awaited():
    with WorkerPool([each(os._exit)]) as pool, pytest.raises(WorkerFailed, match="exited"):
        pool.call(0, 3)


def test_the_calling_process_takes_items_beside_the_workers():
    with WorkerPool([each(_square), each(_square)]) as pool:
        out = list(pool.map_unordered([(n,) for n in range(30)], lambda args: _square(*args)))
    assert sorted(out) == [n * n for n in range(30)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_open_the_database_of_this_process(settings, tmp_path):
    from chitra.core.models import PaymentProvider, ProviderKind

    settings.MEDIA_ROOT = str(tmp_path)  # settings overridden here, as many tests do

    with transaction.atomic():
        provider = PaymentProvider.objects.create(
            short_name="WORKERBANK", name="Ngân hàng của thợ", kind=ProviderKind.BANK,
            account_min_length=8, account_max_length=16)
    seen = list(imap(_provider_name, [provider.pk] * 3, workers=2,
                     database=Database.of_this_process()))
    # The test database this process uses, not the one the settings name.
    assert seen == [("Ngân hàng của thợ", str(connection.settings_dict["NAME"]))] * 3


def test_threads_use_connections_of_their_own_and_close_them():
    def used() -> BaseDatabaseWrapper:
        connections["default"].ensure_connection()
        return connections["default"]

    with ThreadPool(2) as pool:
        wrappers = {pool.submit(used).result() for _ in range(4)}
    assert connections["default"] not in wrappers
    assert all(w.connection is None for w in wrappers)
