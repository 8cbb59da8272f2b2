from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

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
        province = recovery.province_of(user, o["province"])
        if province is None:
            raise CommandError("Người dùng này không xem được danh sách của tỉnh nào (cần "
                               "--province với quản trị) / this user sees no province's list "
                               "(a superuser gives --province).")
        full_ids = sees_full_citizen_ids(user)
        output: Path | None = o["output"]
        name = str(output) if output else "stdout"
        audit.record_download(user.username, "paid_after_death", province, name,
                              full_ids=full_ids, at=f"{timezone.now():%Y-%m-%dT%H:%M}")
        lines = recovery.csv_lines(province, full_ids=full_ids)
        if output is None:
            for line in lines:
                sys.stdout.write(line)
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            for line in lines:
                out.write(line)
        self.stderr.write(f"Đã ghi / written: {output}")
