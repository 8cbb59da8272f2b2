"""What every benchmark needs: a fresh database, a ``chitra`` step timed with the peak memory
of its whole process tree, plain SQL for the checks, the machine it ran on, and a list of
checks whose failure makes the run fail (exit 1).

No Django here: the checks read the database by SQL, beside the code they check.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


# --- databases ---------------------------------------------------------------------------------

def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _admin(url: str) -> tuple[str, str]:
    """(the server's ``postgres`` database URL, the database name) of a PostgreSQL URL."""
    base, name = url.rsplit("/", 1)
    return f"{base}/postgres", name


def fresh_database(url: str) -> None:
    """An empty database at ``url`` (SQLite file removed, PostgreSQL database re-created)."""
    drop_database(url)
    if is_sqlite(url):
        return
    import psycopg

    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    if is_sqlite(url):
        path = sqlite_path(url)
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    import psycopg

    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Db:
    """Plain SQL on SQLite or PostgreSQL; queries are written with ``%s`` placeholders."""

    def __init__(self, url: str) -> None:
        self.sqlite = is_sqlite(url)
        if self.sqlite:
            self.conn: Any = sqlite3.connect(sqlite_path(url))
        else:
            import psycopg

            self.conn = psycopg.connect(url, autocommit=True)

    def _sql(self, sql: str) -> str:
        return sql.replace("%s", "?") if self.sqlite else sql

    def _run(self, sql: str, params: tuple[Any, ...]) -> Any:
        if self.sqlite:
            return self.conn.execute(self._sql(sql), params)
        return self.conn.execute(sql, params or None)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return list(self._run(sql, params).fetchall())

    def one(self, sql: str, *params: Any) -> Any:
        """The first column of the first row (None when no row)."""
        row = self._run(sql, params).fetchone()
        return None if row is None else row[0]

    def stream(self, sql: str, *params: Any, size: int = 20_000) -> Iterator[tuple[Any, ...]]:
        """Rows without holding them all (a server-side cursor on PostgreSQL)."""
        if self.sqlite:
            cur = self.conn.execute(self._sql(sql), params)
        else:
            self.conn.autocommit = False  # a named cursor lives in a transaction
            cur = self.conn.cursor(name="bench_stream")
            cur.itersize = size
            cur.execute(sql, params or None)
        try:
            while batch := cur.fetchmany(size):
                yield from batch
        finally:
            cur.close()
            if not self.sqlite:
                self.conn.rollback()
                self.conn.autocommit = True

    def execute(self, sql: str, *params: Any) -> None:
        self._run(sql, params)
        if self.sqlite:
            self.conn.commit()

    def version(self) -> str:
        if self.sqlite:
            return f"SQLite {sqlite3.sqlite_version}"
        return f"PostgreSQL {self.one('SHOW server_version')}"

    def close(self) -> None:
        self.conn.close()


# --- a timed step ------------------------------------------------------------------------------

def tree_rss_kb(pid: int) -> int:
    """Resident memory now of a process and all its descendants (Linux /proc), in kB.
    Children are read from every thread of a process: a pool started by a thread is that
    thread's children, not the main thread's."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            status = Path(f"/proc/{p}/status").read_text()
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue  # it ended meanwhile
        m = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        total += int(m.group(1)) if m else 0
        for t in tasks:
            with contextlib.suppress(OSError):  # the thread ended meanwhile
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{t}/children").read_text()
                            .split())
    return total


@dataclass
class Step:
    """One ``chitra`` command: its wall time, the peak resident memory of the command's own
    process (``os.wait4``: exact) and of its whole process tree — the command and the worker
    processes it starts — sampled every 100 ms. The database server is not counted."""

    seconds: float
    peak_rss_mb: float
    peak_rss_tree_mb: float
    stdout: str = field(repr=False, default="")

    def report(self, **extra: Any) -> dict[str, Any]:
        return {"seconds": self.seconds, "peak_rss_mb": self.peak_rss_mb,
                "peak_rss_tree_mb": self.peak_rss_tree_mb, **extra}


class StepFailed(Exception):
    pass


def chitra(env: dict[str, str], *args: str, profile: Path | None = None) -> Step:
    """Run ``chitra ARGS`` (as ``python -m chitra.cli``, the console script's code) and
    measure it; :class:`StepFailed` with its output if it exits non-zero."""
    prefix = ["-m", "cProfile", "-o", str(profile)] if profile else []
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *prefix, "-m", "chitra.cli", *args], env=env,
                                stdout=out, stderr=err, text=True)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, tree_rss_kb(proc.pid))
                if stop.wait(0.1):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise StepFailed(f"chitra {' '.join(args)} exited {proc.returncode}:\n"
                         f"{stdout[-2000:]}\n{stderr[-4000:]}")
    own = usage.ru_maxrss / 1024
    return Step(round(seconds, 2), round(own, 1), round(max(peak / 1024, own), 1), stdout)


# --- where it ran ------------------------------------------------------------------------------

# The server settings a figure depends on (PostgreSQL): the buffer cache above all.
SERVER_SETTINGS = ("shared_buffers", "max_wal_size", "work_mem", "autovacuum")


def machine(db: Db) -> dict[str, Any]:
    mem = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").is_file() else ""
    m = re.search(r"^MemTotal:\s+(\d+)", mem, re.M)
    out: dict[str, Any] = {
        "cpus": os.cpu_count(), "ram_gb": round(int(m.group(1)) / 1024**2, 1) if m else None,
        "python": platform.python_version(), "database": db.version(),
        "platform": platform.platform()}
    if not db.sqlite:
        out["settings"] = {name: db.one(f"SHOW {name}") for name in SERVER_SETTINGS}
    return out


# --- checks ------------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """JSON-ready: PostgreSQL's SUM of a bigint is a Decimal; tuples become lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


@dataclass
class Checks:
    """Named expectations of one step; any that fails makes the run fail."""

    results: list[dict[str, Any]] = field(default_factory=list)

    def equal(self, name: str, actual: Any, expected: Any) -> None:
        actual, expected = plain(actual), plain(expected)
        ok = actual == expected
        self.results.append({"check": name, "ok": ok, "actual": actual, "expected": expected})
        if not ok:
            print(f"  CHECK FAILED {name}: {actual!r} != expected {expected!r}", flush=True)

    def true(self, name: str, ok: bool, detail: Any = None) -> None:
        self.results.append({"check": name, "ok": bool(ok), "detail": detail})
        if not ok:
            print(f"  CHECK FAILED {name}: {detail!r}", flush=True)

    @property
    def passed(self) -> bool:
        return all(r["ok"] for r in self.results)

    def report(self) -> dict[str, Any]:
        return {"passed": self.passed, "list": self.results}
