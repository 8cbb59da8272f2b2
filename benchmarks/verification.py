"""Benchmark: the whole country's beneficiaries verified against a population extract
(issue 16).

    python benchmarks/verification.py                      # PostgreSQL, 3,400,000 people
    python benchmarks/verification.py --beneficiaries 100000          # a quick try

Set-up, not measured: a fresh PostgreSQL database (``chitra migrate``), a superuser, then N
synthetic people loaded set-based in SQL over every ward of the country (evenly, round
robin), each with a pension; real-looking Vietnamese names (family, Văn/Thị, given name).
Then the police's extract, written by ``COPY … TO`` as a csv in the documented layout
(:data:`chitra.verification.extract.EXTRACT_COLUMNS`), one row per person, half the clean
names in capitals as the population database often writes them, with discrepancies planted
by a hash of the person's id and listed in a table ``bench_planted``: 0.4 % each of deceased
(dated in the last year), name without accents, ``Văn``/``Thị`` written ``Van``/``Thi``,
day and month swapped (when the day is at most 12), moved to another ward of the province;
0.5 % of our people left out of the extract (not found); and a few bad rows (a personal ID
of nobody, a date that is none), set aside.

**Measured**: ``chitra shell`` running :func:`chitra.verification.extract.verify_extract`
for all 34 provinces (a batch each), from the file to every result, death and stamp
recorded — the process's wall time, with its phases as the run reports them.

Then the same extract verified again (the next run on top of the first: stamps updated in
place, the people now recorded deceased set aside), measured and reported apart.

SQL checks (a failed one makes the run exit 1): every planted discrepancy found with its
outcome, no other person with anything but a match, the deceased stopped, a stamp for every
person (and a result for everyone not matched in bulk), every batch done with its counts
adding up, the bad rows set aside.
Results: ``benchmarks/results/verification-postgresql-<N>.json`` (``--results`` elsewhere).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench import ROOT, Checks, Db, chitra, drop_database, fresh_database, machine, plain

GOAL_S = 60
FAMILIES = [("Nguyễn", "nguyen"), ("Trần", "tran"), ("Lê", "le"), ("Phạm", "pham"),
            ("Hoàng", "hoang"), ("Vũ", "vu"), ("Đặng", "dang"), ("Bùi", "bui"),
            ("Đỗ", "do"), ("Hồ", "ho"), ("Ngô", "ngo"), ("Dương", "duong"), ("Lò", "lo"),
            ("Tẩn", "tan"), ("Lý", "ly"), ("Đinh", "dinh")]
GIVEN = [("Hoa", "hoa"), ("Minh", "minh"), ("Lan", "lan"), ("Hùng", "hung"),
         ("Mai", "mai"), ("Sơn", "son"), ("Đức", "duc"), ("Thuỷ", "thuy"), ("Pọm", "pom"),
         ("Mẩy", "may"), ("Tuấn", "tuan"), ("Hương", "huong"), ("Dũng", "dung"),
         ("Nga", "nga"), ("Phúc", "phuc"), ("Yến", "yen"), ("Quang", "quang"),
         ("Thảo", "thao"), ("Bình", "binh"), ("Cúc", "cuc"), ("Khánh", "khanh"),
         ("Loan", "loan"), ("Nam", "nam"), ("Oanh", "oanh")]

# Which discrepancy a person gets: by a hash of the id, in basis points.
KINDS = [  # (kind, from, to, expected outcome)
    ("missing", 0, 50, "not_found"),
    ("deceased", 50, 90, "deceased"),
    ("no_accents", 90, 130, "name_differs"),
    ("middle_name_variant", 130, 170, "name_differs"),
    ("day_month_swapped", 170, 210, "birth_date_differs"),
    ("moved", 210, 250, "moved"),
]


def _array(items: list[tuple[str, str]], i: int) -> str:
    return "ARRAY[" + ",".join(f"'{item[i]}'" for item in items) + "]"


LOAD = f"""
CREATE TEMP TABLE wards AS
  SELECT row_number() OVER (ORDER BY code) - 1 AS n, code, province_code
  FROM core_adminunit WHERE era = '2025' AND level = 'ward';
INSERT INTO registry_beneficiary (citizen_id, bhxh_code, full_name, name_key, date_of_birth,
  sex, province_code, ward_code, street, phone, status, status_reason, created_at, updated_at)
SELECT lpad((g % 1000)::text, 3, '0') || (g % 2)::text || lpad((40 + g / 1000000)::text, 2, '0')
       || lpad((g % 1000000)::text, 6, '0'), '',
       ({_array(FAMILIES, 0)})[1 + g % {len(FAMILIES)}]
         || CASE WHEN g % 2 = 0 THEN ' Văn ' ELSE ' Thị ' END
         || ({_array(GIVEN, 0)})[1 + (g / 7) % {len(GIVEN)}],
       ({_array(FAMILIES, 1)})[1 + g % {len(FAMILIES)}]
         || CASE WHEN g % 2 = 0 THEN ' van ' ELSE ' thi ' END
         || ({_array(GIVEN, 1)})[1 + (g / 7) % {len(GIVEN)}],
       make_date(1935 + (g / 13) % 40, 1 + g % 12, 1 + (g / 3) % 28),
       CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END, w.province_code, w.code, 'Tổ 1', '',
       'active', '', now(), now()
FROM generate_series(0, %(n)s - 1) g
JOIN wards w ON w.n = g % (SELECT count(*) FROM wards);
INSERT INTO registry_benefit (beneficiary_id, benefit_type, "group", sub_kind, amount,
  start_date, end_date, status)
SELECT id, 'pension', 'monthly', '', 3000000 + (id * 7919 %% 12000) * 1000, '2020-01-01', NULL,
       'active' FROM registry_beneficiary;
ANALYZE
"""

PLANT = """
CREATE TABLE bench_planted AS
SELECT id AS beneficiary_id, kind, expected FROM (
  SELECT b.id, CASE
    WHEN k < 50 THEN 'missing'
    WHEN k < 90 THEN 'deceased'
    WHEN k < 130 THEN 'no_accents'
    WHEN k < 170 THEN 'middle_name_variant'
    WHEN k < 210 AND extract(day FROM b.date_of_birth) <= 12
         AND extract(day FROM b.date_of_birth) <> extract(month FROM b.date_of_birth)
      THEN 'day_month_swapped'
    WHEN k >= 210 AND k < 250 THEN 'moved' END AS kind
  FROM (SELECT id, date_of_birth, (id * 7919 + 13) % 10000 AS k FROM registry_beneficiary) b
) p JOIN (VALUES ('missing', 'not_found'), ('deceased', 'deceased'),
                 ('no_accents', 'name_differs'), ('middle_name_variant', 'name_differs'),
                 ('day_month_swapped', 'birth_date_differs'), ('moved', 'moved'))
     AS e(kind, expected) USING (kind);
CREATE UNIQUE INDEX ON bench_planted (beneficiary_id);
ANALYZE bench_planted
"""

# The population database's record of each person, as the police write it (dd/mm/yyyy).
EXTRACT = """
COPY (
  SELECT b.citizen_id,
         CASE p.kind
           WHEN 'no_accents' THEN upper(b.name_key)
           WHEN 'middle_name_variant' THEN replace(replace(b.full_name, ' Văn ', ' Van '),
                                                   ' Thị ', ' Thi ')
           ELSE CASE WHEN b.id % 2 = 0 THEN upper(b.full_name) ELSE b.full_name END END,
         to_char(CASE WHEN p.kind = 'day_month_swapped'
                      THEN make_date(extract(year FROM b.date_of_birth)::int,
                                     extract(day FROM b.date_of_birth)::int,
                                     extract(month FROM b.date_of_birth)::int)
                      ELSE b.date_of_birth END, 'DD/MM/YYYY'),
         CASE b.sex WHEN 'M' THEN 'Nam' ELSE 'Nữ' END,
         CASE WHEN p.kind = 'moved' THEN (
           SELECT min(w.code) FROM core_adminunit w WHERE w.era = '2025' AND w.level = 'ward'
              AND w.province_code = b.province_code AND w.code <> b.ward_code)
           ELSE b.ward_code END,
         CASE WHEN p.kind = 'deceased'
              THEN to_char(current_date - (1 + b.id % 300)::int, 'DD/MM/YYYY') ELSE '' END
  FROM registry_beneficiary b LEFT JOIN bench_planted p ON p.beneficiary_id = b.id
  WHERE p.kind IS DISTINCT FROM 'missing'
  UNION ALL
  SELECT '0' || lpad(g::text, 11, '9'), 'Người Lạ', '01/01/1950', 'Nam', '', ''
  FROM generate_series(1, 5) g
  UNION ALL
  SELECT '0' || lpad(g::text, 11, '8'), 'Người Sai Ngày', '31/02/1950', 'Nam', '', ''
  FROM generate_series(1, 5) g
) TO STDOUT WITH (FORMAT csv)
"""
BAD_ROWS = {"not_asked": 5, "dob_invalid": 5}

MEASURED = """
import json, time
from pathlib import Path
from chitra.access.models import User
from chitra.core.admin_units import current_provinces
from chitra.verification.extract import verify_extract
start = time.perf_counter()
run = verify_extract(Path({path!r}), sorted(current_provinces()),
                     User.objects.get(username="bench"))
print(json.dumps({{"in_process_s": round(time.perf_counter() - start, 2),
                  "phases_s": run.seconds, "rows": run.rows,
                  "matched_in_bulk": run.matched_in_bulk,
                  "answered_one_by_one": run.answered_one_by_one,
                  "not_found": run.not_found, "deaths": run.deaths,
                  "to_review": run.to_review, "skipped": run.skipped,
                  "set_aside": run.set_aside_counts, "batches": len(run.batches)}}))
"""


def setup(env: dict[str, str], url: str) -> None:
    fresh_database(url)
    chitra(env, "migrate", "-v0")
    chitra(env, "shell", "-c", "from chitra.access.models import User\n"
           "User.objects.create_superuser('bench', 'bench@example.vn', 'bench-Verify-2026!')")


def load_people(db: Db, n: int) -> float:
    start = time.perf_counter()
    db.execute(LOAD.replace("%(n)s", str(n)).replace("%%", "%"))
    db.execute(PLANT)
    return round(time.perf_counter() - start, 1)


def write_extract(url: str, path: Path) -> float:
    import psycopg

    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur, \
            path.open("wb") as out:
        header = "Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Mã phường/xã nơi cư trú," \
                 "Ngày chết\r\n"
        out.write(header.encode())
        with cur.copy(EXTRACT) as copy:
            for block in copy:
                out.write(block)
    return round(time.perf_counter() - start, 1)


def check(db: Db, n: int, measured: dict[str, Any], ck: Checks) -> dict[str, int]:
    planted = dict(db.rows("SELECT kind, count(*) FROM bench_planted GROUP BY 1"))
    ck.true("every kind of discrepancy planted", set(planted) == {k for k, *_ in KINDS},
            planted)
    ck.equal("results: one per person answered one by one (a match in bulk has none)", db.one(
        "SELECT count(*) FROM verification_verificationresult"),
        measured["answered_one_by_one"])
    ck.equal("batches: their bulk matches counted", db.one(
        "SELECT sum(matched_in_bulk) FROM verification_verificationbatch"),
        measured["matched_in_bulk"])
    ck.equal("results: nobody twice", db.one(
        "SELECT count(*) - count(DISTINCT beneficiary_id) FROM verification_verificationresult"),
        0)
    wrong = dict(db.rows(
        "SELECT p.kind, count(*) FROM bench_planted p LEFT JOIN verification_verificationresult "
        "r ON r.beneficiary_id = p.beneficiary_id WHERE r.outcome IS DISTINCT FROM p.expected "
        "GROUP BY 1"))
    ck.equal("every planted discrepancy found with its outcome", wrong, {})
    ck.equal("no false alarm: everyone else a match", db.one(
        "SELECT count(*) FROM registry_verificationstamp s WHERE s.outcome <> 'match' "
        "AND NOT EXISTS (SELECT 1 FROM bench_planted p WHERE p.beneficiary_id = "
        "s.beneficiary_id)"), 0)
    ck.equal("the deceased stopped (status and date of death)", db.one(
        "SELECT count(*) FROM registry_beneficiary b JOIN bench_planted p ON "
        "p.beneficiary_id = b.id WHERE p.kind = 'deceased' AND b.status = 'deceased' "
        "AND b.death_date IS NOT NULL"), planted.get("deceased", 0))
    ck.equal("nobody else stopped", db.one(
        "SELECT count(*) FROM registry_beneficiary WHERE status <> 'active'"),
        planted.get("deceased", 0))
    ck.equal("their pensions suspended", db.one(
        "SELECT count(*) FROM registry_benefit f JOIN bench_planted p ON "
        "p.beneficiary_id = f.beneficiary_id WHERE p.kind = 'deceased' "
        "AND f.status = 'active'"), 0)
    ck.equal("every person stamped verified", db.one(
        "SELECT count(*) FROM registry_beneficiary b JOIN registry_verificationstamp s "
        "ON s.beneficiary_id = b.id"), n)
    ck.equal("each stamp the outcome of the person's result, or a match (in bulk)", db.one(
        "SELECT count(*) FROM registry_verificationstamp s LEFT JOIN "
        "verification_verificationresult r ON r.beneficiary_id = s.beneficiary_id "
        "WHERE s.outcome <> coalesce(r.outcome, 'match')"), 0)
    reviewed = sum(v for k, v in planted.items() if k != "deceased")
    ck.equal("discrepancies in the review queue", db.one(
        "SELECT count(*) FROM verification_verificationresult WHERE review_status = 'pending'"),
        reviewed)
    batches = db.rows("SELECT status, adapter_kind, sum(people_total), sum(people_done), "
                      "sum(people_skipped), count(*) FROM verification_verificationbatch "
                      "GROUP BY 1, 2")
    ck.equal("batches: all done, by file, counts adding up",
             [list(r) for r in batches], [["done", "file", n, n, 0, 34]])
    ck.equal("bad rows set aside", measured.get("set_aside"), BAD_ROWS)
    ck.equal("counts add up: bulk + one by one = everyone",
             measured["matched_in_bulk"] + measured["answered_one_by_one"], n)
    ck.equal("not found = those left out", measured["not_found"], planted.get("missing", 0))
    return {k: int(v) for k, v in planted.items()}


def run(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    url, n = args.database_url, args.beneficiaries
    setup(env, url)
    db = Db(url)
    r: dict[str, Any] = {"benchmark": "verification", "beneficiaries": n,
                         "machine": machine(db), "goal_s": GOAL_S,
                         "load_average_before": os.getloadavg()}
    r["registry_load_s"] = load_people(db, n)
    print(f"set-up: {n:,} people loaded in {r['registry_load_s']} s", flush=True)
    extract = work / "extract.csv"
    r["extract_write_s"] = write_extract(url, extract)
    r["extract_mb"] = round(extract.stat().st_size / 2**20, 1)
    db.execute("CHECKPOINT")  # the set-up's writes not flushed during the measured step
    print(f"set-up: extract of {r['extract_mb']} MB written in {r['extract_write_s']} s",
          flush=True)
    r["load_average_at_start"] = os.getloadavg()
    step = chitra(env, "shell", "-c", MEASURED.format(path=str(extract)),
                  profile=args.profile)
    measured = json.loads(step.stdout.strip().splitlines()[-1])
    r["verification"] = step.report(**measured)
    r["load_average_after"] = os.getloadavg()
    print(f"verification: {step.seconds} s (in process {measured['in_process_s']} s; phases "
          f"{measured['phases_s']})", flush=True)
    ck = Checks()
    r["planted"] = check(db, n, measured, ck)
    # The next verification on top of the first: every stamp there already (updated in
    # place), the deceased now held dead (their rows set aside as not asked about).
    second = chitra(env, "shell", "-c", MEASURED.format(path=str(extract)))
    again = json.loads(second.stdout.strip().splitlines()[-1])
    r["second_run"] = second.report(**again)
    print(f"second run: {second.seconds} s (phases {again['phases_s']})", flush=True)
    ck.equal("second run: everyone alive matched or answered again",
             again["matched_in_bulk"] + again["answered_one_by_one"],
             n - r["planted"].get("deceased", 0))
    ck.equal("second run: still one stamp per person", db.one(
        "SELECT count(*) FROM registry_verificationstamp"), n)
    ck.equal("second run: its batches done", db.one(
        "SELECT count(*) FROM verification_verificationbatch WHERE status = 'done'"), 68)
    r["checks"] = ck.report()
    r["goal_met"] = step.seconds <= GOAL_S
    r["passed"] = ck.passed
    db.close()
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--database-url",
                    default="postgresql://postgres@127.0.0.1:5432/chitra_bench_verify")
    ap.add_argument("--beneficiaries", type=int, default=3_400_000)
    ap.add_argument("--results", type=Path, default=None)
    ap.add_argument("--keep-db", action="store_true", help="keep the database afterwards")
    ap.add_argument("--profile", type=Path, default=None,
                    help="write a cProfile of the first measured run to this file")
    args = ap.parse_args()
    if args.database_url.startswith("sqlite"):
        ap.error("this benchmark runs on PostgreSQL (the extract path is PostgreSQL only)")
    if args.beneficiaries < 1_000:
        ap.error("--beneficiaries: at least 1000 (so that every discrepancy is planted)")
    work = Path(tempfile.mkdtemp(prefix="chitra-bench-verify-"))
    env = {**os.environ, "DATABASE_URL": args.database_url,
           "CHITRA_VAR_DIR": str(work / "var")}
    dest = args.results or (ROOT / "benchmarks" / "results"
                            / f"verification-postgresql-{args.beneficiaries}.json")
    try:
        r = run(args, env, work)
    finally:
        if not args.keep_db:
            drop_database(args.database_url)
        shutil.rmtree(work, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(plain(r), indent=2, ensure_ascii=False) + "\n")
    print(f"results: {dest} — checks {'passed' if r['passed'] else 'FAILED'}; "
          f"{r['verification']['seconds']} s, goal ≤ {GOAL_S} s "
          f"{'met' if r['goal_met'] else 'NOT met'}")
    sys.exit(0 if r["passed"] else 1)


if __name__ == "__main__":
    main()
