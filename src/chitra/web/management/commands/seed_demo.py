from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chitra.outreach.demo import seed_outreach_demo
from chitra.registry.seeding import seed_demo


class Command(BaseCommand):
    help = ("Tạo dữ liệu mẫu / Create demo data (organizations, users, beneficiaries, "
            "campaign, work teams, payment schedule)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default="12",
                            help="mã tỉnh / province code (12 = Lai Châu)")
        parser.add_argument("--beneficiaries", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not 0 <= opts["beneficiaries"] <= 5_000_000:
            raise CommandError("--beneficiaries phải từ 0 đến 5.000.000 / must be 0..5,000,000")
        try:
            logins = seed_demo(opts["province"], opts["beneficiaries"], opts["seed"],
                               timezone.localdate())
            campaign = seed_outreach_demo(opts["province"], timezone.localdate())
        except ValueError as e:
            raise CommandError(str(e)) from e
        if logins.beneficiaries_created:
            self.stdout.write(f"Đã tạo / created {logins.beneficiaries_created} người hưởng.")
        else:
            self.stdout.write("Dữ liệu mẫu đã có sẵn / demo data already present.")
        self.stdout.write(f"Chiến dịch / campaign: {campaign.name}")
        self.stdout.write(f"\nTài khoản mẫu / demo logins (mật khẩu / password: {logins.password})")
        for username, label in logins.users:
            self.stdout.write(f"  {username:<28} {label}")
