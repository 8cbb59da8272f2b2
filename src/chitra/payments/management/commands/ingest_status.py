from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.payments import services


class Command(BaseCommand):
    help = ("Nhận tệp trạng thái / ingest status files: pain.002, camt.054, "
            "kết quả chi tiền mặt (xlsx/csv)")
    # A batch step, as `chitra cycle`: the system checks cost a third of a second per run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        refused = 0
        paths: list[Path] = o["files"]
        for path in paths:  # before any is applied
            if not path.is_file():
                raise CommandError(f"Không có tệp / no such file: {path}")
        results = services.ingest_status_files(paths, user)
        for path in paths:
            try:
                r = next(results)
            except DomainError as e:
                raise CommandError(f"{path.name}: {e.message_vi} / {e.message_en}") from e
            if r.duplicate:
                self.stdout.write(f"{path.name}: đã nhận trước đây, bỏ qua / already applied")
            elif r.problems:
                refused += 1
                self.stderr.write(f"{path.name}: TỪ CHỐI, không áp dụng gì / REFUSED, nothing "
                                  f"applied ({len(r.problems)} lỗi / problems):")
                for p in r.problems[:50]:
                    self.stderr.write(f"  dòng/line {p.row or '-'} {p.column} {p.value!r}: "
                                      f"{p.message}")
            else:
                self.stdout.write(f"{path.name} ({r.source}): {r.lines} dòng / lines, "
                                  f"{r.applied} cập nhật / applied, {r.unchanged} không đổi / "
                                  f"unchanged, {r.exceptions} chờ xử lý / held, "
                                  f"{r.set_aside} để riêng / set aside")
                for p in r.set_aside_lines[:50]:
                    self.stdout.write(f"  để riêng / set aside: dòng/line {p.row or '-'} "
                                      f"{p.column} {p.value!r}: {p.message}")
                for cid, amount in r.to_recover:
                    self.stdout.write(f"  cần thu hồi / to recover: {cid} {amount:,} đ")
        if refused:
            raise CommandError(f"{refused} tệp bị từ chối / file(s) refused")
