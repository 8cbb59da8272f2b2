from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.payments import services
from chitra.payments.permissions import CycleAction, require
from chitra.registry.importing.run import DEFAULT_PROVINCE


class Command(BaseCommand):
    help = ("Kỳ chi trả / payment cycle: open | compute | approve | export | cashlists | close "
            "| release (gỡ bước nền bị treo / release a stuck background step) YYYY-MM "
            "[--province CODE] --as USERNAME [--out DIR]")
    # A batch step, not a deployment: the system checks (URL conf, every view imported) cost
    # a third of a second of each run; `chitra check` and the web server still run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["open", "compute", "approve", "export",
                                               "cashlists", "close", "release"])
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("--province", default=None, help="mã tỉnh / province code")
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")
        parser.add_argument("--out", type=Path, default=None, help="thư mục xuất / output dir")
        parser.add_argument("--no-cash-lists", action="store_true",
                            help="export: bỏ danh sách tiền mặt / skip the cash lists")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        province = o["province"] or (user.organization.province_code if user.organization
                                     else DEFAULT_PROVINCE)
        try:
            period = services.parse_period(o["period"])
            action = {"cashlists": CycleAction.EXPORT, "release": CycleAction.COMPUTE}.get(
                o["action"]) or CycleAction(o["action"])
            require(user, action, province)
            if action == CycleAction.OPEN:
                cycle = services.open_cycle(province, period, user.username)
                self.stdout.write(f"Đã mở kỳ / opened {cycle}; chuyển khoản ngày / transfers on "
                                  f"{cycle.transfer_date:%d/%m/%Y}")
                return
            cycle = services.get_cycle(province, period)
            if o["action"] == "release":
                step = services.release_stuck_step(cycle.pk, user.username)
                self.stdout.write(f"Đã gỡ bước / released step '{step}' of {cycle}")
                return
            if action == CycleAction.COMPUTE:
                cycle = services.compute_cycle(cycle.pk, user.username, progress=self._progress)
                items, excluded = services.computed_counts(cycle)
                self.stdout.write(f"\nĐã tính / computed {cycle}: {items} khoản chi, "
                                  f"{excluded} loại trừ / excluded")
            elif action == CycleAction.APPROVE:
                cycle = services.approve_cycle(cycle.pk, user.username)
                self.stdout.write(f"Đã duyệt / approved {cycle} (người tính / computed by "
                                  f"{cycle.computed_by})")
            elif o["action"] == "cashlists":
                for p in services.write_cash_lists(cycle.pk, user.username, o["out"]):
                    self.stdout.write(f"  {p}")
            elif action == CycleAction.EXPORT:
                result = services.export_cycle(cycle.pk, user.username, o["out"],
                                               progress=self._progress,
                                               cash_lists=not o["no_cash_lists"])
                self.stdout.write(f"\nĐã xuất / exported to {result.out_dir}")
                for vi, en in result.warnings:
                    self.stdout.write(f"  Lưu ý / warning: {vi} / {en}")
                for p in [*result.files, *result.cash_lists]:
                    self.stdout.write(f"  {p.name}")
                self.stdout.write(f"  {result.manifest.name if result.manifest else ''}")
            elif action == CycleAction.CLOSE:
                cycle = services.close_cycle(cycle.pk, user.username)
                self.stdout.write(f"Đã đóng / closed {cycle}")
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e

    def _progress(self, step: str, done: int, total: int) -> None:
        self.stdout.write(f"\r  {step}: {done}/{total}", ending="")
        self.stdout.flush()
