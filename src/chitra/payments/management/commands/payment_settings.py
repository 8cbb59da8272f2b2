from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.payments import services


class Command(BaseCommand):
    help = ("Cài đặt chi trả của tỉnh / province payment settings: tài khoản chi, "
            "quy tắc chi lại bằng tiền mặt. --as USERNAME: cán bộ BHXH của tỉnh / "
            "the province's BHXH staff")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", required=True)
        parser.add_argument("--debtor-name")
        parser.add_argument("--debtor-account")
        parser.add_argument("--debtor-bic")
        parser.add_argument("--reissue-as-cash", choices=["yes", "no"])
        parser.add_argument("--open-item-alert-days", type=int)
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        try:
            rule = services.set_payment_settings(
                o["province"], user, debtor_name=o["debtor_name"],
                debtor_account=o["debtor_account"], debtor_bic=o["debtor_bic"],
                reissue_as_cash=(o["reissue_as_cash"] == "yes" if o["reissue_as_cash"]
                                 else None),
                open_item_alert_days=o["open_item_alert_days"])
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e
        self.stdout.write(f"Tỉnh {rule.province_code}: tài khoản chi {rule.debtor_account or '-'}"
                          f", chi lại bằng tiền mặt khi sai tài khoản: "
                          f"{'có' if rule.reissue_bad_account_as_cash else 'không'}")
