"""Benchmark: one national-scale payment cycle (DESIGN §8).

    python benchmarks/payment_cycle.py                                   # PostgreSQL, 3,400,000
    python benchmarks/payment_cycle.py --database-url sqlite:///$PWD/var/bench-pay.sqlite3 \\
        --beneficiaries 100000

Creates a fresh database (``chitra migrate``), the demo organizations and users
(``chitra seed_demo --beneficiaries 0``), then N synthetic beneficiaries with a pension and a
current account (≈30 % cash, the rest across banks and e-wallets) loaded set-based in SQL —
the registry load is set-up, not what is measured. Then, each step a ``chitra`` process timed
with its own peak RSS (``os.wait4``): ``cycle open``, ``cycle compute``, ``cycle approve``,
``cycle export --no-cash-lists`` (all pain.001 files + signatures + manifest), ``cycle
cashlists``, and ``ingest_status`` of one pain.002 per payment file accepting everything
(ACSC). Goals (PostgreSQL, 3.4 M): compute ≤ 60 s; export ≥ 150,000 tx/s with peak < 300 MB;
ingest ≥ 100,000 tx/s. Results: ``benchmarks/results/payment_cycle-<db>-<N>.json``.

``--ingest-only`` times the ingest step again on the database of an earlier run (with the
same ``--database-url``): it undoes that ingest first, so the step can be iterated on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PERIOD = "2026-11"
PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"


def chitra(env: dict[str, str], *args: str, profile: Path | None = None) -> dict[str, float]:
    """Run one ``chitra`` step; its wall time and its own peak RSS."""
    start = time.perf_counter()
    prefix = ["-m", "cProfile", "-o", str(profile)] if profile else []
    proc = subprocess.Popen([sys.executable, *prefix, "-m", "chitra.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"chitra {' '.join(args)} failed:\n{out.decode()[-2000:]}\n{err.decode()[-3000:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def fresh_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')


LOAD_PG = """
CREATE TEMP TABLE wards AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, code
  FROM core_adminunit WHERE era = '2025' AND level = 'ward' AND province_code = '12';
CREATE TEMP TABLE providers AS SELECT row_number() OVER (ORDER BY short_name) - 1 AS n, id,
  kind, account_min_length AS len FROM core_paymentprovider
  WHERE short_name IN ('Agribank','BIDV','VietinBank','Vietcombank','LPBank','HDBank',
                       'ViettelMoney','VNPTMoney');
INSERT INTO registry_beneficiary (citizen_id, bhxh_code, full_name, name_key, date_of_birth,
  sex, province_code, ward_code, street, phone, status, status_reason, created_at, updated_at)
SELECT '012' || CASE WHEN g % 2 = 0 THEN '0' ELSE '1' END || lpad((40 + g / 1000000)::text, 2, '0')
       || lpad((g % 1000000)::text, 6, '0'), '', 'Nguyễn Văn Thử ' || g, 'nguyen van thu ' || g,
       make_date(1940 + (g / 1000000)::int, 1 + g % 12, 1 + g % 28),
       CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END, '12', w.code, 'Tổ 1', '', 'active', '',
       now(), now()
FROM generate_series(0, %(n)s - 1) g JOIN wards w ON w.n = g % (SELECT count(*) FROM wards);
INSERT INTO registry_benefit (beneficiary_id, benefit_type, "group", sub_kind, amount,
  start_date, end_date, status)
SELECT id, 'pension', 'monthly', '', 3000000 + (id * 7919 % 12000) * 1000, '2020-01-01', NULL,
       'active' FROM registry_beneficiary;
INSERT INTO registry_paymentaccount (beneficiary_id, channel, provider_id, account_number,
  holder_name, holder_name_key, valid_from, valid_to, closed_reason, created_by, approved_by,
  created_at)
SELECT b.id, CASE WHEN b.id % 10 < 3 THEN 'cash' WHEN p.kind = 'ewallet' THEN 'ewallet'
                  ELSE 'bank_account' END,
       CASE WHEN b.id % 10 < 3 THEN NULL ELSE p.id END,
       CASE WHEN b.id % 10 < 3 THEN '' ELSE lpad(b.id::text, p.len, '0') END,
       CASE WHEN b.id % 10 < 3 THEN '' ELSE 'NGUYEN VAN THU ' || b.id END,
       CASE WHEN b.id % 10 < 3 THEN '' ELSE 'nguyen van thu ' || b.id END,
       '2020-01-01', NULL, '', 'bench', '', now()
FROM registry_beneficiary b JOIN providers p ON p.n = b.id % (SELECT count(*) FROM providers);
UPDATE registry_beneficiary b SET payment_point_id = pp.id FROM registry_paymentpoint pp
 WHERE pp.code = 'DCT-' || b.ward_code || '-1'
   AND b.id IN (SELECT beneficiary_id FROM registry_paymentaccount WHERE channel = 'cash');
ANALYZE;
"""


def load_people(url: str, n: int) -> float:
    start = time.perf_counter()
    if url.startswith("sqlite"):
        load_sqlite(url.removeprefix("sqlite:///"), n)
    else:
        import psycopg

        with psycopg.connect(url) as c:
            c.execute(LOAD_PG.replace("%(n)s", str(int(n))))
    return round(time.perf_counter() - start, 1)


def load_sqlite(path: str, n: int) -> None:
    import sqlite3

    c = sqlite3.connect(path)
    wards = [r[0] for r in c.execute("SELECT code FROM core_adminunit WHERE era='2025' AND "
                                     "level='ward' AND province_code='12' ORDER BY code")]
    prov = c.execute("SELECT id, kind, account_min_length FROM core_paymentprovider WHERE "
                     "short_name IN ('Agribank','BIDV','VietinBank','Vietcombank','LPBank',"
                     "'HDBank','ViettelMoney','VNPTMoney') ORDER BY short_name").fetchall()
    points = dict(c.execute("SELECT ward_code, id FROM registry_paymentpoint "
                            "WHERE code LIKE 'DCT-%-1'"))
    now = datetime.now(UTC).isoformat()
    c.executemany(
        "INSERT INTO registry_beneficiary (citizen_id, bhxh_code, full_name, name_key, "
        "date_of_birth, sex, province_code, ward_code, street, phone, status, status_reason, "
        "created_at, updated_at, payment_point_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ((f"012{g % 2}{40 + g // 1000000:02d}{g % 1000000:06d}", "", f"Nguyễn Văn Thử {g}",
          f"nguyen van thu {g}", f"{1940 + g // 1000000}-{1 + g % 12:02d}-{1 + g % 28:02d}",
          "MF"[g % 2], "12", wards[g % len(wards)], "Tổ 1", "", "active", "", now, now,
          points.get(wards[g % len(wards)]) if (g + 1) % 10 < 3 else None)
         for g in range(n)))
    c.execute("INSERT INTO registry_benefit (beneficiary_id, benefit_type, \"group\", sub_kind, "
              "amount, start_date, end_date, status) SELECT id, 'pension', 'monthly', '', "
              "3000000 + (id * 7919 % 12000) * 1000, '2020-01-01', NULL, 'active' "
              "FROM registry_beneficiary")
    rows = []
    for bid in range(1, n + 1):
        pid, kind, length = prov[bid % len(prov)]
        cash = bid % 10 < 3
        rows.append((bid, "cash" if cash else ("ewallet" if kind == "ewallet" else "bank_account"),
                     None if cash else pid, "" if cash else f"{bid:0{length}d}",
                     "" if cash else f"NGUYEN VAN THU {bid}",
                     "" if cash else f"nguyen van thu {bid}",
                     "2020-01-01", None, "", "bench", "", now))
    c.executemany("INSERT INTO registry_paymentaccount (beneficiary_id, channel, provider_id, "
                  "account_number, holder_name, holder_name_key, valid_from, valid_to, "
                  "closed_reason, created_by, approved_by, created_at) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    c.commit()
    c.close()


def write_status_files(env: dict[str, str], out: Path) -> list[Path]:
    """One pain.002 per payment file, every transaction ACSC, streamed from the database."""
    script = f"""
from pathlib import Path
from chitra.payments.ids import end_to_end_id
from chitra.payments.models import PaymentFile
out = Path({str(out)!r})
for pf in PaymentFile.objects.order_by("id"):
    path = out / ("sts-" + pf.file_name)
    with path.open("w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{PAIN002_NS}">'
                '<CstmrPmtStsRpt><GrpHdr><MsgId>S' + pf.msg_id[:30] + '</MsgId>'
                '<CreDtTm>2026-11-03T10:00:00+07:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts>'
                '<OrgnlMsgId>' + pf.msg_id + '</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09'
                '</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>'
                '<OrgnlPmtInfId>' + pf.msg_id + '-1</OrgnlPmtInfId>\\n')
        ids = pf.items().order_by("id").values_list("id", flat=True)
        for item_id in ids.iterator(chunk_size=10000):
            f.write('<TxInfAndSts><OrgnlEndToEndId>' + end_to_end_id(pf.cycle.period, item_id)
                    + '</OrgnlEndToEndId>'
                    '<TxSts>ACSC</TxSts></TxInfAndSts>\\n')
        f.write('</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\\n')
    print(path)
"""
    done = subprocess.run([sys.executable, "-m", "chitra.cli", "shell", "-c", script], env=env,
                          capture_output=True, text=True, check=True)
    return [Path(line) for line in done.stdout.split() if line.endswith(".xml")]


RESET_INGEST = [
    "UPDATE payments_paymentitem SET status = 'pending', reason_code = '', "
    "status_changed_at = NULL WHERE status <> 'pending'",
    "DELETE FROM payments_statusevent",
    "DELETE FROM payments_statusfile",
    "DELETE FROM payments_refusedstatusfile",
    "UPDATE payments_paymentcycle SET status = 'exported' WHERE status = 'reconciling'",
]


def reset_ingest(url: str) -> None:
    """Undo an ingest of every-ACSC files, so the step can be timed again on the same data."""
    if url.startswith("sqlite"):
        import sqlite3

        c = sqlite3.connect(url.removeprefix("sqlite:///"))
        for sql in RESET_INGEST:
            c.execute(sql)
        c.commit()
        c.execute("VACUUM")
        c.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        for sql in RESET_INGEST:
            c.execute(sql)
        # As after a fresh compute: no dead rows, pages filled to their fillfactor.
        for table in ("payments_paymentitem", "payments_obligation", "payments_statusevent"):
            c.execute(f"VACUUM FULL ANALYZE {table}")
        c.execute("CHECKPOINT")


def ingest(env: dict[str, str], work: Path, tx: int, profile: Path | None) -> dict[str, float]:
    sts_dir = work / "status"
    sts_dir.mkdir()
    status_files = write_status_files(env, sts_dir)
    r = chitra(env, "ingest_status", *map(str, status_files), "--as", "officer", profile=profile)
    r["transactions"] = tx
    r["tx_per_s"] = round(tx / r["seconds"])
    print("ingest", r, flush=True)
    return r


def transactions(env: dict[str, str]) -> int:
    return int(subprocess.run(
        [sys.executable, "-m", "chitra.cli", "shell", "-c",
         "from chitra.payments.models import PaymentFile; from django.db.models import Sum; "
         "print(PaymentFile.objects.aggregate(s=Sum('tx_count'))['s'])"],
        env=env, capture_output=True, text=True, check=True).stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url",
                    default="postgresql://postgres@127.0.0.1:5432/chitra_bench_pay")
    ap.add_argument("--beneficiaries", type=int, default=3_400_000)
    ap.add_argument("--skip-cash-lists", action="store_true",
                    help="leave out the (slow) post-office cash lists step")
    ap.add_argument("--profile-export", type=Path, default=None,
                    help="write a cProfile of the export step here")
    ap.add_argument("--profile-ingest", type=Path, default=None,
                    help="write a cProfile of the ingest step here")
    ap.add_argument("--ingest-only", action="store_true",
                    help="on the database of an earlier run: undo its ingest, time it again "
                         "(no results file)")
    args = ap.parse_args()
    db = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    work = Path(tempfile.mkdtemp(prefix="chitra-bench-pay-"))
    env = {**os.environ, "DATABASE_URL": args.database_url, "CHITRA_VAR_DIR": str(work / "var")}
    if args.ingest_only:
        reset_ingest(args.database_url)
        ingest(env, work, transactions(env), args.profile_ingest)
        return
    fresh_database(args.database_url)
    chitra(env, "migrate", "-v0")
    chitra(env, "seed_demo", "--province", "12", "--beneficiaries", "0")
    chitra(env, "payment_settings", "--province", "12", "--debtor-account", "8800201001234",
           "--debtor-bic", "VBAAVNVX", "--as", "officer")
    chitra(env, "make_demo_keystore")
    load_s = load_people(args.database_url, args.beneficiaries)
    print(f"loaded {args.beneficiaries:,} beneficiaries in {load_s} s", flush=True)

    r: dict[str, object] = {"benchmark": "payment_cycle", "database": db,
                            "beneficiaries": args.beneficiaries, "registry_load_s": load_s}
    chitra(env, "cycle", "open", PERIOD, "--as", "officer")
    r["compute"] = chitra(env, "cycle", "compute", PERIOD, "--as", "officer")
    print("compute", r["compute"], flush=True)
    chitra(env, "cycle", "approve", PERIOD, "--as", "approver")
    out = work / "export"
    r["export"] = chitra(env, "cycle", "export", PERIOD, "--as", "officer", "--out", str(out),
                         "--no-cash-lists", profile=args.profile_export)
    files = sorted(out.glob("*.xml"))
    tx = transactions(env)
    r["export"]["transactions"] = tx  # type: ignore[index]
    r["export"]["files"] = len(files)  # type: ignore[index]
    r["export"]["tx_per_s"] = round(tx / r["export"]["seconds"])  # type: ignore[index]
    print("export", r["export"], flush=True)
    if not args.skip_cash_lists:
        r["cash_lists"] = chitra(env, "cycle", "cashlists", PERIOD, "--as", "officer", "--out",
                                 str(out))
        print("cash lists", r["cash_lists"], flush=True)
    r["ingest"] = ingest(env, work, tx, args.profile_ingest)
    r["goal"] = {"compute_s": 60, "export_tx_per_s": 150_000, "export_peak_rss_mb": 300,
                 "ingest_tx_per_s": 100_000}
    r["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()}
    r["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    dest = ROOT / "benchmarks" / "results" / f"payment_cycle-{db}-{args.beneficiaries}.json"
    dest.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(r, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
