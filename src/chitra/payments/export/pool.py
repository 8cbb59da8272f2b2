"""Worker processes that write pain.001 files beside the exporting process.

Writing a file is a pure function of the committed export plan, so any process may write
any file and the bytes are the same. The exporting process writes files itself and hands
others, one at a time, to worker processes (``python -m chitra.payments.export.pool``): plain
child interpreters with their own database connection (as the import pipeline starts its
workers), fed by one thread each in the parent. Each worker streams one file at a time, so
memory stays that of one writer per process. Workers only write and hash: the exporting
process signs, so the signing key never leaves it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection

from chitra.payments.errors import PaymentError

if TYPE_CHECKING:
    from chitra.payments.export.run import Written
    from chitra.payments.models import PaymentFile


@dataclass(frozen=True)
class _Job:
    database_name: str
    cycle_id: int
    out_dir: Path


@dataclass(frozen=True)
class _Failed:
    code: str
    message_vi: str
    message_en: str
    trace: str | None  # None: a refusal (PaymentError) rather than a crash


_DONE = object()


def may_use_workers() -> bool:
    """Workers see only committed rows of a database they can open: not inside a
    transaction (a test's, or a caller's), not an in-memory SQLite database."""
    name = str(connection.settings_dict.get("NAME") or "")
    in_memory = connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)
    return not connection.in_atomic_block and not in_memory


def write_files(cycle_id: int, files: list[PaymentFile], out: Path,
                here: Callable[[PaymentFile], Written], workers: int) -> Iterator[Written]:
    """Every file of ``files`` written once, by this process (``here``) or one of
    ``workers`` worker processes; results in the order they finish. A worker's refusal is
    raised as the :class:`PaymentError` it was; any other failure as a RuntimeError."""
    todo = deque(files)
    lock = threading.Lock()
    results: queue.Queue[Any] = queue.Queue()
    job = _Job(str(connection.settings_dict["NAME"]), cycle_id, out)
    src = str(Path(__file__).resolve().parents[3])  # the directory holding the chitra package
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, (src, os.environ.get("PYTHONPATH"))))}
    env.setdefault("DJANGO_SETTINGS_MODULE", "chitra.settings")
    procs = [subprocess.Popen([sys.executable, "-m", "chitra.payments.export.pool"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
             for _ in range(min(workers, len(files) - 1))]

    def take() -> PaymentFile | None:
        with lock:
            return todo.popleft() if todo else None

    def feed(proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None
        assert proc.stdout is not None
        try:
            _send(proc, job)
            while (pf := take()) is not None:
                _send(proc, pf.pk)
                try:
                    results.put(pickle.load(proc.stdout))  # noqa: S301 - our own child
                except EOFError:
                    raise RuntimeError(f"export worker exited ({proc.wait()}) "
                                       "without finishing") from None
        except BaseException as e:  # handed to the exporting thread, which raises it
            results.put(e)
        finally:
            results.put(_DONE)

    feeders = [threading.Thread(target=feed, args=(p,), daemon=True) for p in procs]
    for t in feeders:
        t.start()
    running, ok = len(feeders), False
    try:
        while (pf := take()) is not None:
            yield here(pf)
            while not results.empty():  # what the workers finished meanwhile
                item = _checked(results.get())
                if item is _DONE:
                    running -= 1
                else:
                    yield item
        while running:
            item = _checked(results.get())
            if item is _DONE:
                running -= 1
            else:
                yield item
        ok = True
    finally:
        with lock:
            todo.clear()  # the feeders stop after their current file
        for proc in procs:
            if not ok:
                proc.kill()
            assert proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.close()
        for t in feeders:
            t.join()
        for proc in procs:
            assert proc.stdout is not None
            proc.stdout.close()
            proc.wait()


def _checked(item: Any) -> Any:
    """Raise what a worker reported as a failure; otherwise ``item``."""
    if isinstance(item, BaseException):
        raise item
    if isinstance(item, _Failed):
        if item.trace is None:
            raise PaymentError(item.code, item.message_vi, item.message_en)
        raise RuntimeError("export worker failed:\n" + item.trace)
    return item


def _send(proc: subprocess.Popen[bytes], value: object) -> None:
    assert proc.stdin is not None
    pickle.dump(value, proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    proc.stdin.flush()


def _serve() -> None:
    """A worker: a :class:`_Job`, then file ids on stdin until EOF; a ``Written`` (or a
    :class:`_Failed`, after which it stops) on stdout for each."""
    import django

    django.setup()
    from django.db import connections

    from chitra.payments.export import run as export
    from chitra.payments.models import PaymentCycle, PaymentFile

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    job: _Job = pickle.load(inp)  # noqa: S301 - from the parent process
    # The parent's database, whatever this process's settings name (a test database).
    connections["default"].settings_dict["NAME"] = job.database_name
    cycle = PaymentCycle.objects.get(pk=job.cycle_id)
    rule = export._rule(cycle.province_code)
    while True:
        try:
            file_id = pickle.load(inp)  # noqa: S301 - from the parent process
        except EOFError:
            return
        try:
            pf = PaymentFile.objects.select_related("provider").get(pk=file_id)
            reply: object = export.write_file(cycle, pf, rule, job.out_dir)
        except PaymentError as e:
            reply = _Failed(e.code, e.message_vi, e.message_en, None)
        except BaseException:
            reply = _Failed("", "", "", traceback.format_exc())
        pickle.dump(reply, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()
        if isinstance(reply, _Failed):
            return


if __name__ == "__main__":
    # Through the package's own module, so what is pickled names chitra's classes.
    from chitra.payments.export.pool import _serve as serve

    serve()
