"""A province's payment settings: the office's paying account and its bank, its account at
each provider, the reissue rule after a bad-account rejection, the open-item alert delay; and a
provider's payment-file settings (character set, an e-wallet's partner bank), which are
national (``chitra payment_settings``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from chitra.access.models import User
from chitra.core import audit
from chitra.core.accounts import check_account_number
from chitra.core.admin_units import current_provinces
from chitra.core.models import PaymentProvider, ProviderCharset, ProviderKind
from chitra.payments.errors import PaymentError
from chitra.payments.iso20022.pain001 import BIC_RE
from chitra.payments.models import OfficeAccount, ProvincePaymentRule
from chitra.payments.permissions import CycleAction, NotPermitted, require


@transaction.atomic
def set_payment_settings(province_code: str, actor: User, *, debtor_name: str | None = None,
                         debtor_account: str | None = None, debtor_bic: str | None = None,
                         reissue_as_cash: bool | None = None,
                         open_item_alert_days: int | None = None,
                         refuse_past_transfer_date: bool | None = None) -> ProvincePaymentRule:
    """Change what is given (None: unchanged) for the province, whose BHXH staff ``actor``
    must be; every value checked before any is written; audited ``payment_settings.update``
    with the settings before and after."""
    _require_settings(actor, province_code)
    if debtor_account is not None and not (debtor_account.isascii() and debtor_account.isdigit()
                                           and 6 <= len(debtor_account) <= 34):
        raise PaymentError("bad_account", "Số tài khoản chi phải gồm 6–34 chữ số.",
                           "The paying account must be 6–34 digits.")
    if debtor_bic is not None:
        _check_bic(debtor_bic)
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
    if refuse_past_transfer_date is not None:
        rule.refuse_past_transfer_date = refuse_past_transfer_date
    rule.save()
    audit.record(actor.username, "payment_settings.update", "province", province_code,
                 before=before, after=_settings(rule))
    return rule


def _settings(rule: ProvincePaymentRule) -> dict[str, Any]:
    return {"debtor_name": rule.debtor_name, "debtor_account": rule.debtor_account,
            "debtor_bic": rule.debtor_agent_bic,
            "reissue_as_cash": rule.reissue_bad_account_as_cash,
            "open_item_alert_days": rule.open_item_alert_days,
            "refuse_past_transfer_date": rule.refuse_past_transfer_date}


def _require_settings(actor: User, province_code: str) -> None:
    if province_code not in current_provinces():
        raise PaymentError("bad_province", f"Không có tỉnh mã {province_code}.",
                           f"No province with code {province_code}.")
    require(actor, CycleAction.SETTINGS, province_code)


def _check_bic(bic: str) -> None:
    if not BIC_RE.fullmatch(bic):
        raise PaymentError("bad_bic", f"Mã BIC không hợp lệ: {bic!r} (8 hoặc 11 ký tự).",
                           f"Invalid BIC {bic!r} (8 or 11 characters).")


def _provider(short_name: str) -> PaymentProvider:
    try:
        return PaymentProvider.objects.select_related("partner_bank").get(short_name=short_name)
    except PaymentProvider.DoesNotExist:
        raise PaymentError("bad_provider", f"Không có đơn vị chi trả {short_name!r}.",
                           f"No payment provider {short_name!r}.") from None


def _office(account: OfficeAccount | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"provider": account.provider.short_name, "account_number": account.account_number,
            "agent_bic": account.agent_bic}


@transaction.atomic
def set_office_account(province_code: str, actor: User, provider_name: str,
                       account_number: str, agent_bic: str = "") -> OfficeAccount:
    """The province office's account at a provider: its files are paid from it (a transfer
    within the bank). The number is checked as the provider's account numbers are (digits,
    its lengths); the bank must be known by the BIC given, the provider's BIC or its NAPAS
    BIN. ``actor`` must be the province's BHXH staff. Audited ``payment_settings.office_account``
    with the account before and after."""
    _require_settings(actor, province_code)
    provider = _provider(provider_name)
    account_number = account_number.strip()
    for problem in check_account_number(account_number, provider.account_min_length,
                                        provider.account_max_length):
        raise PaymentError("bad_account", problem.message_vi, problem.message_en)
    if agent_bic:
        _check_bic(agent_bic)
    elif not (provider.bic or provider.napas_bin):
        raise PaymentError(
            "bad_bic", f"{provider.short_name} không có mã BIC hay BIN NAPAS: hãy nhập mã BIC.",
            f"{provider.short_name} has no BIC nor NAPAS BIN: give the BIC.")
    account = (OfficeAccount.objects.select_for_update().select_related("provider")
               .filter(province_code=province_code, provider=provider).first())
    before = _office(account)
    if account is None:
        account = OfficeAccount(province_code=province_code, provider=provider)
    account.account_number, account.agent_bic = account_number, agent_bic
    account.save()
    audit.record(actor.username, "payment_settings.office_account", "province", province_code,
                 before=before, after=_office(account))
    return account


@transaction.atomic
def remove_office_account(province_code: str, actor: User, provider_name: str) -> None:
    """Forget the office's account at a provider: its files are paid from the province's
    default account again. Audited as :func:`set_office_account` (``after`` empty)."""
    _require_settings(actor, province_code)
    provider = _provider(provider_name)
    account = (OfficeAccount.objects.select_for_update().select_related("provider")
               .filter(province_code=province_code, provider=provider).first())
    if account is None:
        raise PaymentError(
            "no_office_account",
            f"Tỉnh {province_code} không có tài khoản tại {provider.short_name}.",
            f"Province {province_code} has no account at {provider.short_name}.")
    before = _office(account)
    account.delete()
    audit.record(actor.username, "payment_settings.office_account", "province", province_code,
                 before=before, after=None)


def _provider_settings(provider: PaymentProvider) -> dict[str, Any]:
    partner = provider.partner_bank
    return {"charset": provider.charset, "partner_bank": partner.short_name if partner else None}


@transaction.atomic
def set_provider_settings(provider_name: str, actor: User, *, charset: str | None = None,
                          partner_bank: str | None = None) -> PaymentProvider:
    """A provider's payment-file settings, the same for every province, so only a national
    administrator (superuser) sets them: ``charset`` (a :class:`ProviderCharset` value) and,
    for an e-wallet, ``partner_bank`` (a bank's short name; ``""`` removes it). Audited
    ``payment_settings.provider`` with the settings before and after."""
    if not (actor.is_active and actor.is_superuser):
        raise NotPermitted()
    provider = _provider(provider_name)
    if charset is not None and charset not in ProviderCharset.values:
        known = ", ".join(ProviderCharset.values)
        raise PaymentError("bad_charset", f"Bộ ký tự không hợp lệ: {charset!r} ({known}).",
                           f"Invalid character set {charset!r} ({known}).")
    partner: PaymentProvider | None = None
    if partner_bank:
        partner = _provider(partner_bank)
        if (provider.kind != ProviderKind.EWALLET or partner.kind != ProviderKind.BANK
                or not (partner.bic or partner.napas_bin)):
            raise PaymentError(
                "bad_partner_bank",
                "Chỉ ví điện tử có ngân hàng đối tác, và đó phải là ngân hàng có mã BIC hoặc BIN.",
                "Only an e-wallet has a partner bank, and it must be a bank with a BIC or BIN.")
    provider = PaymentProvider.objects.select_for_update().get(pk=provider.pk)
    before = _provider_settings(provider)
    if charset is not None:
        provider.charset = charset
    if partner_bank is not None:
        provider.partner_bank = partner
    provider.save(update_fields=["charset", "partner_bank"])
    audit.record(actor.username, "payment_settings.provider", "payment_provider",
                 provider.short_name, before=before, after=_provider_settings(provider))
    return provider
