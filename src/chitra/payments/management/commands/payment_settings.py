from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core import audit
from chitra.core.admin_units import current_provinces
from chitra.payments.models import ProvincePaymentRule


class Command(BaseCommand):
    help = ("Cài đặt chi trả của tỉnh / province payment settings: tài khoản chi, "
            "quy tắc chi lại bằng tiền mặt")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", required=True)
        parser.add_argument("--debtor-name")
        parser.add_argument("--debtor-account")
        parser.add_argument("--debtor-bic")
        parser.add_argument("--reissue-as-cash", choices=["yes", "no"])
        parser.add_argument("--open-item-alert-days", type=int)

    def handle(self, *args: Any, **o: Any) -> None:
        if o["province"] not in current_provinces():
            raise CommandError(f"Không có tỉnh mã {o['province']} / unknown province")
        account = o["debtor_account"]
        if account is not None and not (account.isascii() and account.isdigit()
                                        and 6 <= len(account) <= 34):
            raise CommandError("Số tài khoản chi phải gồm 6–34 chữ số / account: 6–34 digits")
        rule, _ = ProvincePaymentRule.objects.get_or_create(province_code=o["province"])
        before = {"debtor_account": rule.debtor_account,
                  "reissue_as_cash": rule.reissue_bad_account_as_cash}
        if o["debtor_name"]:
            rule.debtor_name = o["debtor_name"]
        if account is not None:
            rule.debtor_account = account
        if o["debtor_bic"] is not None:
            rule.debtor_agent_bic = o["debtor_bic"]
        if o["reissue_as_cash"]:
            rule.reissue_bad_account_as_cash = o["reissue_as_cash"] == "yes"
        if o["open_item_alert_days"] is not None:
            rule.open_item_alert_days = max(1, o["open_item_alert_days"])
        rule.save()
        audit.record("system:payment_settings", "payment_settings.change", "province",
                     rule.province_code, before=before,
                     after={"debtor_account": rule.debtor_account,
                            "reissue_as_cash": rule.reissue_bad_account_as_cash})
        self.stdout.write(f"Tỉnh {rule.province_code}: tài khoản chi {rule.debtor_account or '-'}"
                          f", chi lại bằng tiền mặt khi sai tài khoản: "
                          f"{'có' if rule.reissue_bad_account_as_cash else 'không'}")
