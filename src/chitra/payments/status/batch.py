"""Many status files in one run (``chitra ingest_status FILE…``), in their order (DESIGN §8).

Reading a pain.002 is Python; checking and applying it is the database's work. On
PostgreSQL a worker process reads the next files into ``COPY`` text while up to
``CONFIG.status_appliers`` files are applied at once, each by its own thread, connection and
transaction (:func:`~chitra.payments.status.ingest.ingest_status_file`).

Two files are applied at once only when they cannot move the same item: both are pain.002
files, read ahead, naming different payment files (a line about an item outside the payment
file it names is held for a person, and moves nothing; the status it records as the item's
is the one it saw). Anything else — a camt.054 or a cash result, which may name any item, a
file that could not be read — waits for the files before it and is applied alone. What a
file does beyond its items (its rejections reach people and accounts, which another file's
may too, and it moves the cycle) waits, items moved, until every file before it has ended
(:func:`~chitra.payments.status.ingest.ingest_status_file`'s ``turn``): so each file sees
what the files before it did, the outcome is the one of applying the files one by one in
the order given, and the results come back in that order. A file that fails (another upload
moved one of its items meanwhile) comes back refused with the reason, and the others go on,
as with any refusal. The cycles whose items the files moved are announced once, after the
last file (:func:`~chitra.payments.status.ingest.announce_applied`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import partial
from pathlib import Path

from django.db import connection

from chitra.access.models import User
from chitra.config import CONFIG
from chitra.core.errors import DomainError, Problem
from chitra.core.workerpool import ThreadPool, WorkerPool, each
from chitra.payments.errors import PaymentError
from chitra.payments.models import StatusSource
from chitra.payments.status import read as statuslines
from chitra.payments.status.ingest import (
    IngestResult,
    after_commit,
    announce_applied,
    ingest_status_file,
    sniff,
)
from chitra.payments.status.scope import office_accounts

# What a file may touch: the msg ids of the payment files it names; None: any item.
Reach = frozenset[str] | None
# Told the cycles a file moved, once it has committed.
Announce = Callable[[frozenset[int]], object]


def ingest_status_files(paths: Iterable[Path], user: User) -> Iterator[IngestResult]:
    """:func:`~chitra.payments.status.ingest.ingest_status_file` for each file, each in its own
    transaction, as if one after the other.

    Inside a caller's transaction (a test's) the files are applied on its connection, one at
    a time: another connection would not see what it holds.
    """
    todo = list(paths)
    moved: set[int] = set()  # gathered as each file commits (in its thread)
    try:
        if connection.vendor != "postgresql" or len(todo) < 2:
            for path in todo:
                yield _apply(path, user, None, None, moved.update)
            return
        appliers = 1 if connection.in_atomic_block else max(1, CONFIG.status_appliers)
        yield from _Batch(todo, user, appliers, moved.update).run()
    finally:
        # After the files' own commits (inside a caller's transaction, their hooks come
        # first): every cycle once, however many files moved it.
        after_commit(partial(announce_applied, moved))


class _Batch:
    def __init__(self, paths: list[Path], user: User, appliers: int,
                 announce: Announce) -> None:
        self.paths, self.user, self.appliers, self.announce = paths, user, appliers, announce
        self.sources = [_sniff_quietly(path) for path in paths]  # its first 4 KiB each
        # The accounts a camt.054 may be about, for the reader (which has no database).
        self.accounts = (office_accounts(user) if StatusSource.CAMT054 in self.sources
                         else None)
        self.ahead: dict[int, Future[statuslines.Parsed]] = {}
        self.started: list[Future[IngestResult]] = []
        self.running: dict[Future[IngestResult], Reach] = {}
        self.yielded = 0

    def run(self) -> Iterator[IngestResult]:
        # The reader needs no database, and is started only if a file after the first (read
        # here) is to be read ahead; each applier thread has its own connection.
        readable = any(s in (StatusSource.PAIN002, StatusSource.CAMT054)
                       for s in self.sources[1:])
        reader = [each(statuslines.read_for_copy)] if readable else []
        with WorkerPool(reader) as readers, ThreadPool(self.appliers) as pool:
            try:
                self._read_ahead(readers, 1)
                self._read_first()
                for k, path in enumerate(self.paths):
                    self._read_ahead(readers, k + 1)
                    reach = self._reach(k)
                    while self.running and (len(self.running) >= self.appliers
                                            or self._meets(reach)):
                        wait(self.running, return_when=FIRST_COMPLETED)
                        self.running = {f: r for f, r in self.running.items() if not f.done()}
                        yield from self._finished()
                    future = self._start(pool, path, self.ahead.pop(k, None),
                                         list(self.started))
                    self.started.append(future)
                    self.running[future] = reach
                    yield from self._finished()
                for future in self.started[self.yielded:]:
                    yield future.result()
            finally:
                for future in self.running:
                    future.cancel()
                wait(self.running)

    def _read_first(self) -> None:
        """The first file is read here, while the worker process starts: what it names is
        known at once, so the second file may start beside it."""
        source = self.sources[0]
        if source in (StatusSource.PAIN002, StatusSource.CAMT054):
            read: Future[statuslines.Parsed] = Future()
            read.set_result(statuslines.read_for_copy(str(self.paths[0]), str(source.value),
                                                      self._accounts(source)))
            self.ahead[0] = read

    def _read_ahead(self, readers: WorkerPool, first: int) -> None:
        """The next files (as many as are applied at once), as ``COPY`` text in memory."""
        for k in range(first, min(first + self.appliers, len(self.paths))):
            source = self.sources[k]
            if k not in self.ahead and source in (StatusSource.PAIN002, StatusSource.CAMT054):
                # Plain str: the worker has no Django to unpickle a StatusSource.
                self.ahead[k] = readers.submit(0, str(self.paths[k]), str(source.value),
                                               self._accounts(source))

    def _accounts(self, source: StatusSource) -> frozenset[str] | None:
        return self.accounts if source == StatusSource.CAMT054 else None

    def _reach(self, k: int) -> Reach:
        """The payment files file ``k`` names, if it is a pain.002 read ahead well."""
        future = self.ahead.get(k)
        if future is None or self.sources[k] != StatusSource.PAIN002 or future.exception():
            return None
        parsed = future.result()
        if parsed.error is not None:
            return None
        staged = parsed.staged
        return frozenset([*staged.msg_ids, *(g[0] for g in staged.groups)])

    def _meets(self, reach: Reach) -> bool:
        return any(reach is None or other is None or reach & other
                   for other in self.running.values())

    def _start(self, pool: ThreadPool, path: Path, parsed: Future[statuslines.Parsed] | None,
               before: list[Future[IngestResult]]) -> Future[IngestResult]:
        if self.appliers == 1:  # here, on the caller's connection
            done: Future[IngestResult] = Future()
            try:
                done.set_result(_apply(path, self.user, parsed, None, self.announce))
            except Exception as e:  # raised again, in turn, by run()
                done.set_exception(e)
            return done
        # Every file before it, not only the last: one that ended early (a duplicate, a
        # refusal) must not let this one pass another still running. Files start in order,
        # so those have started, and none waits on a later one.
        turn = partial(wait, before) if before else None
        return pool.submit(_apply, path, self.user, parsed, turn, self.announce)

    def _finished(self) -> Iterator[IngestResult]:
        """The results ready, in file order (one still running holds back those after)."""
        while self.yielded < len(self.started) and self.started[self.yielded].done():
            self.yielded += 1
            yield self.started[self.yielded - 1].result()


def _apply(path: Path, user: User, parsed: Future[statuslines.Parsed] | None,
           turn: Callable[[], object] | None, announce: Announce) -> IngestResult:
    """One file; refused, with the reason, if it could not be applied."""
    try:
        return ingest_status_file(path, user, parsed=parsed, turn=turn, announce=announce)
    except DomainError as e:
        return IngestResult(file_name=path.name, problems=[
            Problem(None, "", "", e.code, e.message_vi, e.message_en)])


def _sniff_quietly(path: Path) -> StatusSource | None:
    try:
        return sniff(path)
    except (PaymentError, OSError):
        return None  # reported when its turn comes
