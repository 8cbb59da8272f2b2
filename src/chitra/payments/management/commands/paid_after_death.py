from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.access.scoping import sees_full_citizen_ids
from chitra.core import audit
from chitra.core.cli import acting_user
from chitra.payments import recovery


class Command(BaseCommand):
    help = ("Khoản đã chi sau ngày chết, cần thu hồi, dạng CSV / payments made after the date "
            "of death, to recover, as csv: --as USERNAME (cán bộ BHXH tỉnh / the province's "
            "BHXH staff) [--province MÃ (quản trị / superuser)] [--output TỆP / FILE]")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")
        parser.add_argument("--province", help="mã tỉnh / province code (superuser)")
        parser.add_argument("--output", type=Path,
                            help="tệp CSV (mặc định: màn hình) / csv file (default: stdout)")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        if o["province"] and not user.is_superuser:
            raise CommandError("--province chỉ dành cho quản trị; cán bộ xem tỉnh của mình / "
                               "--province is for a superuser; staff see their own province.")
        province = recovery.province_of(user, o["province"])
        if province is None:
            raise CommandError("Người dùng này không xem được danh sách của tỉnh nào (cần "
                               "--province với quản trị) / this user sees no province's list "
                               "(a superuser gives --province).")
        full_ids = sees_full_citizen_ids(user)
        output: Path | None = o["output"]
        try:
            out = output.open("w", encoding="utf-8", newline="") if output else None
        except OSError as error:
            raise CommandError(f"Không ghi được / cannot write {output}: {error}") from None
        # Taken once the file can be written: who took the personal IDs, and where.
        audit.record_download(user.username, "paid_after_death", province,
                              str(output) if output else "stdout", full_ids=full_ids)
        lines = recovery.csv_lines(province, full_ids=full_ids)
        if out is None:
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with out:
            for line in lines:
                out.write(line)
        self.stderr.write(f"Đã ghi / written: {output}")
