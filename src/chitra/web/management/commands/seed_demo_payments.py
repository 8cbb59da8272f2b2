from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chitra.core.errors import DomainError
from chitra.web.demo_payments import seed_paid_months


class Command(BaseCommand):
    help = ("Dữ liệu mẫu: các tháng đã chi trả và đóng kỳ / demo: paid and closed months "
            "(after seed_demo, payment_settings and make_demo_keystore)")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default="12")
        parser.add_argument("--months", type=int, default=2)

    def handle(self, *args: Any, **o: Any) -> None:
        if not 1 <= o["months"] <= 24:
            raise CommandError("--months phải từ 1 đến 24 / must be 1..24")
        try:
            done = seed_paid_months(o["province"], timezone.localdate(), o["months"])
        except DomainError as e:
            raise CommandError(str(e)) from e
        for cycle in done:
            self.stdout.write(f"Đã chi trả và đóng kỳ / paid and closed {cycle}")
        if not done:
            self.stdout.write("Các tháng mẫu đã có / demo months already present.")
