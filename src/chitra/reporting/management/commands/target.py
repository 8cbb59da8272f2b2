from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.admin_units import ward_name
from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.registry.models import BenefitGroup
from chitra.reporting import shares, targets


def _bp(text: str) -> int:
    """"90" or "90,5" or "90.5" (percent) → basis points."""
    bp = targets.parse_percent(text)
    if bp is None:
        raise CommandError(f"Tỷ lệ không hợp lệ / invalid percent: {text!r}")
    return bp


class Command(BaseCommand):
    help = ("Chỉ tiêu không dùng tiền mặt / cashless targets: set --year YYYY --province CODE "
            "[--ward CODE] --group monthly|one_time --people PCT [--amount PCT] [--reason TEXT] "
            "--as USERNAME | list --year YYYY --province CODE --as USERNAME")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["set", "list"])
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--province", required=True, help="mã tỉnh / province code")
        parser.add_argument("--ward", default="", help="mã phường/xã / ward code")
        parser.add_argument("--group", choices=BenefitGroup.values)
        parser.add_argument("--people", help="% theo số người / by headcount")
        parser.add_argument("--amount", help="% theo số tiền / by amount (default = --people)")
        parser.add_argument("--reason", default="")
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        if o["action"] == "list":
            self._list(user, o["province"], o["year"])
            return
        if not o["group"] or not o["people"]:
            raise CommandError("Cần --group và --people / --group and --people are required.")
        people = _bp(o["people"])
        change = targets.TargetChange(
            year=o["year"], province_code=o["province"], ward_code=o["ward"],
            benefit_group=o["group"], people_bp=people,
            amount_bp=_bp(o["amount"]) if o["amount"] else people, reason=o["reason"])
        try:
            t = targets.set_target(user, change)
        except DomainError as e:
            raise CommandError(str(e)) from e
        where = ward_name(t.ward_code) if t.ward_code else f"tỉnh / province {t.province_code}"
        self.stdout.write(f"Đã đặt chỉ tiêu / target set: {where} {t.year} {t.benefit_group}: "
                          f"{shares.percent_text(t.people_bp)} người / people, "
                          f"{shares.percent_text(t.amount_bp)} số tiền / amount")

    def _list(self, user: Any, province: str, year: int) -> None:
        if not targets.may_read(user, province):
            raise CommandError("not_in_scope: Không tìm thấy hoặc không có quyền xem. / "
                               "Not found or not permitted.")
        for t in targets.history(province, year):
            state = "thay thế / replaced" if t.replaced_at else "hiệu lực / in force"
            self.stdout.write(f"{t.ward_code or '-':6} {t.benefit_group:9} "
                              f"{shares.percent_text(t.people_bp):>8} "
                              f"{shares.percent_text(t.amount_bp):>8} {state:22} "
                              f"{t.set_by} {t.set_at:%d/%m/%Y} {t.reason}")
