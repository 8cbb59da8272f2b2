"""Registry use cases for many beneficiaries at once (reconciliation's follow-ups): the same
rows, locks and audit as the one-person use cases, in statements that do not grow with the
number of people."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chitra.core.errors import DomainError
from chitra.core.models import AuditEntry
from chitra.registry.models import (
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    Channel,
    PaymentAccount,
)
from chitra.registry.services import (
    AccountClosing,
    close_payment_accounts,
    record_payment_account,
    stop_payment,
    stop_payments,
)
from tests import factories as f

TODAY = date(2026, 12, 3)
REFUSED = "AC04: tài khoản bị ngân hàng từ chối"


def _bank(name: str) -> tuple[Beneficiary, PaymentAccount]:
    person = f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name="BIDV")
    return person, PaymentAccount.objects.get(beneficiary=person)


def _current(person: Beneficiary) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(beneficiary=person, valid_to__isnull=True).first()


def test_stopping_many_is_stopping_each():
    one, two = f.beneficiary("Lò Văn Pọm"), f.beneficiary("Tẩn Thị Mẩy")
    assert stop_payment(one, status=BeneficiaryStatus.DECEASED, reason="Giấy báo tử",
                        actor="officer")
    assert stop_payments({two.pk: "  Giấy báo tử  "}, status=BeneficiaryStatus.DECEASED,
                         actor="officer") == [two.pk]
    alone, together = (AuditEntry.objects.get(object_id=str(p.pk)) for p in (one, two))
    assert (alone.action, alone.before, alone.after) == (
        together.action, together.before, together.after) == (
        "beneficiary.stop_payment", {"status": "active", "reason": ""},
        {"status": "deceased", "reason": "Giấy báo tử"})
    for person in (one, two):
        person.refresh_from_db()
        assert (person.status, person.status_reason) == (BeneficiaryStatus.DECEASED,
                                                         "Giấy báo tử")
        assert Benefit.objects.get(beneficiary=person).status == BenefitStatus.SUSPENDED


def test_stopping_skips_who_already_is_so():
    gone, alive = f.beneficiary("Lò Văn Pọm"), f.beneficiary("Tẩn Thị Mẩy")
    stop_payment(gone, status=BeneficiaryStatus.DECEASED, reason="Giấy báo tử", actor="officer")
    stopped = stop_payments({gone.pk: "MD07", alive.pk: "MD07"},
                            status=BeneficiaryStatus.DECEASED, actor="bank")
    assert stopped == [alive.pk]
    assert Beneficiary.objects.get(pk=gone.pk).status_reason == "Giấy báo tử"
    assert AuditEntry.objects.filter(actor="bank").count() == 1
    assert not stop_payment(gone, status=BeneficiaryStatus.DECEASED, reason="x", actor="bank")


def test_stopping_needs_a_stopping_status_and_a_reason():
    person = f.beneficiary()
    for status, reason in ((BeneficiaryStatus.ACTIVE, "x"), (BeneficiaryStatus.DECEASED, " ")):
        with pytest.raises(DomainError, match="stop_payment_invalid"):
            stop_payments({person.pk: reason}, status=status, actor="officer")


def test_stopping_many_takes_as_many_statements_as_stopping_two():
    def statements(n: int) -> int:
        people = {f.beneficiary(f"Người Thứ {n} {k}").pk: "MD07" for k in range(n)}
        with CaptureQueriesContext(connection) as q:
            stop_payments(people, status=BeneficiaryStatus.DECEASED, actor="bank")
        return len(q.captured_queries)

    assert statements(2) == statements(12)


def test_closing_an_account_with_cash_instead_is_a_change_to_cash():
    person, bank = _bank("Lò Văn Pọm")
    assert close_payment_accounts(
        [AccountClosing(person.pk, bank.account_number, REFUSED, cash_instead=True)],
        actor="bank", today=TODAY) == [person.pk]
    bank.refresh_from_db()
    assert (bank.valid_to, bank.closed_reason) == (date(2026, 12, 2), REFUSED)
    cash = _current(person)
    assert cash is not None
    assert (cash.channel, cash.valid_from, cash.created_by) == (Channel.CASH, TODAY, "bank")
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_id) == ("bank", "payment_account.change",
                                                            str(person.pk))
    assert (entry.before["id"], entry.after["id"], entry.after["channel"]) == (
        bank.pk, cash.pk, "cash")


def test_closing_an_account_without_cash_leaves_none():
    person, bank = _bank("Lò Văn Pọm")
    close_payment_accounts(
        [AccountClosing(person.pk, bank.account_number, REFUSED, cash_instead=False)],
        actor="bank", today=TODAY)
    bank.refresh_from_db()
    assert (bank.valid_to, bank.closed_reason) == (TODAY, REFUSED)
    assert _current(person) is None
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before["id"], entry.after) == (
        "payment_account.close", bank.pk, {"valid_to": "2026-12-03", "reason": REFUSED})


def test_an_account_opened_today_ends_today_and_cash_starts_tomorrow():
    person, bank = _bank("Lò Văn Pọm")
    PaymentAccount.objects.filter(pk=bank.pk).update(valid_from=TODAY)
    close_payment_accounts(
        [AccountClosing(person.pk, bank.account_number, REFUSED, cash_instead=True)],
        actor="bank", today=TODAY)
    assert PaymentAccount.objects.get(pk=bank.pk).valid_to == TODAY
    assert _current(person).valid_from == date(2026, 12, 4)  # type: ignore[union-attr]


def test_an_account_corrected_since_is_not_closed():
    person, bank = _bank("Lò Văn Pọm")
    fixed = record_payment_account(person, channel=Channel.BANK_ACCOUNT,
                                   provider=f.provider("BIDV"), account_number="123456789012",
                                   holder_name="LO VAN POM", valid_from=date(2026, 11, 20),
                                   actor="officer")
    assert close_payment_accounts(
        [AccountClosing(person.pk, bank.account_number, REFUSED, cash_instead=True)],
        actor="bank", today=TODAY) == []
    assert _current(person) == fixed
    assert not AuditEntry.objects.filter(actor="bank").exists()


def test_the_first_closing_of_one_account_wins():
    person, bank = _bank("Lò Văn Pọm")
    close_payment_accounts(
        [AccountClosing(person.pk, "999", "AC01: khác", cash_instead=False),
         AccountClosing(person.pk, bank.account_number, REFUSED, cash_instead=True),
         AccountClosing(person.pk, bank.account_number, "AC06: khác", cash_instead=False)],
        actor="bank", today=TODAY)
    assert PaymentAccount.objects.get(pk=bank.pk).closed_reason == REFUSED
    assert PaymentAccount.objects.filter(beneficiary=person).count() == 2
    assert AuditEntry.objects.count() == 1


def test_closing_many_takes_as_many_statements_as_closing_two():
    def statements(n: int) -> int:
        closings = []
        for k in range(n):
            person, bank = _bank(f"Người Thứ {n} {k}")
            closings.append(AccountClosing(person.pk, bank.account_number, REFUSED,
                                           cash_instead=k % 2 == 0))
        with CaptureQueriesContext(connection) as q:
            assert len(close_payment_accounts(closings, actor="bank", today=TODAY)) == n
        return len(q.captured_queries)

    assert statements(2) == statements(12)


def test_deaths_on_many_dates_each_get_their_own_date_and_reason_in_few_statements():
    from chitra.registry.services import record_deaths

    people = [f.beneficiary(f"Người Số {i}", dob=date(1940, 1, 1)) for i in range(12)]
    deaths = {p.pk: date(2025, 1 + i, 1 + i) for i, p in enumerate(people)}
    with CaptureQueriesContext(connection) as queries:
        stopped = record_deaths(deaths, source="CSDL dân cư", actor="t")
    assert stopped == sorted(deaths)
    got = {pk: (died, why) for pk, died, why in Beneficiary.objects.filter(
        pk__in=deaths).values_list("pk", "death_date", "status_reason")}
    assert got == {pk: (died, f"Đã chết ngày {died:%d/%m/%Y} (CSDL dân cư)")
                   for pk, died in deaths.items()}
    assert set(Beneficiary.objects.filter(pk__in=deaths).values_list("status", flat=True)) == {
        BeneficiaryStatus.DECEASED}
    assert len(queries) < 15  # not a statement per date
