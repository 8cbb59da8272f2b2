from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core import atomicfile
from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.reporting import reports


class Command(BaseCommand):
    help = ("Báo cáo / official report: KIND (ward-monthly | province-monthly | annual-sbv | "
            "decision-241 | campaign-summary) --area CODE --period YYYY-MM|YYYY "
            "--format xlsx|pdf|docx --out FILE --as USERNAME "
            "(campaign-summary: tháng kết thúc chiến dịch / the month the campaign ends)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.value for k in reports.ReportKind])
        parser.add_argument("--area", required=True,
                            help="mã tỉnh (12) hoặc phường/xã (00004) / province or ward code")
        parser.add_argument("--period", required=True, help="YYYY-MM | YYYY")
        parser.add_argument("--format", dest="fmt", required=True,
                            choices=["xlsx", "pdf", "docx"])
        parser.add_argument("--out", type=Path, required=True, help="tệp / output file")
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        out: Path = o["out"]
        if not out.parent.is_dir():
            raise CommandError(f"Không có thư mục / no such folder: {out.parent}")
        try:
            area = reports.area_of_code(user, o["area"])
            # Written beside and renamed into place: a failed report leaves no half file.
            with atomicfile.replacing(out) as tmp, tmp.open("wb") as fh:
                reports.make(user, o["kind"], area, o["period"], o["fmt"], fh)
        except DomainError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(f"Đã lập / written: {out}")
