"""``chitra import_beneficiaries FILE [--dry-run] [--accept-valid]`` (docs/import-format.md)."""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.registry.importing.reading import FileRefused
from chitra.registry.importing.run import province_for, run_import
from chitra.registry.models import ImportStatus

EXIT_REJECTED = 1  # the file has invalid rows: nothing was changed
EXIT_REFUSED = 2  # the file as a whole cannot be imported (encoding, header, not a workbook)


class Command(BaseCommand):
    help = ("Nhập danh sách người hưởng từ tệp CSV/XLSX (tất cả hoặc không gì). "
            "Import beneficiaries from a CSV/XLSX file (all or nothing).")
    requires_system_checks: list[str] = []  # a batch step: `chitra check` is for deploys

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true",
                            help="validate and count only; change nothing")
        parser.add_argument("--accept-valid", action="store_true",
                            help="apply the valid rows; keep the rejects in the error report")
        parser.add_argument("--as", dest="username", default=None,
                            help="acting user (default: the first superuser)")
        parser.add_argument("--province", default=None,
                            help="province code (superusers only; default 12)")
        parser.add_argument("--report", type=Path, default=None,
                            help="where to write the error report (xlsx)")

    def handle(self, *args: Any, **opts: Any) -> None:
        actor = self._actor(opts["username"])
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(f"Không thấy tệp / no such file: {path}", returncode=EXIT_REFUSED)
        try:
            province = province_for(actor, opts["province"])
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}",
                               returncode=EXIT_REFUSED) from e
        started = time.monotonic()
        interactive = sys.stderr.isatty()

        def progress(done: int, total: int) -> None:
            if interactive or opts["verbosity"] > 1:
                self.stderr.write(f"\r  {done:,}/{total:,} dòng / rows", ending="")

        try:
            outcome = run_import(path, province_code=province, actor=actor.username,
                                 dry_run=opts["dry_run"], accept_valid=opts["accept_valid"],
                                 report_path=opts["report"], progress=progress)
        except FileRefused as e:
            raise CommandError(f"Tệp bị từ chối / file refused [{e.code}]: "
                               f"{e.message_vi}\n{e.message_en}", returncode=EXIT_REFUSED) from e
        if interactive or opts["verbosity"] > 1:
            self.stderr.write("")
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Tệp / file: {path}  tỉnh / province: {province}  ({seconds:.1f} s)\n"
            f"  dòng / rows: {outcome.rows_total:,}  hợp lệ / valid: {outcome.rows_valid:,}"
            f"  lỗi / invalid: {outcome.rows_invalid:,}\n"
            f"  thêm mới / created: {outcome.created:,}  cập nhật / updated: "
            f"{outcome.updated:,}  không đổi / unchanged: {outcome.unchanged:,}")
        if outcome.accounts_pending:
            self.stdout.write(
                f"  đổi tài khoản chờ duyệt / account changes pending approval: "
                f"{outcome.accounts_pending:,} (chitra account_changes list --as …)")
        if outcome.error_report:
            self.stdout.write(f"  báo cáo lỗi / error report: {outcome.error_report}")
            for p in outcome.first_problems[:20]:
                self.stdout.write(f"    dòng {p.row}, {p.column} = {p.value!r}: "
                                  f"{p.message_vi} / {p.message_en}")
            if outcome.problems_count > 20:
                self.stdout.write(f"    … {outcome.problems_count - 20:,} lỗi khác / more")
        if outcome.status == ImportStatus.REJECTED:
            raise CommandError(
                f"Có {outcome.problems_count:,} lỗi: không có gì được thay đổi. "
                f"/ {outcome.problems_count:,} problems: nothing was changed.",
                returncode=EXIT_REJECTED)
        if outcome.status == ImportStatus.CHECKED:
            self.stdout.write(self.style.SUCCESS(
                "Chạy thử: không có gì được thay đổi. / Dry run: nothing was changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Đã nhập. / Imported."))

    def _actor(self, username: str | None) -> User:
        if username:
            try:
                return User.objects.select_related("organization").get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"Không có người dùng / no such user: {username}",
                                   returncode=EXIT_REFUSED) from None
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
        if user is None:
            raise CommandError("Chưa có quản trị viên; dùng --as TÊN / no superuser exists; "
                               "pass --as USERNAME (e.g. chitra createsuperuser first).",
                               returncode=EXIT_REFUSED)
        return user
