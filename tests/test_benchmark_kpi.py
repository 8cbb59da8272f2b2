"""The KPI benchmark runs as ``benchmarks/README.md`` documents it, at a tiny scale on the
suite's PostgreSQL server, every SQL check passing; ``--again`` re-measures on the kept
database, ``--january`` January alone on a fresh one; on SQLite it refuses at once (it is a
national-scale benchmark)."""

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
SCRIPT = REPO / "benchmarks" / "kpi.py"
PAGES = {"province_dashboard", "national_overview", "other_province_dashboard",
         "ward_drill_down"}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, env={**os.environ},
                          capture_output=True, text=True, timeout=600, check=False)


def test_on_sqlite_it_refuses_and_says_why(tmp_path):
    done = _run("--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}", cwd=tmp_path)
    assert done.returncode == 2
    assert "PostgreSQL" in done.stderr
    assert not (tmp_path / "x.sqlite3").exists()


@pytest.mark.parametrize("flag", ["--again", "--january"])
def test_again_and_january_without_a_full_run_refuse_and_say_why(tmp_path, flag):
    name = f"chitra_kpi_none_{uuid.uuid4().hex[:8]}"
    missing = tmp_path / "none.json"
    done = _run("--database-url", f"postgresql://postgres@127.0.0.1:5432/{name}", flag,
                "--results", str(missing), cwd=tmp_path)
    assert done.returncode == 2
    assert f"{missing} is not a file" in done.stderr
    assert not missing.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_kpi_benchmark_runs_with_every_check_passed_and_again(tmp_path):
    s = connection.settings_dict
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    name = f"chitra_bench_{uuid.uuid4().hex[:10]}"
    url = f"postgresql://{user}@{host}:{port}/{name}"
    results = tmp_path / "results.json"
    common = ["--database-url", url, "--beneficiaries", "3000", "--requests", "6",
              "--results", str(results)]
    fresh = f"{name}_jan"
    try:
        first = _run(*common, "--keep-db", cwd=tmp_path)
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
        r = json.loads(results.read_text())
        again = _run(*common, "--again", cwd=tmp_path)
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
        r2 = json.loads(results.read_text())
        jan = _run("--database-url", url.replace(name, fresh), "--beneficiaries", "3000",
                   "--results", str(results), "--january", cwd=tmp_path)
        assert jan.returncode == 0, jan.stdout[-3000:] + jan.stderr[-3000:]
    finally:
        with psycopg.connect(f"host={host} port={port} user={user} dbname=postgres",
                             autocommit=True) as c:
            left = c.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                             [fresh]).fetchone()
            for db in (name, fresh):
                c.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')

    assert r["passed"] is True
    checks = r["checks"]["list"]
    assert checks
    assert [c for c in checks if not c["ok"]] == []
    assert {c["check"] for c in checks} >= {
        "items per month", "December's counted people = the raw paid items, per province",
        "province page shows the raw items' figures", "national page shows the raw items' "
        "figures", "ward page counts the people still on cash"}
    assert r["beneficiaries"] == 3000
    assert set(r["machine"]["settings"]) == {"shared_buffers", "max_wal_size", "work_mem",
                                             "autovacuum"}
    # Twelve months of every province: about a year of items per person.
    assert 11 * 3000 < r["items_total"] < 13 * 3000
    assert r["compute"]["first_s"] > 0
    assert r["compute"]["twelfth_s"] > 0
    assert r["compute"]["twelfth_reissues"] > 0
    assert set(r["http"]) == PAGES
    for page in r["http"].values():
        assert page["non_200"] == 0
        assert page["requests"] == 6
        assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["max_ms"]
    # The share rises over the year: December is paid cashless more than 60 %.
    assert 6000 < r["december_share_bp"] < 10000
    assert set(r["goal_met"]) == {"p95_ms", "refresh_one_cycle_s", "compute_12_over_1"}

    assert r2["passed"] is True
    assert r2["again_at"]
    assert all(c["ok"] for c in r2["checks_again"]["list"])
    assert set(r2["http"]) == PAGES
    assert r2["compute"]["first_s"] == r["compute"]["first_s"]
    assert r2["compute"]["twelfth_again_s"] > 0
    # January and December each computed again the same way (three times), and compared.
    for c in (r["compute"], r2["compute"]):
        assert len(c["first_again_runs_s"]) == len(c["twelfth_again_runs_s"]) == 3
        assert min(c["first_again_runs_s"] + c["twelfth_again_runs_s"]) > 0
    assert r2["compute"]["twelfth_again_runs_s"] != r["compute"]["twelfth_again_runs_s"]
    assert r2["compute"]["ratio_same_method"] > 0
    assert r2["goal_met"]["compute_12_over_1"] == (r2["compute"]["ratio_same_method"] <= 1.2)
    # --january merged its own January runs and dropped its database.
    r3 = json.loads(results.read_text())
    assert r3["january_at"]
    assert r3["compute"]["first_again_first_s"] > 0
    assert r3["compute"]["first_again_runs_s"] != r2["compute"]["first_again_runs_s"]
    assert r3["compute"]["twelfth_again_runs_s"] == r2["compute"]["twelfth_again_runs_s"]
    assert left == (0,)  # counted before the test's own clean-up: gone already
