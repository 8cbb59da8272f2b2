"""Worker processes beside the main one, and threads with a database connection each.

A worker is a fresh interpreter (the ``spawn`` start method): it inherits no database
connection, no lock and no half-done transaction. It runs one *job*: a generator over the
items the main process sends it, yielding what it sends back, through one pipe each way. A
pipe blocks a worker whose results are not read yet and the main process hands out the next
item only as results come back, so the work in flight — and the memory — stay bounded.

A worker that needs the database is given the main process's own connection settings
(:class:`Database`): it opens the very database the main process uses, a test database
included, and works out nothing itself. It sees only what the main process committed
(:func:`may_share_database`).

This module imports no model: a worker unpickles its job only once Django is set up.
"""

from __future__ import annotations

import contextlib
import copy
import pickle
import queue
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")
R = TypeVar("R")
# A worker's work: the items sent to it in, what it sends back out.
Job = Callable[[Iterator[Any]], Iterable[Any]]


class WorkerFailed(RuntimeError):
    """A worker process failed in a way that cannot be raised as itself, or exited without
    finishing."""


class RemoteTraceback(Exception):
    """The traceback of a failure in a worker (the ``__cause__`` of what is raised here)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Database:
    """The main process's database settings, as its connections hold them (the test
    database's name under a test run): what a worker connects with. The rest of the
    settings a worker reads as the main process did (the same settings module, named in the
    environment it inherits)."""

    databases: dict[str, dict[str, Any]]

    @classmethod
    def of_this_process(cls) -> Database:
        from django.db import connections

        return cls({alias: copy.deepcopy(connections[alias].settings_dict)
                    for alias in connections})

    def open(self) -> None:
        """In a worker, before anything touches the database: Django set up on these."""
        import django
        from django.conf import settings

        settings.DATABASES = self.databases
        django.setup()


def may_share_database() -> bool:
    """Workers see only committed rows of a database they can open: not inside a
    transaction (a test's, or a caller's), not an in-memory SQLite database."""
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    in_memory = connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)
    return not connection.in_atomic_block and not in_memory


@dataclass(frozen=True)
class _End:
    """No more items (to a worker), or no more results (from one)."""


_END = _End()


@dataclass(frozen=True)
class _Failed:
    # The exception as class, args and attributes (raised again as itself), or None if
    # those do not pickle.
    error: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]] | None
    trace: str
    final: bool  # the worker stops (its job failed), or goes on (one item of :func:`each`)

    @classmethod
    def of(cls, e: BaseException, final: bool) -> _Failed:
        trace = "".join(traceback.format_exception(e))
        error: tuple[type[BaseException], tuple[Any, ...], dict[str, Any]] | None
        error = (type(e), e.args, dict(vars(e)))
        try:
            pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        except Exception:
            error = None
        return cls(error, trace, final)

    def raise_here(self) -> NoReturn:
        remote = RemoteTraceback(self.trace)
        if self.error is None:
            raise WorkerFailed("worker process failed:\n" + self.trace) from remote
        # Rebuilt without calling __init__, whose parameters need not be its args.
        cls, args, attributes = self.error
        e = cls.__new__(cls, *args)
        e.args = args
        e.__dict__.update(attributes)
        raise e from remote


def each(fn: Callable[..., Any]) -> Job:
    """A job calling ``fn(*args)`` for each argument tuple sent (:meth:`WorkerPool.call`,
    :meth:`WorkerPool.submit`); a failure is that call's, and the worker goes on."""
    return partial(_each, fn)


def _each(fn: Callable[..., Any], inputs: Iterator[tuple[Any, ...]]) -> Iterator[Any]:
    for args in inputs:
        try:
            yield fn(*args)
        except Exception as e:  # sent back as that call's failure
            yield _Failed.of(e, final=False)


def _work(conn: Connection, database: Database | None, job: bytes) -> None:
    """A worker process's life: its job's results, then the end or the failure."""
    try:
        if database is not None:
            database.open()
        run: Job = pickle.loads(job)  # noqa: S301 - from the main process
        for result in run(_inputs(conn)):
            conn.send(result)
        conn.send(_END)
    except BaseException as e:
        with contextlib.suppress(OSError):  # the main process is gone: nobody to tell
            conn.send(_Failed.of(e, final=True))
    finally:
        if database is not None:
            from django.db import connections

            connections.close_all()


def _inputs(conn: Connection) -> Iterator[Any]:
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if isinstance(item, _End):
            return
        yield item


class WorkerPool:
    """One worker process per job of ``jobs``; ``database``: the settings of the workers
    that use the database (:meth:`Database.of_this_process`), None for those that do not.

    Leaving the ``with`` block normally ends the workers' input and waits for their end;
    leaving it on an exception (a generator closed early included) kills them.
    """

    def __init__(self, jobs: Sequence[Job], *, database: Database | None = None) -> None:
        self._jobs = [pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL) for job in jobs]
        self._database = database
        self._procs: list[BaseProcess] = []
        self._conns: list[Connection] = []
        self._ended: list[bool] = []
        self._messengers: dict[int, ThreadPoolExecutor] = {}
        self._stopped = False

    def __len__(self) -> int:
        return len(self._jobs)

    def __enter__(self) -> WorkerPool:
        spawn = get_context("spawn")
        try:
            for job in self._jobs:
                here, there = spawn.Pipe()
                proc = spawn.Process(target=_work, args=(there, self._database, job),
                                     daemon=True)
                proc.start()
                there.close()  # the worker's end: its exit is then our EOF
                self._procs.append(proc)
                self._conns.append(here)
                self._ended.append(False)
        except BaseException as e:  # the ones started are killed
            self.__exit__(type(e), e, e.__traceback__)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        finished = False
        try:
            if exc_type is None and not self._stopped:
                for messenger in self._messengers.values():
                    messenger.shutdown(wait=True)
                self._finish()
            finished = True
        finally:
            if exc_type is not None or not finished:
                self.stop()
            for messenger in self._messengers.values():
                messenger.shutdown(wait=True, cancel_futures=True)
            for proc, conn in zip(self._procs, self._conns, strict=True):
                proc.join()
                proc.close()
                conn.close()

    def _finish(self) -> None:
        """End every worker's input and read what it still sends, up to its end."""
        for i, conn in enumerate(self._conns):
            if not self._ended[i]:
                with contextlib.suppress(OSError):  # it may be gone: done with its job
                    conn.send(_END)
                deque(self.results(i), maxlen=0)

    def stop(self) -> None:
        """Kill every worker (what they were doing is not needed any more)."""
        self._stopped = True
        for proc in self._procs:
            if proc.exitcode is None:
                proc.kill()

    def send(self, i: int, item: Any) -> None:
        """An item to worker ``i``'s job (blocks while its pipe is full)."""
        self._conns[i].send(item)

    def receive(self, i: int) -> Any:
        """Worker ``i``'s next result; its failure raised as the exception it was."""
        result = self._receive(i)
        if isinstance(result, _End):
            raise WorkerFailed(f"worker process {i} ended without a result")
        return result

    def results(self, i: int) -> Iterator[Any]:
        """Worker ``i``'s results, up to the end of its job."""
        while not isinstance(result := self._receive(i), _End):
            yield result

    def call(self, i: int, *args: Any) -> Any:
        """``fn(*args)`` by worker ``i`` (an :func:`each` job), waiting for the result."""
        self.send(i, args)
        return self.receive(i)

    def submit(self, i: int, *args: Any) -> Future[Any]:
        """:meth:`call` without waiting: worker ``i``'s calls run in the order submitted."""
        if i not in self._messengers:
            self._messengers[i] = ThreadPoolExecutor(1, thread_name_prefix=f"worker-{i}")
        return self._messengers[i].submit(self.call, i, *args)

    def _receive(self, i: int) -> Any:
        if self._ended[i]:
            return _END
        try:
            result = self._conns[i].recv()
        except EOFError:
            self._ended[i] = True
            self._procs[i].join()
            raise WorkerFailed(f"worker process exited ({self._procs[i].exitcode}) "
                               "without finishing") from None
        if isinstance(result, _Failed):
            self._ended[i] = result.final
            result.raise_here()
        if isinstance(result, _End):
            self._ended[i] = True
        return result

    def map_unordered(self, items: Iterable[T],
                      here: Callable[[T], R] | None = None) -> Iterator[Any]:
        """``items`` shared out among workers whose jobs send back one result per item: a
        worker gets the next item once it has sent back its last (one in flight each, fed
        by a thread of this process), and ``here``, if given, takes items in this process
        between looking at the results. Results in the order they finish."""
        todo = deque(items)
        lock = threading.Lock()
        results: queue.Queue[Any] = queue.Queue()

        def take() -> tuple[T] | None:
            with lock:
                return (todo.popleft(),) if todo else None

        def feed(i: int) -> None:
            try:
                while (item := take()) is not None:
                    self.send(i, item[0])
                    results.put(self.receive(i))
            except BaseException as e:  # handed to the main thread, which raises it
                results.put(_Raised(e))
            finally:
                results.put(_FED)

        if here is None and not len(self):
            raise ValueError("no worker and no here: nobody would take the items")
        feeders = [threading.Thread(target=feed, args=(i,), daemon=True)
                   for i in range(len(self))]
        for t in feeders:
            t.start()
        running, ok = len(feeders), False
        try:
            while here is not None and (item := take()) is not None:
                yield here(item[0])
                while not results.empty():  # what the workers finished meanwhile
                    result = _checked(results.get())
                    if result is _FED:
                        running -= 1
                    else:
                        yield result
            while running:
                result = _checked(results.get())
                if result is _FED:
                    running -= 1
                else:
                    yield result
            ok = True
        finally:
            with lock:
                todo.clear()  # the feeders stop after their current item
            if not ok:
                self.stop()
            for t in feeders:
                t.join()


@dataclass(frozen=True)
class _Raised:
    error: BaseException


_FED = object()  # a feeder thread is done


def _checked(result: Any) -> Any:
    if isinstance(result, _Raised):
        raise result.error
    return result


def imap(fn: Callable[[T], R], items: Iterable[T], *, workers: int,
         database: Database | None = None, in_flight: int = 2) -> Iterator[R]:
    """``fn(item)`` for each item by ``workers`` worker processes, results in the items'
    order; at most ``in_flight`` items per worker are handed out ahead of the results."""
    window: deque[Future[R]] = deque()
    with WorkerPool([each(fn)] * workers, database=database) as pool:
        for k, item in enumerate(items):
            window.append(pool.submit(k % workers, item))
            if len(window) >= workers * in_flight:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


class ThreadPool:
    """Threads that each use their own database connection (Django's are per thread),
    kept from task to task and closed when the ``with`` block is left."""

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._executor = ThreadPoolExecutor(max_workers=threads)
        self._used = False

    def __enter__(self) -> ThreadPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._used:
                self._close_connections()
        finally:
            self._executor.shutdown(wait=True)

    def submit(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> Future[R]:
        self._used = True
        return self._executor.submit(fn, *args, **kwargs)

    def _close_connections(self) -> None:
        """Each thread closes its connection: the barrier holds each thread to one closing
        task until every thread has one."""
        everyone = threading.Barrier(self._threads)

        def close() -> None:
            from django.db import connection

            try:
                everyone.wait(timeout=60)
            finally:
                connection.close()

        for future in [self._executor.submit(close) for _ in range(self._threads)]:
            future.result()
