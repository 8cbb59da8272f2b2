"""A province's payment settings: set by its own BHXH staff only, named on the command line
(``--as``), checked before anything is written, and audited with who set them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from chitra.core.models import AuditEntry
from chitra.payments import services
from chitra.payments.errors import PaymentError
from chitra.payments.models import ProvincePaymentRule
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
