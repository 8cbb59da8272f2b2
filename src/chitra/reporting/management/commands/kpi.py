from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.payments.services import parse_period
from chitra.registry.importing.run import DEFAULT_PROVINCE
from chitra.reporting import kpi


class Command(BaseCommand):
    help = ("Số liệu tổng hợp / KPI figures: refresh [YYYY-MM] [--province CODE] --as USERNAME "
            "(đếm lại từ các khoản chi / counted again from the payment items)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["refresh"])
        parser.add_argument("period", nargs="?", default=None,
                            help="YYYY-MM (mặc định mọi kỳ đã gửi / default every sent cycle)")
        parser.add_argument("--province", default=None, help="mã tỉnh / province code")
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        province = o["province"] or (user.organization.province_code if user.organization
                                     else DEFAULT_PROVINCE)
        try:
            period = parse_period(o["period"]) if o["period"] else None
            done = kpi.refresh(user, province, period)
        except DomainError as e:
            raise CommandError(str(e)) from e
        for r in done:
            self.stdout.write(f"{r.period:%m/%Y} tỉnh / province {r.province_code}: "
                              f"{r.items:,} khoản đã chi / paid items, {r.rows:,} dòng / rows"
                              .replace(",", "."))
        if not done:
            self.stdout.write("Không có kỳ nào đã gửi / no sent cycle.")
