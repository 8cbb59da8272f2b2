from datetime import date

import pytest
from django.db import IntegrityError, transaction

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.registry.models import Channel, PaymentAccount
from chitra.registry.services import add_authorization, record_payment_account
from tests import factories as f


def test_new_account_closes_the_old_one_and_keeps_it():
    b = f.beneficiary("Lò Văn Pọm")
    old = PaymentAccount.objects.get(beneficiary=b)
    new = record_payment_account(b, channel=Channel.BANK_ACCOUNT, provider=f.provider("BIDV"),
                                 account_number="123456789012", holder_name="LO VAN POM",
                                 valid_from=date(2026, 12, 1), actor="officer")
    old.refresh_from_db()
    assert old.valid_to == date(2026, 11, 30)
    assert old.channel == Channel.CASH
    assert list(PaymentAccount.objects.filter(beneficiary=b, valid_to__isnull=True)) == [new]
    entry = AuditEntry.objects.get(action="payment_account.change")
    assert entry.actor == "officer"
    assert entry.before["channel"] == "cash"
    assert entry.after["account_tail"] == "9012"


@pytest.mark.parametrize(("number", "code"), [("12345678901", "account_length"),
                                              ("1234567890123", "account_length"),
                                              ("12345678901a", "account_digits")])
def test_account_number_checked_against_provider(number, code):
    b = f.beneficiary()
    with pytest.raises(DomainError) as e:
        record_payment_account(b, channel=Channel.BANK_ACCOUNT, provider=f.provider("VietinBank"),
                               account_number=number, holder_name="X", valid_from=date(2026, 12, 1),
                               actor="officer")
    assert e.value.code == code
    assert PaymentAccount.objects.filter(beneficiary=b).count() == 1


def test_database_refuses_two_current_accounts():
    b = f.beneficiary()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentAccount.objects.create(beneficiary=b, channel=Channel.CASH,
                                      valid_from=date(2026, 1, 1), created_by="x")


def test_database_refuses_bank_channel_without_account():
    b = f.beneficiary()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentAccount.objects.create(beneficiary=b, channel=Channel.BANK_ACCOUNT,
                                      provider=f.provider(), valid_from=date(2019, 1, 1),
                                      valid_to=date(2019, 2, 1), created_by="x")


def test_authorization_at_most_twelve_months():
    b = f.beneficiary()
    ok = add_authorization(b, proxy_name="Lò Thị Ín", proxy_citizen_id="012190000123",
                           relationship="con", valid_from=date(2026, 1, 1),
                           valid_to=date(2026, 12, 31), actor="ward")
    assert ok.pk
    with pytest.raises(DomainError) as e:
        add_authorization(b, proxy_name="Lò Thị Ín", proxy_citizen_id="012190000123",
                          relationship="con", valid_from=date(2026, 1, 1),
                          valid_to=date(2027, 1, 3), actor="ward")
    assert e.value.code == "authorization_period"
