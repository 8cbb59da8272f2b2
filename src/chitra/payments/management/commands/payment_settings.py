from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chitra.core.cli import acting_user
from chitra.core.errors import DomainError
from chitra.core.models import ProviderCharset
from chitra.payments import services


class Command(BaseCommand):
    help = ("Cài đặt chi trả / payment settings. Của tỉnh / of a province (--province): tài "
            "khoản chi, tài khoản tại từng đơn vị chi trả (--provider … --office-account … | "
            "--remove-office-account), quy tắc chi lại bằng tiền mặt; cán bộ BHXH của tỉnh / "
            "the province's BHXH staff. Của đơn vị chi trả / of a provider (--provider … "
            "--charset … --partner-bank …): quản trị toàn quốc / national administrator. "
            "--as USERNAME")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province")
        parser.add_argument("--debtor-name")
        parser.add_argument("--debtor-account")
        parser.add_argument("--debtor-bic")
        parser.add_argument("--reissue-as-cash", choices=["yes", "no"])
        parser.add_argument("--open-item-alert-days", type=int)
        parser.add_argument("--past-transfer-date", choices=["move", "refuse"],
                            help="ngày chuyển khoản đã qua khi xuất: dời sang ngày làm việc kế "
                                 "tiếp hoặc từ chối / a past transfer date at export: move it "
                                 "to the next banking day or refuse")
        parser.add_argument("--provider", help="đơn vị chi trả (tên ngắn) / provider short name")
        parser.add_argument("--office-account",
                            help="tài khoản của BHXH tỉnh tại --provider / the office's account")
        parser.add_argument("--office-bic", default="",
                            help="mã BIC của tài khoản đó / that account's bank BIC")
        parser.add_argument("--remove-office-account", action="store_true")
        parser.add_argument("--charset", choices=ProviderCharset.values)
        parser.add_argument("--partner-bank",
                            help="ngân hàng đối tác của ví (\"\" để bỏ) / a wallet's partner bank")
        parser.add_argument("--as", dest="username", help="người thực hiện / acting user")

    def handle(self, *args: Any, **o: Any) -> None:
        user = acting_user(o["username"])
        office = o["office_account"] is not None or o["remove_office_account"]
        national = o["charset"] is not None or o["partner_bank"] is not None
        if (office or national) and not o["provider"]:
            raise CommandError("Cần --provider / --provider is required.")
        if not (o["province"] or national):
            raise CommandError("Cần --province / --province is required.")
        try:
            if national:
                provider = services.set_provider_settings(
                    o["provider"], user, charset=o["charset"], partner_bank=o["partner_bank"])
                partner = provider.partner_bank
                self.stdout.write(f"{provider.short_name}: bộ ký tự / charset {provider.charset}"
                                  f", ngân hàng đối tác / partner bank "
                                  f"{partner.short_name if partner else '-'}")
            if o["remove_office_account"]:
                services.remove_office_account(o["province"], user, o["provider"])
                self.stdout.write(f"Tỉnh {o['province']}: đã bỏ tài khoản tại / removed the "
                                  f"account at {o['provider']}")
            elif o["office_account"] is not None:
                account = services.set_office_account(o["province"], user, o["provider"],
                                                       o["office_account"], o["office_bic"])
                self.stdout.write(f"Tỉnh {o['province']}: tài khoản tại / account at "
                                  f"{o['provider']} {account.account_number}")
            if not self._province_settings_given(o):
                return
            rule = services.set_payment_settings(
                o["province"], user, debtor_name=o["debtor_name"],
                debtor_account=o["debtor_account"], debtor_bic=o["debtor_bic"],
                reissue_as_cash=(o["reissue_as_cash"] == "yes" if o["reissue_as_cash"]
                                 else None),
                open_item_alert_days=o["open_item_alert_days"],
                refuse_past_transfer_date=(o["past_transfer_date"] == "refuse"
                                           if o["past_transfer_date"] else None))
        except DomainError as e:
            raise CommandError(f"{e.message_vi} / {e.message_en}") from e
        self.stdout.write(f"Tỉnh {rule.province_code}: tài khoản chi {rule.debtor_account or '-'}"
                          f", chi lại bằng tiền mặt khi sai tài khoản: "
                          f"{'có' if rule.reissue_bad_account_as_cash else 'không'}")

    @staticmethod
    def _province_settings_given(o: dict[str, Any]) -> bool:
        """Whether the province's own settings are to change (or nothing else was asked)."""
        given = [o[k] for k in ("debtor_name", "debtor_account", "debtor_bic",
                                "reissue_as_cash", "open_item_alert_days",
                                "past_transfer_date")]
        asked_other = (o["office_account"] is not None or o["remove_office_account"]
                       or o["charset"] is not None or o["partner_bank"] is not None)
        return any(v is not None for v in given) or (bool(o["province"]) and not asked_other)

