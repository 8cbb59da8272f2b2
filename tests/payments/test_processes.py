"""Real processes against a real database: concurrent computes and a killed export.

Each test makes its own database (a fresh SQLite file, or a fresh PostgreSQL database when
the suite runs on PostgreSQL), migrated and seeded by the ``chitra`` command itself, so the
processes see committed data exactly as in production.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from chitra.payments.export.signing import DEMO_KEYSTORE_PASSWORD

COUNTS = """
import json
from chitra.payments.models import Obligation, PaymentFile, PaymentItem
items = PaymentItem.objects
print(json.dumps({"obligations": Obligation.objects.count(), "items": items.count(),
                  "distinct": items.values("obligation_id").distinct().count(),
                  "sent": items.in_status("sent").count(),
                  "files": sorted(PaymentFile.objects.values_list("file_name", flat=True))}))
"""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {**os.environ, "CHITRA_VAR_DIR": str(tmp_path / "var")}
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        name = f"chitra_proc_{uuid.uuid4().hex[:10]}"
        admin = (f"host={s.get('HOST') or '127.0.0.1'} port={s.get('PORT') or 5432} "
                 f"user={s.get('USER') or 'postgres'} dbname=postgres")
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = (f"postgresql://{s.get('USER') or 'postgres'}@"
                               f"{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}")
        try:
            yield env
        finally:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'proc.sqlite3'}"
        yield env


def run(env: dict[str, str], *args: str, extra: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "chitra.cli", *args],
                            env={**env, **(extra or {})}, capture_output=True, text=True,
                            timeout=300, check=False)
    if check:
        assert result.returncode == 0, result.stderr[-2000:]
    return result


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "chitra.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def counts(env: dict[str, str]) -> dict[str, object]:
    out = run(env, "shell", "-c", COUNTS).stdout
    return json.loads(out.strip().splitlines()[-1])


def seeded(env: dict[str, str], people: int = 120) -> None:
    run(env, "migrate", "-v0")
    run(env, "seed_demo", "--province", "12", "--beneficiaries", str(people), "--seed", "5")
    run(env, "payment_settings", "--province", "12", "--debtor-account", "8800201001234",
        "--debtor-bic", "VBAAVNVX", "--as", "officer")
    run(env, "cycle", "open", "2026-11", "--as", "officer")


def test_two_processes_computing_one_cycle_leave_one_item_per_obligation(database):
    seeded(database)
    runs = [start(database, "cycle", "compute", "2026-11", "--as", "officer") for _ in range(2)]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    c = counts(database)
    assert c["obligations"] > 0
    assert c["items"] == c["distinct"] == c["obligations"]
    # each says what it made: the second replaced the first's items with as many
    assert all(f": {c['items']} khoản chi" in out for out, _ in outputs), outputs


ITEMS = """
import json
from chitra.payments.models import PaymentCycle, PaymentItem
print(json.dumps({"status": PaymentCycle.objects.get().status, "items": sorted(
    PaymentItem.objects.values_list("obligation__benefit_id", "beneficiary_id", "amount",
                                    "channel", "account_number", "payment_date"))},
    default=str))
"""
IN_PARTS = {"CHITRA_COMPUTE_PARTS_FROM": "1"}  # every province is big
CRASH_TESTS = {"CHITRA_TEST_FAULTS": "1"}  # without it, CHITRA_FAULT_* are ignored


def items(env: dict[str, str]) -> dict[str, object]:
    return json.loads(run(env, "shell", "-c", ITEMS).stdout.strip().splitlines()[-1])


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite computes in one transaction: one writer at a time")
def test_a_compute_in_parts_gives_what_one_transaction_gives(database):
    seeded(database)
    run(database, "cycle", "compute", "2026-11", "--as", "officer")
    whole = items(database)
    assert whole["status"] == "computed"
    run(database, "cycle", "compute", "2026-11", "--as", "officer", extra=IN_PARTS)
    assert items(database) == whole
    c = counts(database)
    assert c["items"] == c["distinct"] == c["obligations"] == len(whole["items"])


REJECT_EVERY_THIRD = """
from chitra.payments.models import ItemStatus, PaymentItem
ids = PaymentItem.objects.filter(cycle__period="2026-11-01").order_by("id").values_list("id")
print(PaymentItem.objects.filter(id__in=[i for i, in ids][::3]).update(
    status=ItemStatus.REJECTED, reason_code="AC04"))
"""
DECEMBER = """
import json
from chitra.payments.models import PaymentItem
print(json.dumps(sorted(PaymentItem.objects.filter(cycle__period="2026-12-01").values_list(
    "obligation__benefit_id", "obligation__period", "replaces_id", "beneficiary_id", "amount",
    "channel")), default=str))
"""


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite computes in one transaction: one writer at a time")
def test_each_part_reissues_its_own_people_and_together_what_one_transaction_does(database):
    """The reissues run in the parts, each for the people of its range: together exactly
    the new attempts one transaction makes, each rejected attempt once."""
    seeded(database)
    run(database, "cycle", "compute", "2026-11", "--as", "officer")
    rejected = int(run(database, "shell", "-c", REJECT_EVERY_THIRD).stdout.split()[-1])
    assert rejected >= 30  # people of both parts (ranges of ids)
    run(database, "cycle", "open", "2026-12", "--as", "officer")

    def december(extra: dict[str, str]) -> list[list[object]]:
        out = run(database, "cycle", "compute", "2026-12", "--as", "officer", extra=extra)
        assert "khoản chi" in out.stdout
        return json.loads(run(database, "shell", "-c", DECEMBER).stdout.strip().splitlines()[-1])

    whole = december({})
    in_parts = december(IN_PARTS)
    assert in_parts == whole
    reissued = [i for i in in_parts if i[2] is not None]
    assert len(reissued) == len({i[2] for i in reissued}) == rejected
    assert {i[1] for i in reissued} == {"2026-11-01"}
    assert len({(i[0], i[1]) for i in in_parts}) == len(in_parts)  # one per obligation


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite computes in one transaction: one writer at a time")
def test_a_compute_killed_between_its_parts_is_run_again(database):
    seeded(database)
    crashed = run(database, "cycle", "compute", "2026-11", "--as", "officer", check=False,
                  extra={**IN_PARTS, **CRASH_TESTS, "CHITRA_FAULT_COMPUTE_CRASH_AFTER_PARTS": "1"})
    assert crashed.returncode == 70  # died with one part committed, the other maybe not
    cut = items(database)
    assert cut["status"] == "computing"
    assert cut["items"]
    refused = run(database, "cycle", "approve", "2026-11", "--as", "approver", check=False)
    assert refused.returncode != 0
    assert "computing" in refused.stderr
    run(database, "cycle", "compute", "2026-11", "--as", "officer", extra=IN_PARTS)
    again = items(database)
    assert again["status"] == "computed"
    assert {tuple(i) for i in cut["items"]} <= {tuple(i) for i in again["items"]}
    c = counts(database)
    assert c["items"] == c["distinct"] == c["obligations"] == len(again["items"])
    run(database, "cycle", "compute", "2026-11", "--as", "officer")  # in one transaction
    assert items(database) == again


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite computes in one transaction: one writer at a time")
def test_two_processes_computing_in_parts_run_one_after_the_other(database):
    seeded(database)
    runs = [start({**database, **IN_PARTS}, "cycle", "compute", "2026-11", "--as", "officer")
            for _ in range(2)]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    c = counts(database)
    assert c["obligations"] > 0
    assert c["items"] == c["distinct"] == c["obligations"]


def test_killed_export_reruns_to_the_same_files_and_no_new_items(database, tmp_path,
                                                                 office_keystore):
    seeded(database)
    run(database, "cycle", "compute", "2026-11", "--as", "officer")
    run(database, "cycle", "approve", "2026-11", "--as", "approver")
    keys = {"CHITRA_KEYSTORE_PATH": str(office_keystore),
            "CHITRA_KEYSTORE_PASSWORD": DEMO_KEYSTORE_PASSWORD.decode()}
    out = tmp_path / "out"
    export = ("cycle", "export", "2026-11", "--as", "officer", "--out", str(out))
    # Written by the exporting process alone, so "its first file" is exactly one file.
    crashed = run(database, *export, extra={**keys, **CRASH_TESTS, "CHITRA_EXPORT_WORKERS": "0",
                                            "CHITRA_FAULT_EXPORT_CRASH_AFTER_FILES": "1"},
                  check=False)
    assert crashed.returncode == 70  # the process died right after its first file
    written = sorted(out.glob("*.xml"))
    assert len(written) == 1
    first_bytes = written[0].read_bytes()
    before = counts(database)

    run(database, *export, extra=keys)
    after = counts(database)
    assert written[0].read_bytes() == first_bytes
    assert after["items"] == before["items"] == after["distinct"]
    assert sorted(p.name for p in out.glob("*.xml")) == after["files"]
    assert len(after["files"]) > 1
    snapshot = {p.name: p.read_bytes() for p in out.glob("*")}
    run(database, *export, extra=keys)
    assert {p.name: p.read_bytes() for p in out.glob("*") if p.suffix != ".xlsx"} == {
        k: v for k, v in snapshot.items() if not k.endswith(".xlsx")}


def test_export_with_workers_killed_and_rerun_gives_the_bytes_of_one_process(
        database, tmp_path, office_keystore):
    seeded(database)
    run(database, "cycle", "compute", "2026-11", "--as", "officer")
    run(database, "cycle", "approve", "2026-11", "--as", "approver")
    keys = {"CHITRA_KEYSTORE_PATH": str(office_keystore),
            "CHITRA_KEYSTORE_PASSWORD": DEMO_KEYSTORE_PASSWORD.decode(),
            "CHITRA_EXPORT_WORKERS": "2"}
    pooled, alone = tmp_path / "pooled", tmp_path / "alone"

    def export(out: Path, **extra: str) -> subprocess.CompletedProcess[str]:
        return run(database, "cycle", "export", "2026-11", "--as", "officer", "--out", str(out),
                   "--no-cash-lists", extra={**keys, **extra}, check=False)

    assert export(pooled, **CRASH_TESTS, CHITRA_FAULT_EXPORT_CRASH_AFTER_FILES="1").returncode == 70
    assert export(pooled).returncode == 0
    assert export(alone, CHITRA_EXPORT_WORKERS="0").returncode == 0
    files = counts(database)["files"]
    assert len(files) > 2
    written = {p.name: p.read_bytes() for p in pooled.glob("*") if not p.name.endswith(".tmp")}
    assert written == {p.name: p.read_bytes() for p in alone.glob("*")}
    assert sorted(p.name for p in pooled.glob("*.xml")) == files


def test_cli_maker_cannot_approve_own_computation(database):
    seeded(database, people=5)
    run(database, "cycle", "compute", "2026-11", "--as", "approver")
    same = run(database, "cycle", "approve", "2026-11", "--as", "approver", check=False)
    assert same.returncode != 0
    assert "khác người đã tính" in same.stderr
    other = run(database, "cycle", "approve", "2026-11", "--as", "admin")
    assert "admin" not in other.stderr


CRASH_AT_FIRST_FILE = ("from chitra.core import faults; "
                       "faults.crash_point(faults.EXPORT_AFTER_FILES, 1); print('alive')")


@pytest.mark.parametrize(("switch", "returncode"), [(None, 0), ("0", 0), ("1", 70)])
def test_a_crash_point_is_ignored_without_the_test_switch(tmp_path, switch, returncode):
    """A production process that inherits a stray CHITRA_FAULT_* variable does not die."""
    env = {k: v for k, v in os.environ.items() if k != "CHITRA_TEST_FAULTS"}
    env.update({"CHITRA_VAR_DIR": str(tmp_path), "CHITRA_FAULT_EXPORT_CRASH_AFTER_FILES": "1"})
    if switch is not None:
        env["CHITRA_TEST_FAULTS"] = switch
    result = subprocess.run([sys.executable, "-c", CRASH_AT_FIRST_FILE], env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == returncode, result.stderr[-2000:]
    assert ("alive" in result.stdout) == (returncode == 0)
