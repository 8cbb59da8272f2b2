"""The verification benchmark runs as ``benchmarks/README.md`` documents it, at a small scale
on the suite's PostgreSQL server, every SQL check passing; on SQLite it refuses at once (the
extract path is PostgreSQL only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "verification.py"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, env={**os.environ},
                          capture_output=True, text=True, timeout=600, check=False)


def test_on_sqlite_it_refuses_and_says_why(tmp_path):
    done = _run("--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}", cwd=tmp_path)
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr
    assert not (tmp_path / "x.sqlite3").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_verification_benchmark_runs_with_every_check_passed(tmp_path):
    s = connection.settings_dict
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    name = f"chitra_bench_{uuid.uuid4().hex[:10]}"
    url = f"postgresql://{user}@{host}:{port}/{name}"
    results = tmp_path / "results.json"
    try:
        done = _run("--database-url", url, "--beneficiaries", "3000", "--results",
                    str(results), cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    finally:
        with psycopg.connect(f"host={host} port={port} user={user} dbname=postgres",
                             autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    r = json.loads(results.read_text())
    assert r["passed"] is True
    checks = r["checks"]["list"]
    assert [c for c in checks if not c["ok"]] == []
    assert {c["check"] for c in checks} >= {
        "every planted discrepancy found with its outcome",
        "no false alarm: everyone else a match",
        "the deceased stopped (status and date of death)",
        "batches: all done, by file, counts adding up", "bad rows set aside",
        "every person stamped verified", "batches: their bulk matches counted",
        "second run: still one stamp per person", "second run: its batches done"}
    assert r["beneficiaries"] == 3000
    assert r["second_run"]["seconds"] > 0
    v = r["verification"]
    assert v["seconds"] > 0
    assert v["batches"] == 34
    # Nearly everyone matched set-based; the planted few one by one.
    assert v["matched_in_bulk"] > 0.95 * 3000
    assert v["answered_one_by_one"] == sum(r["planted"].values())
    assert set(v["phases_s"]) >= {"load", "compare", "match_in_bulk", "one_by_one"}
    assert isinstance(r["goal_met"], bool)
