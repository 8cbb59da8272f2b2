"""The payment-cycle benchmark runs as ``benchmarks/README.md`` documents it, at a tiny scale,
on the suite's database engine, and every SQL check it makes after each step passes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "payment_cycle.py"
STEPS = ["compute_month_1", "export", "ingest", "compute_month_2"]


def _database_url(tmp_path: Path) -> tuple[str, str | None]:
    """A URL for the benchmark's own database (it creates and drops it), and for
    PostgreSQL the server's admin connection string to drop it if the run did not."""
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'bench.sqlite3'}", None
    s = connection.settings_dict
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    name = f"chitra_bench_{uuid.uuid4().hex[:10]}"
    return (f"postgresql://{user}@{host}:{port}/{name}",
            f"host={host} port={port} user={user} dbname=postgres")


def test_the_payment_cycle_benchmark_runs_with_every_check_passed(tmp_path):
    url, admin = _database_url(tmp_path)
    results = tmp_path / "results.json"
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--database-url", url, "--beneficiaries", "300",
             "--results", str(results)],
            cwd=tmp_path, env={**os.environ}, capture_output=True, text=True, timeout=300,
            check=False)
    finally:
        if admin:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    r = json.loads(results.read_text())
    assert r["passed"] is True
    assert list(r["steps"]) == STEPS
    for name, step in r["steps"].items():
        failed = [c for c in step["checks"]["list"] if not c["ok"]]
        assert not failed, (name, failed)
        assert step["checks"]["passed"], name
        assert step["checks"]["list"], name
        assert step["seconds"] > 0, name
        assert step["peak_rss_tree_mb"] >= step["peak_rss_mb"] > 0, name
    assert r["beneficiaries"] == 300
    assert r["cash_lists"] is True
    assert r["xsd_validated"] is True
    ingest = r["steps"]["ingest"]
    assert [ingest[k]["lines"] > 0 for k in ("pain002", "camt054", "cash_results")] == [True] * 3
    assert ingest["tx_per_s"] > 0
    assert ingest["pain002"]["tx_per_s"] > 0
    assert {"cpus", "ram_gb", "python", "database"} <= set(r["machine"])
    if connection.vendor == "postgresql":  # the server's buffer cache, as SHOW says it
        assert r["machine"]["settings"]["shared_buffers"].endswith(("kB", "MB", "GB"))
    else:
        assert "settings" not in r["machine"]
    assert r["database"].startswith("PostgreSQL" if connection.vendor == "postgresql"
                                    else "SQLite")
    # Its own database is gone: a benchmark leaves nothing behind unless told --keep-db.
    if admin is None:
        assert not Path(url.removeprefix("sqlite:///")).exists()
