"""A province's payment settings: the office's paying account and its bank, the reissue
rule after a bad-account rejection, the open-item alert delay (``chitra payment_settings``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chitra.access.models import User
from chitra.core import audit
from chitra.core.admin_units import current_provinces
from chitra.payments.errors import PaymentError
from chitra.payments.iso20022.pain001 import BIC_RE
from chitra.payments.models import ProvincePaymentRule
from chitra.payments.permissions import CycleAction, require


@transaction.atomic
def set_payment_settings(province_code: str, actor: User, *, debtor_name: str | None = None,
                         debtor_account: str | None = None, debtor_bic: str | None = None,
                         reissue_as_cash: bool | None = None,
                         open_item_alert_days: int | None = None) -> ProvincePaymentRule:
    """Change what is given (None: unchanged) for the province, whose BHXH staff ``actor``
    must be; every value checked before any is written; audited ``payment_settings.update``
    with the settings before and after."""
    if province_code not in current_provinces():
        raise PaymentError("bad_province", f"Không có tỉnh mã {province_code}.",
                           f"No province with code {province_code}.")
    require(actor, CycleAction.SETTINGS, province_code)
    if debtor_account is not None and not (debtor_account.isascii() and debtor_account.isdigit()
                                           and 6 <= len(debtor_account) <= 34):
        raise PaymentError("bad_account", "Số tài khoản chi phải gồm 6–34 chữ số.",
                           "The paying account must be 6–34 digits.")
    if debtor_bic is not None and not BIC_RE.fullmatch(debtor_bic):
        raise PaymentError("bad_bic", f"Mã BIC không hợp lệ: {debtor_bic!r} (8 hoặc 11 ký tự).",
                           f"Invalid BIC {debtor_bic!r} (8 or 11 characters).")
    rule, _ = (ProvincePaymentRule.objects.select_for_update()
               .get_or_create(province_code=province_code))
    before = _settings(rule)
    if debtor_name:
        rule.debtor_name = debtor_name
    if debtor_account is not None:
        rule.debtor_account = debtor_account
    if debtor_bic is not None:
        rule.debtor_agent_bic = debtor_bic
    if reissue_as_cash is not None:
        rule.reissue_bad_account_as_cash = reissue_as_cash
    if open_item_alert_days is not None:
        rule.open_item_alert_days = max(1, open_item_alert_days)
    rule.save()
    audit.record(actor.username, "payment_settings.update", "province", province_code,
                 before=before, after=_settings(rule))
    return rule


def _settings(rule: ProvincePaymentRule) -> dict[str, Any]:
    return {"debtor_name": rule.debtor_name, "debtor_account": rule.debtor_account,
            "debtor_bic": rule.debtor_agent_bic,
            "reissue_as_cash": rule.reissue_bad_account_as_cash,
            "open_item_alert_days": rule.open_item_alert_days}
