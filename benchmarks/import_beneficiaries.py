"""Benchmark: import a 1,000,000-row beneficiary CSV into a fresh database.

    python benchmarks/import_beneficiaries.py                      # PostgreSQL chitra_bench
    python benchmarks/import_beneficiaries.py --database-url sqlite:///$PWD/var/bench.sqlite3
    python benchmarks/import_beneficiaries.py --rows 100000

Generates valid Lai Châu rows (streamed to a temp CSV), drops/creates and migrates the
database (``chitra migrate`` in a subprocess), then runs ``chitra import_beneficiaries`` in a
subprocess and measures its wall time and peak RSS (``os.wait4`` rusage of that process),
then imports the same file again (idempotent: everything unchanged). Goal: ≥ 50,000 rows/s
with peak memory < 500 MB. Results: ``benchmarks/results/import_beneficiaries-<db>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from chitra.core.admin_units import current_wards  # noqa: E402
from chitra.core.identifiers import Sex, century_sex_digit  # noqa: E402
from chitra.core.text import fold_key  # noqa: E402

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò", "Lường",
            "Tòng", "Giàng", "Vàng", "Sùng", "Tẩn", "Lý", "Hà", "Điêu", "Quàng"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Xuân", "A", "Seo"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Mỹ", "Thanh", "Thị Thu"]
GIVEN_M = ["Pọm", "Hùng", "Dũng", "Tuấn", "Sơn", "Chiến", "Thắng", "Cường", "Lử", "Chứ", "Páo"]
GIVEN_F = ["Ín", "Hoa", "Lan", "Thuỷ", "Hằng", "Mai", "Hương", "Dung", "Chi", "Súa", "Mỷ"]
TYPES = ["Lương hưu"] * 6 + ["Trợ cấp BHXH hàng tháng"] * 2 + [
    "Trợ cấp thất nghiệp", "BHXH một lần", "Thai sản", "Ốm đau"]
BANKS = [("Agribank", 13), ("BIDV", 12), ("Vietcombank", 13), ("VietinBank", 12)]
WALLETS = [("ViettelMoney", 10), ("VNPTMoney", 10)]
HEADER = ["Số định danh cá nhân", "Mã số BHXH", "Họ và tên", "Ngày sinh", "Giới tính",
          "Mã phường/xã", "Địa chỉ", "Số điện thoại", "Loại chế độ", "Số tiền hưởng",
          "Ngày bắt đầu hưởng", "Ngày kết thúc hưởng", "Hình thức nhận",
          "Ngân hàng/Ví điện tử", "Số tài khoản", "Chủ tài khoản"]


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    rnd = random.Random(seed)
    wards = sorted(c for c, w in current_wards().items() if w.province_code == "12")
    day0 = date(1935, 1, 1).toordinal()
    span = date(2004, 12, 31).toordinal() - day0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(rows):
            sex = Sex.MALE if rnd.random() < 0.5 else Sex.FEMALE
            dob = date.fromordinal(day0 + rnd.randrange(span))
            # 6 random digits in the ID: the row number, in the registration province block
            block, seq = divmod(i, 1_000_000)
            prov = ("012", "001", "002", "004", "006", "008", "010", "011")[block % 8]
            cid = f"{prov}{century_sex_digit(dob, sex)}{dob.year % 100:02d}{seq:06d}"
            if sex == Sex.MALE:
                name = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE_M)} {rnd.choice(GIVEN_M)}"
            else:
                name = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE_F)} {rnd.choice(GIVEN_F)}"
            btype = rnd.choice(TYPES)
            start = max(dob + timedelta(days=365 * 18), date(2000, 1, 1))
            start = min(start + timedelta(days=rnd.randrange(3000)), date(2025, 12, 1))
            end = "" if btype in ("Lương hưu", "Trợ cấp BHXH hàng tháng") else (
                (start + timedelta(days=180)).strftime("%d/%m/%Y"))
            amount = rnd.randrange(1_500, 15_000) * 1000
            r = rnd.random()
            if r < 0.3:
                channel, provider, account, holder = "Tiền mặt", "", "", ""
            elif r < 0.9:
                provider, length = rnd.choice(BANKS)
                channel = "Tài khoản ngân hàng"
                account = str(rnd.randrange(10 ** (length - 1), 10 ** length))
                holder = fold_key(name).upper()
            else:
                provider, length = rnd.choice(WALLETS)
                channel = "Ví điện tử"
                account = "09" + str(rnd.randrange(10 ** 7, 10 ** 8))
                holder = name
            w.writerow([
                cid, f"12{rnd.randrange(10**8):08d}" if rnd.random() < 0.5 else "", name,
                dob.strftime("%d/%m/%Y"), "Nam" if sex == Sex.MALE else "Nữ",
                rnd.choice(wards), f"Tổ {rnd.randrange(1, 30)}, bản Nà {rnd.randrange(1, 9)}",
                f"09{rnd.randrange(10**8):08d}" if rnd.random() < 0.6 else "",
                btype, f"{amount:,}".replace(",", "."), start.strftime("%d/%m/%Y"), end,
                channel, provider, account, holder])


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        db = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        db.parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def chitra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "chitra.cli", *args], env=env, check=True,
                          capture_output=True, text=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/chitra_bench")
    ap.add_argument("--csv", type=Path, default=None, help="reuse this CSV instead of generating")
    args = ap.parse_args()

    vendor = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    env = {**os.environ, "DATABASE_URL": args.database_url,
           "DJANGO_SUPERUSER_PASSWORD": "bench-only-password-1"}
    tmp = tempfile.TemporaryDirectory(prefix="chitra-bench-")
    csv_path = args.csv or Path(tmp.name) / f"beneficiaries-{args.rows}.csv"
    if args.csv is None:
        t = time.perf_counter()
        generate(csv_path, args.rows)
        print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t:.1f} s")
    fresh_database(args.database_url)
    chitra(env, "migrate", "-v0")
    chitra(env, "createsuperuser", "--noinput", "--username", "bench", "--email", "b@x.vn")

    first = _run_with_rusage(env, csv_path)
    print(f"{vendor}: first import  {first['seconds']} s, "
          f"{args.rows / first['seconds']:,.0f} rows/s, peak {first['peak_rss_mb']} MB "
          f"(with worker: {first['peak_rss_tree_mb']} MB)")
    second = _run_with_rusage(env, csv_path)
    print(f"{vendor}: re-import     {second['seconds']} s, "
          f"{args.rows / second['seconds']:,.0f} rows/s, peak {second['peak_rss_mb']} MB "
          f"(with worker: {second['peak_rss_tree_mb']} MB)")

    result = {
        "benchmark": "import_beneficiaries", "database": vendor, "rows": args.rows,
        "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
        "first_import": {**first, "rows_per_s": round(args.rows / first["seconds"])},
        "re_import": {**second, "rows_per_s": round(args.rows / second["seconds"])},
        "goal": {"rows_per_s": 50_000, "peak_rss_mb": 500},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    out = ROOT / "benchmarks" / "results" / f"import_beneficiaries-{vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"results: {out}")
    tmp.cleanup()


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants now (Linux /proc), in kB."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        m = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        total += int(m.group(1)) if m else 0
        todo.extend(int(c) for c in children)
    return total


def _run_with_rusage(env: dict[str, str], csv_path: Path) -> dict[str, object]:
    """Wall time; ``peak_rss_mb``: the largest single process (wait4 rusage, which covers
    the import's validation worker too); ``peak_rss_tree_mb``: the largest sum over the
    command and its worker process, sampled every 50 ms."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "chitra.cli", "import_beneficiaries", str(csv_path),
             "--as", "bench"], env=env, stdout=out, stderr=err, text=True)
        tree_peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal tree_peak
            while not stop.wait(0.05):
                tree_peak = max(tree_peak, _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        stop.set()
        sampler.join()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}):\n{stdout}\n{stderr}")
    counts = {k: int(v.replace(",", "")) for k, v in re.findall(
        r"(created|updated|unchanged|invalid): ([\d,]+)", stdout)}
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "peak_rss_tree_mb": round(tree_peak / 1024, 1),
            "stdout": stdout.strip().splitlines(), **counts}


if __name__ == "__main__":
    main()
