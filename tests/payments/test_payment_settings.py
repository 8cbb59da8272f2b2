"""A province's payment settings: set by its own BHXH staff only, named on the command line
(``--as``), checked before anything is written, and audited with who set them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from chitra.core.models import AuditEntry, PaymentProvider
from chitra.payments import services
from chitra.payments.errors import PaymentError
from chitra.payments.models import OfficeAccount, ProvincePaymentRule
from tests import factories as f

SETTINGS = ("--province", f.LAI_CHAU, "--debtor-account", "8800201001234",
            "--debtor-bic", "VBAAVNVX")


def rules() -> list[dict[str, object]]:
    return list(ProvincePaymentRule.objects.values())


def test_the_command_sets_the_paying_account_as_the_named_officer(lai_chau):
    out = io.StringIO()
    call_command("payment_settings", *SETTINGS, "--reissue-as-cash", "no",
                 "--as", lai_chau.officer.username, stdout=out)
    rule = ProvincePaymentRule.objects.get(province_code=f.LAI_CHAU)
    assert (rule.debtor_account, rule.debtor_agent_bic) == ("8800201001234", "VBAAVNVX")
    assert not rule.reissue_bad_account_as_cash
    assert "8800201001234" in out.getvalue()
    entry = AuditEntry.objects.get(action="payment_settings.update")
    assert entry.actor == lai_chau.officer.username
    assert (entry.object_type, entry.object_id) == ("province", f.LAI_CHAU)
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["debtor_account"], entry.after["debtor_account"]) == (
        "", "8800201001234")
    assert (entry.before["reissue_as_cash"], entry.after["reissue_as_cash"]) == (True, False)
    assert entry.after["debtor_bic"] == "VBAAVNVX"


def test_the_command_needs_as(lai_chau):
    with pytest.raises(CommandError, match="--as"):
        call_command("payment_settings", *SETTINGS)
    assert rules() == []
    assert not AuditEntry.objects.filter(action="payment_settings.update").exists()


def test_the_approver_may_change_one_setting_and_keeps_the_others(lai_chau):
    services.set_payment_settings(f.LAI_CHAU, lai_chau.officer, debtor_account="8800201001234",
                                  debtor_bic="VBAAVNVX")
    services.set_payment_settings(f.LAI_CHAU, lai_chau.approver, open_item_alert_days=0)
    rule = ProvincePaymentRule.objects.get(province_code=f.LAI_CHAU)
    assert (rule.debtor_account, rule.open_item_alert_days) == ("8800201001234", 1)
    actors = list(AuditEntry.objects.filter(action="payment_settings.update")
                  .order_by("id").values_list("actor", flat=True))
    assert actors == [lai_chau.officer.username, lai_chau.approver.username]


@pytest.mark.parametrize("who", ["bank", "other_province_officer"])
def test_only_the_provinces_own_bhxh_staff_may_set_it(lai_chau, dien_bien, who):
    user = lai_chau.bank if who == "bank" else dien_bien.officer
    with pytest.raises(CommandError, match="not permitted"):
        call_command("payment_settings", *SETTINGS, "--as", user.username)
    with pytest.raises(PaymentError) as refused:
        services.set_payment_settings(f.LAI_CHAU, user, debtor_bic="VBAAVNVX")
    assert refused.value.code == "not_permitted"
    assert rules() == []
    assert not AuditEntry.objects.filter(action="payment_settings.update").exists()


@pytest.mark.parametrize(("option", "value", "code"), [
    ("--debtor-bic", "VBAAVN", "bad_bic"),  # too short
    ("--debtor-bic", "vbaavnvx", "bad_bic"),  # not upper case
    ("--debtor-bic", "VBAAVNVX12", "bad_bic"),  # 10 characters
    ("--debtor-account", "88002-01", "bad_account"),
    ("--debtor-account", "12345", "bad_account"),
])
def test_a_bad_setting_changes_nothing(lai_chau, option, value, code):
    services.set_payment_settings(f.LAI_CHAU, lai_chau.officer, debtor_account="8800201001234",
                                  debtor_bic="VBAAVNVX")
    before = rules()
    audited = AuditEntry.objects.count()
    # Given with a good value of the other kind: nothing of it is written either.
    other = ("--debtor-account", "9900201001234") if option == "--debtor-bic" else (
        "--debtor-bic", "BIDVVNVX")
    with pytest.raises(CommandError):
        call_command("payment_settings", "--province", f.LAI_CHAU, option, value, *other,
                     "--as", lai_chau.officer.username)
    kwargs = {"debtor_bic" if option == "--debtor-bic" else "debtor_account": value}
    with pytest.raises(PaymentError) as refused:
        services.set_payment_settings(f.LAI_CHAU, lai_chau.officer, **kwargs)
    assert refused.value.code == code
    assert rules() == before
    assert AuditEntry.objects.count() == audited


def test_an_unknown_province_is_refused(lai_chau):
    with pytest.raises(CommandError, match="99"):
        call_command("payment_settings", "--province", "99", "--debtor-bic", "VBAAVNVX",
                     "--as", lai_chau.officer.username)
    assert rules() == []


# --- the office's account at each provider -------------------------------------------------

def office_accounts() -> list[tuple[str, str, str, str]]:
    return list(OfficeAccount.objects.order_by("id").values_list(
        "province_code", "provider__short_name", "account_number", "agent_bic"))


def test_the_officer_sets_changes_and_removes_the_offices_account_at_a_bank(lai_chau):
    officer = lai_chau.officer.username
    out = io.StringIO()
    call_command("payment_settings", "--province", f.LAI_CHAU, "--provider", "BIDV",
                 "--office-account", "88002010012345", "--as", officer, stdout=out)
    assert "88002010012345" in out.getvalue()
    call_command("payment_settings", "--province", f.LAI_CHAU, "--provider", "BIDV",
                 "--office-account", "880020100123", "--office-bic", "BIDVVNVX", "--as", officer,
                 stdout=io.StringIO())
    assert office_accounts() == [(f.LAI_CHAU, "BIDV", "880020100123", "BIDVVNVX")]
    call_command("payment_settings", "--province", f.LAI_CHAU, "--provider", "BIDV",
                 "--remove-office-account", "--as", officer, stdout=io.StringIO())
    assert office_accounts() == []
    assert rules() == []  # the province's own settings untouched
    trail = [(e.actor, e.object_id, e.before, e.after) for e in AuditEntry.objects.filter(
        action="payment_settings.office_account").order_by("id")]
    first = {"provider": "BIDV", "account_number": "88002010012345", "agent_bic": ""}
    second = {"provider": "BIDV", "account_number": "880020100123", "agent_bic": "BIDVVNVX"}
    assert trail == [(officer, f.LAI_CHAU, None, first), (officer, f.LAI_CHAU, first, second),
                     (officer, f.LAI_CHAU, second, None)]


@pytest.mark.parametrize(("provider", "account", "bic", "code"), [
    ("BIDV", "8800201001", "", "bad_account"),  # BIDV numbers have 12–14 digits
    ("BIDV", "88002010012A", "", "bad_account"),
    ("BIDV", "880020100123", "bidvvnvx", "bad_bic"),
    ("MoMo", "0912345678", "", "bad_bic"),  # no BIC, no BIN: the bank must be named
    ("NoSuchBank", "880020100123", "", "bad_provider"),
])
def test_a_bad_office_account_changes_nothing(lai_chau, provider, account, bic, code):
    services.set_office_account(f.LAI_CHAU, lai_chau.officer, "Agribank", "8800201001234")
    before, audited = office_accounts(), AuditEntry.objects.count()
    with pytest.raises(PaymentError) as refused:
        services.set_office_account(f.LAI_CHAU, lai_chau.officer, provider, account, bic)
    assert refused.value.code == code
    with pytest.raises(CommandError):
        call_command("payment_settings", "--province", f.LAI_CHAU, "--provider", provider,
                     "--office-account", account, "--office-bic", bic,
                     "--as", lai_chau.officer.username)
    assert office_accounts() == before
    assert AuditEntry.objects.count() == audited


@pytest.mark.parametrize("who", ["bank", "other_province_officer"])
def test_only_the_provinces_own_staff_may_set_or_remove_its_office_accounts(
        lai_chau, dien_bien, who):
    services.set_office_account(f.LAI_CHAU, lai_chau.officer, "Agribank", "8800201001234")
    before, audited = office_accounts(), AuditEntry.objects.count()
    user = lai_chau.bank if who == "bank" else dien_bien.officer
    for attempt in (
        lambda: services.set_office_account(f.LAI_CHAU, user, "Agribank", "9900201001234"),
        lambda: services.remove_office_account(f.LAI_CHAU, user, "Agribank"),
    ):
        with pytest.raises(PaymentError) as refused:
            attempt()
        assert refused.value.code == "not_permitted"
    with pytest.raises(CommandError, match="not permitted"):
        call_command("payment_settings", "--province", f.LAI_CHAU, "--provider", "Agribank",
                     "--remove-office-account", "--as", user.username)
    assert office_accounts() == before
    assert AuditEntry.objects.count() == audited


def test_removing_an_account_the_office_does_not_have_is_refused(lai_chau):
    with pytest.raises(PaymentError) as refused:
        services.remove_office_account(f.LAI_CHAU, lai_chau.officer, "BIDV")
    assert refused.value.code == "no_office_account"


# --- a provider's payment-file settings (national) -----------------------------------------

def test_a_national_administrator_sets_a_wallets_charset_and_partner_bank(lai_chau):
    admin = f.user(username="quan-tri")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    out = io.StringIO()
    call_command("payment_settings", "--provider", "MoMo", "--charset", "ascii",
                 "--partner-bank", "Vietcombank", "--as", admin.username, stdout=out)
    momo = PaymentProvider.objects.get(short_name="MoMo")
    assert (momo.charset, momo.partner_bank.short_name) == ("ascii", "Vietcombank")
    assert "Vietcombank" in out.getvalue()
    call_command("payment_settings", "--provider", "MoMo", "--partner-bank", "",
                 "--as", admin.username, stdout=io.StringIO())
    momo.refresh_from_db()
    assert (momo.charset, momo.partner_bank) == ("ascii", None)
    trail = [(e.object_id, e.before, e.after) for e in AuditEntry.objects.filter(
        action="payment_settings.provider").order_by("id")]
    assert trail == [
        ("MoMo", {"charset": "upper_ascii", "partner_bank": None},
         {"charset": "ascii", "partner_bank": "Vietcombank"}),
        ("MoMo", {"charset": "ascii", "partner_bank": "Vietcombank"},
         {"charset": "ascii", "partner_bank": None})]


def test_province_staff_may_not_change_a_providers_settings(lai_chau):
    with pytest.raises(CommandError, match="not permitted"):
        call_command("payment_settings", "--provider", "BIDV", "--charset", "unicode",
                     "--as", lai_chau.approver.username)
    assert PaymentProvider.objects.get(short_name="BIDV").charset == "upper_ascii"
    assert not AuditEntry.objects.filter(action="payment_settings.provider").exists()


@pytest.mark.parametrize(("provider", "changes", "code"), [
    ("BIDV", {"partner_bank": "Vietcombank"}, "bad_partner_bank"),  # a bank has none
    ("MoMo", {"partner_bank": "ViettelMoney"}, "bad_partner_bank"),  # not a bank
    ("MoMo", {"charset": "latin1"}, "bad_charset"),
])
def test_a_bad_provider_setting_changes_nothing(provider, changes, code):
    admin = f.user(username="quan-tri")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    before = list(PaymentProvider.objects.values_list("short_name", "charset", "partner_bank"))
    with pytest.raises(PaymentError) as refused:
        services.set_provider_settings(provider, admin, **changes)
    assert refused.value.code == code
    assert list(PaymentProvider.objects.values_list(
        "short_name", "charset", "partner_bank")) == before
    assert not AuditEntry.objects.filter(action="payment_settings.provider").exists()
