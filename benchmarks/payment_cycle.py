"""Benchmark: two months of a province's payment cycle, as users run it (DESIGN §8).

    python benchmarks/payment_cycle.py                                   # PostgreSQL, 3,400,000
    python benchmarks/payment_cycle.py --database-url sqlite:///$PWD/var/bench-pay.sqlite3 \\
        --beneficiaries 100000

Set-up, not measured: a fresh database (``chitra migrate``), the demo organizations and users
(``chitra seed_demo --beneficiaries 0``), the office's paying account, the demo keystore, then
N synthetic beneficiaries of Lai Châu with a pension and a current account (≈30 % cash at
their ward's payment point, the rest across banks and e-wallets; 0.5 % suspended) loaded
set-based in SQL.

Measured, each a ``chitra`` process (wall time, peak memory of its process tree) followed by
SQL checks of what it did:

1. ``cycle compute`` of month 1;
2. ``cycle export`` — the README's command: pain.001 files, signatures, manifest and the
   post-office cash lists (``--skip-cash-lists`` leaves them out, and says so);
3. ``ingest_status`` of what comes back: a pain.002 per payment file (2 % RJCT: AC04, MD07,
   AM04; the rest ACSC), then a camt.054 of returns (0.2 % of the paid transfers, AC04 and
   MS03, with a few entries that are not ours: fees, interest, another transfer — set
   aside), then the post office's results (3 % not collected);
4. ``cycle compute`` of month 2: reissues of what was rejected or returned, the deceased
   excluded, the closed accounts paid in cash.

A failed check makes the run exit 1. Results: ``benchmarks/results/payment_cycle-<db>-<N>.json``
(``--results`` elsewhere). ``--keep-db`` keeps the database; ``--ingest-only`` then undoes
its status ingest and month 2 (statuses, registry changes) and times step 3 again.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from array import array
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from _bench import (
    ROOT,
    Checks,
    Db,
    Step,
    StepFailed,
    chitra,
    drop_database,
    fresh_database,
    machine,
    plain,
)

from chitra.payments.iso20022.ids import end_to_end_id

MONTH_1, MONTH_2 = date(2026, 11, 1), date(2026, 12, 1)
PROVINCE = "12"
DEBTOR_ACCOUNT = "8800201001234"
XSD_UP_TO = 20_000  # beneficiaries: above, the files are not validated against the XSD
GOAL = {"compute_s": 60, "export_incl_cash_lists_s": 60, "export_peak_rss_tree_mb": 300,
        "ingest_pain002_tx_per_s": 100_000}
RJCT_REASONS = ("AC04", "MD07", "AM04")
RETURN_REASONS = ("AC04", "MS03")
NOT_COLLECTED = "vắng mặt"  # absent: the post office's most common reason


# --- set-up: the registry --------------------------------------------------------------------

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
       CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END, '12', w.code, 'Tổ 1', '',
       CASE WHEN g % 200 = 199 THEN 'suspended' ELSE 'active' END,
       CASE WHEN g % 200 = 199 THEN 'Tạm dừng (benchmark)' ELSE '' END, now(), now()
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
    """What :data:`LOAD_PG` does, for SQLite (ids 1…n: id = g + 1)."""
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
          "MF"[g % 2], "12", wards[g % len(wards)], "Tổ 1", "",
          "suspended" if g % 200 == 199 else "active",
          "Tạm dừng (benchmark)" if g % 200 == 199 else "", now, now,
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


# --- SQL the checks share --------------------------------------------------------------------

ACTIVE_BENEFITS = """FROM registry_benefit bf
  JOIN registry_beneficiary b ON b.id = bf.beneficiary_id
  WHERE b.province_code = '12' AND b.status = 'active' AND bf.status = 'active'"""
CURRENT_ACCOUNTS = """SELECT a.channel, COUNT(*) FROM registry_paymentaccount a
  JOIN registry_beneficiary b ON b.id = a.beneficiary_id JOIN registry_benefit bf
    ON bf.beneficiary_id = b.id AND bf.status = 'active'
  WHERE a.valid_to IS NULL AND b.province_code = '12' AND b.status = 'active'
  GROUP BY a.channel"""


def cycle_id(db: Db, period: date) -> int:
    return int(db.one("SELECT id FROM payments_paymentcycle WHERE province_code = %s "
                      "AND period = %s", PROVINCE, period.isoformat()))


def by_key(rows: list[tuple[Any, ...]]) -> dict[str, int]:
    return {str(k): int(v) for k, v in rows}


# --- 1. month 1 compute ----------------------------------------------------------------------

def check_compute_1(db: Db, c1: int, n: int) -> Checks:
    ck = Checks()
    due = db.one("SELECT COUNT(*) FROM registry_benefit bf JOIN registry_beneficiary b "
                 "ON b.id = bf.beneficiary_id WHERE b.province_code = '12'")
    excluded = db.one("SELECT COUNT(*) FROM payments_cycleexclusion WHERE cycle_id = %s", c1)
    items, total = db.rows("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM payments_paymentitem "
                           "WHERE cycle_id = %s", c1)[0]
    ck.equal("excluded = suspended people", excluded, n // 200)
    ck.equal("items = due benefits - exclusions", items, due - excluded)
    ck.equal("obligations = items", db.one(
        "SELECT COUNT(*) FROM payments_obligation WHERE cycle_id = %s", c1), items)
    ck.equal("sum of items = sum of due benefits", total,
             db.one(f"SELECT COALESCE(SUM(bf.amount), 0) {ACTIVE_BENEFITS}"))
    ck.equal("items per channel = current accounts per channel", by_key(db.rows(
        "SELECT channel, COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
        "GROUP BY channel", c1)), by_key(db.rows(CURRENT_ACCOUNTS)))
    return ck


# --- 2. export -------------------------------------------------------------------------------

def file_header(path: Path) -> tuple[int, int]:
    """(NbOfTxs, CtrlSum) from a pain.001 file's group header (its first bytes)."""
    with path.open("rb") as f:
        head = f.read(8192).decode("utf-8", "replace")
    m = re.search(r"<GrpHdr>.*?<NbOfTxs>(\d+)</NbOfTxs>\s*<CtrlSum>([\d.]+)</CtrlSum>", head, re.S)
    if not m:
        return -1, -1
    return int(m.group(1)), int(m.group(2).split(".")[0])


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def check_export(db: Db, c1: int, out: Path, cash_lists: bool, validate: bool) -> Checks:
    ck = Checks()
    files = db.rows("SELECT file_name, provider_id, first_item_id, last_item_id, tx_count, "
                    "control_sum, sha256 FROM payments_paymentfile WHERE cycle_id = %s "
                    "ORDER BY file_name", c1)
    by_sql = {(p, lo, hi): (n, s) for p, lo, hi, n, s in db.rows(
        "SELECT f.provider_id, f.first_item_id, f.last_item_id, COUNT(i.id), SUM(i.amount) "
        "FROM payments_paymentfile f JOIN payments_paymentitem i ON i.cycle_id = f.cycle_id "
        "AND i.provider_id = f.provider_id AND i.id BETWEEN f.first_item_id AND f.last_item_id "
        "WHERE f.cycle_id = %s GROUP BY f.provider_id, f.first_item_id, f.last_item_id", c1)}
    bad: list[str] = []
    for name, provider, lo, hi, n, total, digest in files:
        path = out / name
        if not path.is_file() or not (out / f"{name}.p7s").is_file():
            bad.append(f"{name}: file or signature missing")
        elif by_sql.get((provider, lo, hi)) != (n, total) or file_header(path) != (n, total):
            bad.append(f"{name}: header {file_header(path)}, row {(n, total)}, "
                       f"items {by_sql.get((provider, lo, hi))}")
        elif sha256(path) != digest:
            bad.append(f"{name}: sha256 differs from the recorded one")
    ck.true("each file: count and control sum = its items by SQL; signed; sha256 recorded",
            not bad, bad[:5])
    transfers = db.rows("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM payments_paymentitem "
                        "WHERE cycle_id = %s AND channel <> 'cash'", c1)[0]
    ck.equal("files carry every transfer item", [sum(f[4] for f in files),
                                                 sum(f[5] for f in files)], list(transfers))
    manifest = out / f"manifest-{PROVINCE}-{MONTH_1:%Y-%m}.json"
    listed = json.loads(manifest.read_text()) if manifest.is_file() else {}
    entries = {(e.get("file_name"), e.get("sha256")) for e in listed.get("files", [])}
    recorded = {(f[0], f[6]) for f in files}
    ck.true("manifest lists each file with its recorded sha256", entries == recorded,
            sorted(entries ^ recorded)[:5])
    if cash_lists:
        pairs = db.one("SELECT COUNT(*) FROM (SELECT DISTINCT payment_point_id, payment_date "
                       "FROM payments_paymentitem WHERE cycle_id = %s AND channel = 'cash') t",
                       c1)
        names = [n for n in listed.get("meta", {}).get("cash_lists", []) if (out / n).is_file()]
        for suffix in (".xlsx", ".pdf"):
            ck.equal(f"cash lists {suffix} = (point, day) pairs with cash items",
                     sum(n.endswith(suffix) for n in names), pairs)
    if validate:
        from lxml import etree

        from chitra.payments.iso20022.schemas import load_schema

        schema = load_schema("pain.001.001.09")
        invalid = [f[0] for f in files if not schema.validate(etree.parse(str(out / f[0])))]
        ck.equal("every pain.001 valid against the XSD", invalid, [])
    return ck


# --- 3. what comes back: the plan and the files ----------------------------------------------

def spread(total: int, count: int) -> list[int]:
    """``count`` ranks out of ``total``, evenly apart (none if there are too few)."""
    if total < count or count <= 0:
        return []
    stride = total // count
    return [stride // 2 + k * stride for k in range(count)]


class Plan:
    """Which items the banks reject or return and the post office does not pay: chosen
    evenly over the items in id order, with at least a few of each even in a tiny run."""

    def __init__(self, db: Db, c1: int) -> None:
        transfers = array("q", (r[0] for r in db.stream(
            "SELECT id FROM payments_paymentitem WHERE cycle_id = %s AND channel <> 'cash' "
            "ORDER BY id", c1)))
        ranks = spread(len(transfers), max(3, len(transfers) * 2 // 100))
        self.rejected = {transfers[r]: RJCT_REASONS[k % 3] for k, r in enumerate(ranks)}
        paid = array("q", (i for i in transfers if i not in self.rejected))
        ranks = spread(len(paid), max(2, len(paid) * 2 // 1000))
        self.returned = {paid[r]: RETURN_REASONS[k % 2] for k, r in enumerate(ranks)}
        cash = array("q", (r[0] for r in db.stream(
            "SELECT id FROM payments_paymentitem WHERE cycle_id = %s AND channel = 'cash' "
            "ORDER BY id", c1)))
        self.not_collected = {cash[r] for r in spread(len(cash), max(2, len(cash) * 3 // 100))}
        self.transfers, self.cash = len(transfers), len(cash)

    def count(self, reasons: dict[int, str], reason: str) -> int:
        return sum(r == reason for r in reasons.values())

    @property
    def bad_accounts(self) -> int:
        return self.count(self.rejected, "AC04") + self.count(self.returned, "AC04")

    @property
    def deceased(self) -> int:
        return self.count(self.rejected, "MD07")

    @property
    def reissued(self) -> int:
        return len(self.rejected) - self.deceased + len(self.returned) + len(self.not_collected)


PAIN002_NS = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.12"
CAMT054_NS = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"


def write_pain002(db: Db, c1: int, plan: Plan, out: Path) -> tuple[list[Path], int]:
    """One pain.002 per payment file, streamed from the database; (files, lines)."""
    paths, lines = [], 0
    for name, msg_id, provider, lo, hi in db.rows(
            "SELECT file_name, msg_id, provider_id, first_item_id, last_item_id "
            "FROM payments_paymentfile WHERE cycle_id = %s ORDER BY file_name", c1):
        path = out / f"sts-{name}"
        with path.open("w", encoding="utf-8") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{PAIN002_NS}">'
                    f"<CstmrPmtStsRpt><GrpHdr><MsgId>S{msg_id[:30]}</MsgId>"
                    "<CreDtTm>2026-11-03T10:00:00+07:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts>"
                    f"<OrgnlMsgId>{msg_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09"
                    "</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts>"
                    f"<OrgnlPmtInfId>{msg_id}-1</OrgnlPmtInfId>\n")
            for (item,) in db.stream(
                    "SELECT id FROM payments_paymentitem WHERE cycle_id = %s AND provider_id = %s "
                    "AND id BETWEEN %s AND %s ORDER BY id", c1, provider, lo, hi):
                reason = plan.rejected.get(item)
                status = (f"<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn>"
                          "</StsRsnInf>" if reason else "<TxSts>ACSC</TxSts>")
                f.write(f"<TxInfAndSts><OrgnlEndToEndId>{end_to_end_id(MONTH_1, item)}"
                        f"</OrgnlEndToEndId>{status}</TxInfAndSts>\n")
                lines += 1
            f.write("</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>\n")
        paths.append(path)
    return paths, lines


def _entry(amount: int, credit: bool, family: str, sub: str, details: str = "",
           note: str = "") -> str:
    side = "CRDT" if credit else "DBIT"
    return (f'<Ntry><Amt Ccy="VND">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd>'
            "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-06</Dt></BookgDt><BkTxCd><Domn>"
            f"<Cd>{family}</Cd><Fmly><Cd>{'ICDT' if family == 'PMNT' else 'MDOP'}</Cd>"
            f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd>"
            + (f"<NtryDtls>{details}</NtryDtls>" if details else "")
            + (f"<AddtlNtryInf>{note}</AddtlNtryInf>" if note else "") + "</Ntry>\n")


# Movements on the office's account that are not our transfers: the file applies ours and
# sets these aside, each with its reason.
FOREIGN_ENTRIES = [
    _entry(11_000, False, "ACMT", "CHRG", note="Phí dịch vụ chi hộ"),
    _entry(22_000, False, "ACMT", "CHRG", note="Phí chuyển tiền liên ngân hàng"),
    _entry(1_234, True, "ACMT", "INTR", note="Lãi tiền gửi"),
    _entry(5_000_000, False, "PMNT", "DMCT", details=(
        "<TxDtls><Refs><EndToEndId>LUONG-T11-000017</EndToEndId></Refs>"
        '<Amt Ccy="VND">5000000</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>')),
]


def write_camt054(db: Db, c1: int, plan: Plan, path: Path) -> int:
    """The office account's notification of the returns (and a few entries not ours)."""
    amounts = dict(db.rows("SELECT id, amount FROM payments_paymentitem WHERE cycle_id = %s "
                           f"AND id IN ({','.join(map(str, plan.returned)) or '0'})", c1))
    with path.open("w", encoding="utf-8") as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{CAMT054_NS}">'
                "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH054-20261106</MsgId>"
                "<CreDtTm>2026-11-06T18:00:00+07:00</CreDtTm></GrpHdr><Ntfctn>"
                "<Id>NTF-20261106</Id><CreDtTm>2026-11-06T18:00:00+07:00</CreDtTm>"
                f"<Acct><Id><Othr><Id>{DEBTOR_ACCOUNT}</Id></Othr></Id></Acct>\n")
        f.write(FOREIGN_ENTRIES[0])
        for item, reason in sorted(plan.returned.items()):
            amount = amounts[item]
            f.write(_entry(amount, True, "PMNT", "RRTN", details=(
                f"<TxDtls><Refs><EndToEndId>{end_to_end_id(MONTH_1, item)}</EndToEndId></Refs>"
                f'<Amt Ccy="VND">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
                f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf></TxDtls>")))
        f.writelines(FOREIGN_ENTRIES[1:])
        f.write("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n")
    return len(plan.returned) + len(FOREIGN_ENTRIES)


def write_cash_results(db: Db, c1: int, plan: Plan, path: Path) -> int:
    """The post office's results, in the CSV columns the upload reads."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Mã giao dịch", "Số tiền", "Kết quả", "Lý do"])
        for item, amount in db.stream("SELECT id, amount FROM payments_paymentitem "
                                      "WHERE cycle_id = %s AND channel = 'cash' ORDER BY id", c1):
            missed = item in plan.not_collected
            w.writerow([end_to_end_id(MONTH_1, item), amount,
                        "Không nhận" if missed else "Đã chi", NOT_COLLECTED if missed else ""])
            n += 1
    return n


def replies_invalid(paths: list[Path], camt: Path) -> list[str]:
    """The generated bank files that the official XSDs refuse (checked in small runs)."""
    from lxml import etree

    from chitra.payments.iso20022.schemas import load_schema

    pain002, camt054 = load_schema("pain.002.001.12"), load_schema("camt.054.001.08")
    return [p.name for p, s in [*((p, pain002) for p in paths), (camt, camt054)]
            if not s.validate(etree.parse(str(p)))]


# --- 3. ingest: run and check ----------------------------------------------------------------

def ingest(env: dict[str, str], db: Db, work: Path, validate: bool,
           profile: Path | None = None) -> tuple[dict[str, Any], Checks, Plan]:
    c1 = cycle_id(db, MONTH_1)
    plan = Plan(db, c1)
    replies = work / "replies"
    shutil.rmtree(replies, ignore_errors=True)
    replies.mkdir(parents=True)
    sts, sts_lines = write_pain002(db, c1, plan, replies)
    camt = replies / "returns-camt054.xml"
    camt_lines = write_camt054(db, c1, plan, camt)
    cash = replies / "ket-qua-tien-mat.csv"
    cash_lines = write_cash_results(db, c1, plan, cash)
    ck = Checks()
    if validate:
        ck.equal("the generated bank replies are valid against the XSDs",
                 replies_invalid(sts, camt), [])
    steps: dict[str, Any] = {}
    for key, files, lines in (("pain002", sts, sts_lines), ("camt054", [camt], camt_lines),
                              ("cash_results", [cash], cash_lines)):
        s = chitra(env, "ingest_status", *map(str, files), "--as", "officer",
                   profile=profile if key == "pain002" else None)
        steps[key] = s.report(files=len(files), lines=lines,
                              tx_per_s=round(lines / s.seconds) if s.seconds else None)
        print(f"  ingest {key}: {steps[key]}", flush=True)
    seconds = round(sum(s["seconds"] for s in steps.values()), 2)
    lines = sts_lines + camt_lines + cash_lines
    result = {**steps, "seconds": seconds, "lines": lines,
              "tx_per_s": round(lines / seconds) if seconds else None,
              "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values()),
              "peak_rss_tree_mb": max(s["peak_rss_tree_mb"] for s in steps.values())}
    check_ingest(db, c1, plan, len(sts), ck)
    return result, ck, plan


def check_ingest(db: Db, c1: int, plan: Plan, sts_files: int, ck: Checks) -> None:
    rejected, returned = len(plan.rejected), len(plan.returned)
    missed = len(plan.not_collected)
    expected = {"paid": plan.transfers - rejected - returned + plan.cash - missed,
                "rejected": rejected + missed, "returned": returned}
    ck.equal("items per status = the planned mix", by_key(db.rows(
        "SELECT status, COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
        "GROUP BY status", c1)), {k: v for k, v in expected.items() if v})
    ck.equal("transfers rejected per reason", by_key(db.rows(
        "SELECT reason_code, COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
        "AND status = 'rejected' AND channel <> 'cash' GROUP BY reason_code", c1)),
        {r: plan.count(plan.rejected, r) for r in RJCT_REASONS if plan.count(plan.rejected, r)})
    ck.equal("returned items", db.one("SELECT COUNT(*) FROM payments_paymentitem WHERE "
                                      "cycle_id = %s AND status = 'returned'", c1), returned)
    ck.equal("accounts closed for AC04 (rejected or returned)", db.one(
        "SELECT COUNT(*) FROM registry_paymentaccount WHERE valid_to IS NOT NULL "
        "AND substr(closed_reason, 1, 4) = 'AC04'"), plan.bad_accounts)
    ck.equal("cash accounts opened in their place", db.one(
        "SELECT COUNT(*) FROM registry_paymentaccount WHERE created_by <> 'bench' "
        "AND channel = 'cash' AND valid_to IS NULL"), plan.bad_accounts)
    ck.equal("people stopped as deceased for MD07", db.one(
        "SELECT COUNT(*) FROM registry_beneficiary WHERE status = 'deceased'"), plan.deceased)
    ck.equal("status files applied (pain.002 each, camt.054, cash results)", by_key(db.rows(
        "SELECT source, COUNT(*) FROM payments_statusfile GROUP BY source")),
        {"pain002": sts_files, "camt054": 1, "cash": 1})
    ck.equal("files refused", db.one("SELECT COUNT(*) FROM payments_refusedstatusfile"), 0)
    # The policy of issue 13: lines that are not ours are set aside, the rest applies.
    ck.equal("camt.054 entries not ours set aside", db.one(
        "SELECT set_aside FROM payments_statusfile WHERE source = 'camt054'"),
        len(FOREIGN_ENTRIES))
    ck.equal("nothing held as an exception", db.one(
        "SELECT COUNT(*) FROM payments_statusexception"), 0)
    ck.equal("cycle reconciling", db.one(
        "SELECT status FROM payments_paymentcycle WHERE id = %s", c1), "reconciling")


# --- 4. month 2 ------------------------------------------------------------------------------

def check_compute_2(db: Db, c1: int, c2: int, plan: Plan, n: int, cash_1: int) -> Checks:
    ck = Checks()
    ck.equal("exclusions: the deceased and the suspended", by_key(db.rows(
        "SELECT reason, COUNT(*) FROM payments_cycleexclusion WHERE cycle_id = %s "
        "GROUP BY reason", c2)),
        {k: v for k, v in (("deceased", plan.deceased), ("suspended", n // 200)) if v})
    new, new_sum = db.rows("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM payments_paymentitem "
                           "WHERE cycle_id = %s AND replaces_id IS NULL", c2)[0]
    due, due_sum = db.rows(f"SELECT COUNT(*), COALESCE(SUM(bf.amount), 0) {ACTIVE_BENEFITS}")[0]
    ck.equal("month's items = due benefits of the active (count, sum)", [new, new_sum],
             [due, due_sum])
    ck.equal("month's items per channel = current accounts", by_key(db.rows(
        "SELECT channel, COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
        "AND replaces_id IS NULL GROUP BY channel", c2)), by_key(db.rows(CURRENT_ACCOUNTS)))
    ck.equal("month's cash items = month 1's + the closed accounts", db.one(
        "SELECT COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s AND replaces_id IS NULL "
        "AND channel = 'cash'", c2), cash_1 + plan.bad_accounts)
    again, again_sum = db.rows(
        "SELECT COUNT(*), COALESCE(SUM(i.amount), 0) FROM payments_paymentitem i "
        "JOIN payments_paymentitem r ON r.id = i.replaces_id AND r.cycle_id = %s "
        "AND r.status IN ('rejected', 'returned') WHERE i.cycle_id = %s", c1, c2)[0]
    ck.equal("reissues = rejected + returned of people still active",
             [again, db.one("SELECT COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
                            "AND replaces_id IS NOT NULL", c2)],
             [plan.reissued, plan.reissued])
    ck.equal("reissued amount = their obligations' by SQL", again_sum, db.one(
        "SELECT COALESCE(SUM(o.amount), 0) FROM payments_paymentitem i "
        "JOIN payments_obligation o ON o.id = i.obligation_id JOIN registry_beneficiary b "
        "ON b.id = i.beneficiary_id WHERE i.cycle_id = %s AND b.status = 'active' "
        "AND i.status IN ('rejected', 'returned')", c1))
    ck.equal("reissued in cash: closed accounts and not collected", db.one(
        "SELECT COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
        "AND replaces_id IS NOT NULL AND channel = 'cash'", c2),
        plan.bad_accounts + len(plan.not_collected))
    return ck


# --- --ingest-only: undo the ingest and month 2 ----------------------------------------------

def reset_ingest(db: Db, url: str) -> None:
    """Back to just after the export: no status applied, the registry as loaded, no month 2
    (so step 3 can be timed again on the same data)."""
    later = f"SELECT id FROM payments_paymentcycle WHERE period > '{MONTH_1.isoformat()}'"
    for sql in [
        "DELETE FROM payments_statusexception", "DELETE FROM payments_statusevent",
        "DELETE FROM payments_statusfile", "DELETE FROM payments_refusedstatusfile",
        *(f"DELETE FROM {t} WHERE cycle_id IN ({later})" for t in (
            "payments_paymentitem", "payments_obligation", "payments_cycleexclusion",
            "payments_cyclepaymentday")),
        f"DELETE FROM payments_paymentcycle WHERE id IN ({later})",
        "UPDATE payments_paymentitem SET status = 'pending', reason_code = '', "
        "status_changed_at = NULL WHERE status <> 'pending'",
        "UPDATE payments_paymentcycle SET status = 'exported' WHERE status = 'reconciling'",
        "DELETE FROM registry_paymentaccount WHERE created_by <> 'bench'",
        "UPDATE registry_paymentaccount SET valid_to = NULL, closed_reason = '' "
        "WHERE valid_to IS NOT NULL",
        "UPDATE registry_benefit SET status = 'active' WHERE beneficiary_id IN "
        "(SELECT id FROM registry_beneficiary WHERE status = 'deceased')",
        "UPDATE registry_beneficiary SET status = 'active', status_reason = '' "
        "WHERE status = 'deceased'",
    ]:
        db.execute(sql)
    if not db.sqlite:  # as after a fresh compute: no dead rows, pages filled to their fillfactor
        for table in ("payments_paymentitem", "payments_obligation", "payments_statusevent",
                      "registry_paymentaccount", "registry_beneficiary"):
            db.execute(f"VACUUM FULL ANALYZE {table}")
        db.execute("CHECKPOINT")


# --- the run ---------------------------------------------------------------------------------

def setup(env: dict[str, str], url: str, n: int) -> float:
    fresh_database(url)
    # The README's set-up commands, in one process (set-up is not measured).
    commands = [["migrate", "-v0"], ["seed_demo", "--province", PROVINCE, "--beneficiaries", "0"],
                ["payment_settings", "--province", PROVINCE, "--debtor-account", DEBTOR_ACCOUNT,
                 "--debtor-bic", "VBAAVNVX", "--as", "officer"], ["make_demo_keystore"]]
    chitra(env, "shell", "-c", "from django.core.management import call_command\n"
           f"for args in {commands!r}:\n    call_command(*args)")
    return load_people(url, n)


def cycle(env: dict[str, str], action: str, period: date, user: str = "officer",
          *extra: str, profile: Path | None = None) -> Any:
    return chitra(env, "cycle", action, f"{period:%Y-%m}", "--as", user, *extra, profile=profile)


def run(args: argparse.Namespace, env: dict[str, str], work: Path) -> dict[str, Any]:
    url, n = args.database_url, args.beneficiaries
    validate = n <= XSD_UP_TO
    load_s = setup(env, url, n)
    print(f"set-up: {n:,} beneficiaries loaded in {load_s} s", flush=True)
    db = Db(url)
    r: dict[str, Any] = {"benchmark": "payment_cycle", "method": 2, "database": db.version(),
                         "beneficiaries": n, "registry_load_s": load_s,
                         "cash_lists": not args.skip_cash_lists, "xsd_validated": validate,
                         "steps": {}}
    steps = r["steps"]

    def done(name: str, report: dict[str, Any], checks: Checks) -> None:
        steps[name] = {**report, "checks": checks.report()}
        print(f"{name}: {report} checks {'passed' if checks.passed else 'FAILED'}", flush=True)

    try:
        cycle(env, "open", MONTH_1)
        s = cycle(env, "compute", MONTH_1)
        c1 = cycle_id(db, MONTH_1)
        items = db.one("SELECT COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s", c1)
        done("compute_month_1", s.report(items=items, items_per_s=per_s(items, s)),
             check_compute_1(db, c1, n))
        cycle(env, "approve", MONTH_1, "approver")
        extra = ("--no-cash-lists",) if args.skip_cash_lists else ()
        s = cycle(env, "export", MONTH_1, "officer", *extra, profile=args.profile_export)
        m = re.search(r"exported to (.+)", s.stdout)
        out = Path(m.group(1).strip()) if m else work / "missing"
        tx = db.one("SELECT COALESCE(SUM(tx_count), 0) FROM payments_paymentfile "
                    "WHERE cycle_id = %s", c1)
        done("export", s.report(transactions=tx, cash_lists=not args.skip_cash_lists,
                                files=len(list(out.glob("*.xml"))),
                                tx_per_s=round(tx / s.seconds) if s.seconds else None),
             check_export(db, c1, out, not args.skip_cash_lists, validate))
        report, ck, plan = ingest(env, db, work, validate, args.profile_ingest)
        done("ingest", report, ck)
        cash_1 = db.one("SELECT COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s "
                        "AND channel = 'cash'", c1)
        cycle(env, "open", MONTH_2)
        s = cycle(env, "compute", MONTH_2)
        c2 = cycle_id(db, MONTH_2)
        items = db.one("SELECT COUNT(*) FROM payments_paymentitem WHERE cycle_id = %s", c2)
        done("compute_month_2", s.report(items=items, items_per_s=per_s(items, s)),
             check_compute_2(db, c1, c2, plan, n, cash_1))
    except StepFailed as e:
        print(e, file=sys.stderr, flush=True)
        r["failed_step"] = str(e)[:4000]
    r["passed"] = "failed_step" not in r and all(
        s["checks"]["passed"] for s in steps.values()) and len(steps) == 4
    r["goal"] = GOAL
    r["goal_met"] = goal_met(steps) if r["passed"] else None
    r["machine"] = machine(db)
    r["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    db.close()
    return r


def per_s(count: int, step: Step) -> int:
    return round(count / max(step.seconds, 0.01))


def goal_met(steps: dict[str, Any]) -> dict[str, bool]:
    """Each goal against this run (the goals are set for PostgreSQL at 3.4 M)."""
    export, pain002 = steps["export"], steps["ingest"]["pain002"]
    return {"compute_s": steps["compute_month_1"]["seconds"] <= GOAL["compute_s"],
            "export_incl_cash_lists_s": export["cash_lists"]
            and export["seconds"] <= GOAL["export_incl_cash_lists_s"],
            "export_peak_rss_tree_mb": export["peak_rss_tree_mb"]
            <= GOAL["export_peak_rss_tree_mb"],
            "ingest_pain002_tx_per_s": pain002["tx_per_s"] >= GOAL["ingest_pain002_tx_per_s"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--database-url",
                    default="postgresql://postgres@127.0.0.1:5432/chitra_bench_pay")
    ap.add_argument("--beneficiaries", type=int, default=3_400_000)
    ap.add_argument("--skip-cash-lists", action="store_true",
                    help="export with --no-cash-lists (reported as such)")
    ap.add_argument("--results", type=Path, default=None,
                    help="results file (default benchmarks/results/payment_cycle-<db>-<N>.json)")
    ap.add_argument("--keep-db", action="store_true",
                    help="keep the database (and the work folder) for --ingest-only")
    ap.add_argument("--ingest-only", action="store_true",
                    help="on the database of an earlier --keep-db run: undo its status ingest "
                         "and month 2, time the ingest again (no results file)")
    ap.add_argument("--profile-export", type=Path, default=None,
                    help="write a cProfile of the export step here")
    ap.add_argument("--profile-ingest", type=Path, default=None,
                    help="write a cProfile of the pain.002 ingest step here")
    args = ap.parse_args()
    url = args.database_url
    work = Path(tempfile.mkdtemp(prefix="chitra-bench-pay-"))
    env = {**os.environ, "DATABASE_URL": url, "CHITRA_VAR_DIR": str(work / "var")}
    if args.ingest_only:
        db = Db(url)
        reset_ingest(db, url)
        report, ck, _ = ingest(env, db, work, args.beneficiaries <= XSD_UP_TO,
                               args.profile_ingest)
        print(json.dumps(plain(report), indent=2, ensure_ascii=False))
        print(f"checks {'passed' if ck.passed else 'FAILED'}: {len(ck.results)}")
        db.close()
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(0 if ck.passed else 1)
    try:
        r = run(args, env, work)
    finally:
        if not args.keep_db:
            drop_database(url)
            shutil.rmtree(work, ignore_errors=True)
    db_kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    dest = args.results or (ROOT / "benchmarks" / "results"
                            / f"payment_cycle-{db_kind}-{args.beneficiaries}.json")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(plain(r), indent=2, ensure_ascii=False) + "\n")
    print(f"results: {dest} — checks {'passed' if r['passed'] else 'FAILED'}")
    if args.keep_db:
        print(f"kept: {url}, files in {work}")
    sys.exit(0 if r["passed"] else 1)


if __name__ == "__main__":
    main()
