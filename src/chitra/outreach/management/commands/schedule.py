"""``chitra schedule add|remove --point CODE --day dd/mm/yyyy [--from HH:MM --to HH:MM]
--as USER``: when a post-office payment point opens (the same services as on screen)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.dates import parse_date_vn
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.models import PaymentSchedule
from chitra.registry.models import PaymentPoint


def _time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Giờ phải dạng HH:MM / times are HH:MM: {text!r}") from None


class Command(BaseCommand):
    help = ("Lịch chi trả / payment schedule: add --point CODE --day dd/mm/yyyy --from --to | "
            "remove --point CODE --day dd/mm/yyyy")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add", "remove"])
        parser.add_argument("--point", required=True, help="mã điểm chi trả / point code")
        parser.add_argument("--day", required=True)
        parser.add_argument("--from", dest="opens_at", default="07:30")
        parser.add_argument("--to", dest="closes_at", default="16:30")
        parser.add_argument("--as", dest="username")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        day = parse_date_vn(o["day"])
        if day is None:
            raise CommandError(f"Ngày phải dạng dd/mm/yyyy / dates are dd/mm/yyyy: {o['day']!r}")
        point = PaymentPoint.objects.filter(code=o["point"]).first()
        if point is None:
            raise CommandError(f"Không có điểm chi trả {o['point']!r} / no such payment point.")
        try:
            if o["action"] == "remove":
                row = PaymentSchedule.objects.filter(payment_point=point, day=day).first()
                if row is None:
                    raise CommandError("Điểm này không có lịch ngày đó / no such payment day.")
                services.remove_payment_day(user, row.pk)
                self.stdout.write(f"{point.name}: {day:%d/%m/%Y} ✕")
                return
            row = services.schedule_payment_day(user, point_id=point.pk, day=day,
                                                opens_at=_time(o["opens_at"]),
                                                closes_at=_time(o["closes_at"]))
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e
        self.stdout.write(f"{point.name}: {row.day:%d/%m/%Y} {row.opens_at:%H:%M}–"
                          f"{row.closes_at:%H:%M}")
