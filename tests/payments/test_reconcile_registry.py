"""A status file's follow-ups are the registry's use cases: a bad-account rejection closes
the account as the registry closes one, a death reported by the bank stops the person as the
registry's own "stop payment" does, with their row locks (the person first, then the
account) and their audit; in statements that do not grow with the number of rejections."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chitra.access.models import Role
from chitra.core.models import AuditEntry
from chitra.payments.export import run as export
from chitra.payments.models import (
    CycleStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    ProvincePaymentRule,
)
from chitra.payments.status import followups
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry import services as registry
from chitra.registry.models import Beneficiary, BeneficiaryStatus, Channel, PaymentAccount
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import pain002

pytestmark = pytest.mark.usefixtures("paying_office")

PG = connection.vendor == "postgresql"
REFUSED = "AC04: tài khoản bị ngân hàng từ chối"


def _exported(tmp_path, n: int) -> tuple[PaymentFile, list[PaymentItem]]:
    """``n`` BIDV transfers, exported: their file and items (in id order)."""
    for k in range(n):
        f.beneficiary(f"Người Thứ {k}", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                      account_number=f"{123456789000 + k}", amount=4_200_000)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    return (PaymentFile.objects.get(cycle=cycle),
            list(PaymentItem.objects.filter(cycle=cycle).order_by("id")))


def _reply(tmp_path: Path, pf: PaymentFile, lines: list[tuple[PaymentItem, str]],
           name: str = "r.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(pain002(pf.msg_id, [(i.end_to_end_id, "RJCT", reason, None)
                                         for i, reason in lines]))
    return path


def _bank_user():
    return f.user(Role.BANK_OPERATOR, org=f.organization(
        f.OrganizationKind.BANK, provider=f.provider("BIDV")))


def _current(item: PaymentItem) -> PaymentAccount | None:
    return PaymentAccount.objects.filter(beneficiary_id=item.beneficiary_id,
                                         valid_to__isnull=True).first()


def test_a_bad_account_becomes_cash_as_a_registry_change(tmp_path):
    pf, (item,) = _exported(tmp_path, 1)
    bank = _current(item)
    user = _bank_user()
    result = ingest_status_file(_reply(tmp_path, pf, [(item, "AC04")]), user)
    assert (result.problems, result.applied) == ([], 1)
    closed = PaymentAccount.objects.get(pk=bank.pk)  # type: ignore[union-attr]
    today = timezone.localdate()
    assert (closed.valid_to, closed.closed_reason) == (today - timedelta(days=1), REFUSED)
    cash = _current(item)
    assert cash is not None
    assert (cash.channel, cash.valid_from, cash.created_by) == (Channel.CASH, today,
                                                                user.username)
    entry = AuditEntry.objects.get(object_type="beneficiary")
    assert (entry.actor, entry.action, entry.object_id) == (
        user.username, "payment_account.change", str(item.beneficiary_id))
    assert (entry.before["id"], entry.after["id"]) == (closed.pk, cash.pk)


def test_a_bad_account_in_a_province_without_cash_reissue_is_closed(tmp_path):
    ProvincePaymentRule.objects.filter(province_code="12").update(
        reissue_bad_account_as_cash=False)
    pf, (item,) = _exported(tmp_path, 1)
    bank = _current(item)
    ingest_status_file(_reply(tmp_path, pf, [(item, "AC01")]), _bank_user())
    assert _current(item) is None
    closed = PaymentAccount.objects.get(pk=bank.pk)  # type: ignore[union-attr]
    assert (closed.valid_to, closed.closed_reason) == (
        timezone.localdate(), "AC01: tài khoản bị ngân hàng từ chối")
    entry = AuditEntry.objects.get(object_type="beneficiary")
    assert (entry.action, entry.after["reason"]) == ("payment_account.close", closed.closed_reason)


def test_a_death_reported_by_the_bank_stops_the_person_as_the_registry_does(tmp_path):
    pf, (dead, told) = _exported(tmp_path, 2)
    user = _bank_user()
    ingest_status_file(_reply(tmp_path, pf, [(dead, "MD07")]), user)
    # The same stop, told to the registry directly (as a confirmed report is).
    registry.stop_payment(Beneficiary.objects.get(pk=told.beneficiary_id),
                          status=BeneficiaryStatus.DECEASED, actor=user.username,
                          reason=Beneficiary.objects.get(pk=dead.beneficiary_id).status_reason)
    by_bank, by_hand = (AuditEntry.objects.get(object_type="beneficiary",
                                               object_id=str(i.beneficiary_id))
                        for i in (dead, told))
    assert (by_bank.action, by_bank.actor, by_bank.before, by_bank.after) == (
        by_hand.action, by_hand.actor, by_hand.before, by_hand.after)
    assert by_bank.action == "beneficiary.stop_payment"
    assert by_bank.after["reason"] == (
        f"Ngân hàng báo người hưởng đã chết (MD07) ngày {timezone.localdate():%d/%m/%Y}")
    one, other = (Beneficiary.objects.get(pk=i.beneficiary_id) for i in (dead, told))
    assert (one.status, one.status_reason) == (other.status, other.status_reason)
    assert [b.status for b in one.benefits.all()] == [b.status for b in other.benefits.all()]


def test_a_second_death_report_changes_nothing(tmp_path):
    pf, (item,) = _exported(tmp_path, 1)
    user = _bank_user()
    ingest_status_file(_reply(tmp_path, pf, [(item, "MD07")]), user)
    first = Beneficiary.objects.get(pk=item.beneficiary_id).updated_at
    registry.stop_payments({item.beneficiary_id: "again"}, status=BeneficiaryStatus.DECEASED,
                           actor="x")
    assert Beneficiary.objects.get(pk=item.beneficiary_id).updated_at == first
    assert AuditEntry.objects.filter(action="beneficiary.stop_payment").count() == 1


def test_the_first_status_file_marks_the_cycle_reconciling(tmp_path):
    pf, (item,) = _exported(tmp_path, 1)
    ingest_status_file(_reply(tmp_path, pf, [(item, "AC04")]), _bank_user())
    assert PaymentCycle.objects.get(pk=pf.cycle_id).status == CycleStatus.RECONCILING


def test_follow_ups_take_as_many_statements_for_ten_people_as_for_two(tmp_path):
    """Rejections arrive by the thousand: the follow-ups are the registry's set-based forms."""
    pf, items = _exported(tmp_path, 12)
    user = _bank_user()

    def statements(name: str, some: list[PaymentItem]) -> int:
        half = len(some) // 2
        lines = [(i, "AC04") for i in some[:half]] + [(i, "MD07") for i in some[half:]]
        path = _reply(tmp_path, pf, lines, name)
        with CaptureQueriesContext(connection) as q:
            result = ingest_status_file(path, user)
        assert (result.problems, result.applied) == ([], len(some))
        return len(q.captured_queries)

    statements("warm.xml", items[:2])  # the cycle becomes reconciling; caches fill
    assert statements("two.xml", items[2:4]) == statements("ten.xml", items[4:])
    assert Beneficiary.objects.filter(status=BeneficiaryStatus.DECEASED).count() == 6
    assert PaymentAccount.objects.filter(channel=Channel.CASH, valid_to__isnull=True).count() == 6


# --- row locks: the person first, then the account, as the registry's own changes -----------

def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as e:  # reported by the test
            errors.append(e)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _until_waiting_on_a_lock() -> None:
    """Wait until another session of this database waits for a lock."""
    deadline = time.monotonic() + 10
    with connection.cursor() as c:
        while time.monotonic() < deadline:
            c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                      " AND wait_event_type = 'Lock'")
            if c.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("nobody waits for a lock")


def _correct(item: PaymentItem) -> PaymentAccount:
    """The registry's own account change for the item's beneficiary."""
    return registry.record_payment_account(
        Beneficiary.objects.get(pk=item.beneficiary_id), channel=Channel.BANK_ACCOUNT,
        provider=f.provider("BIDV"), account_number="998877665544", holder_name="ĐÚNG TÊN",
        valid_from=timezone.localdate() + timedelta(days=5), actor="officer",
        reason="sửa số tài khoản")


def _history(item: PaymentItem) -> list[tuple[str, str]]:
    return list(PaymentAccount.objects.filter(beneficiary_id=item.beneficiary_id)
                .order_by("valid_from").values_list("channel", "closed_reason"))


@pytest.mark.skipif(not PG, reason="SQLite takes no row locks: one writer at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_status_file_and_a_registry_change_wait_for_each_other_in_either_order(
        tmp_path, monkeypatch):
    """Whoever locks the person first goes first; the other waits, then sees its work. (One
    test for both orders: a test with real commits costs a database restore.)"""
    pf, (first, second) = _exported(tmp_path, 2)
    user = _bank_user()

    # The registry corrects the account first: the file waits, then leaves the corrected
    # account alone (it is not the one the bank refused).
    holding, release = threading.Event(), threading.Event()

    def correct_and_linger() -> None:
        with transaction.atomic():
            _correct(first)
            holding.set()
            release.wait(10)

    path = _reply(tmp_path, pf, [(first, "AC04")], "first.xml")
    fixer, fix_errors = _in_thread(correct_and_linger)
    assert holding.wait(10)
    applying, apply_errors = _in_thread(lambda: ingest_status_file(path, user))
    _until_waiting_on_a_lock()
    release.set()
    for t in (fixer, applying):
        t.join(20)
    assert fix_errors == apply_errors == []
    assert _history(first) == [(Channel.BANK_ACCOUNT, "sửa số tài khoản"),
                               (Channel.BANK_ACCOUNT, "")]
    assert PaymentItem.objects.get(pk=first.pk).current_status == "rejected"

    # The file closes the account first: the registry's change waits for its commit, then
    # closes the cash account the file opened.
    closed, release = threading.Event(), threading.Event()
    close = registry.close_payment_accounts

    def close_and_linger(*args, **kwargs):
        done = close(*args, **kwargs)
        closed.set()
        release.wait(10)  # still inside the file's transaction
        return done

    monkeypatch.setattr(followups.registry, "close_payment_accounts", close_and_linger)
    path = _reply(tmp_path, pf, [(second, "AC04")], "second.xml")
    applying, apply_errors = _in_thread(lambda: ingest_status_file(path, user))
    assert closed.wait(20)
    fixer, fix_errors = _in_thread(lambda: _correct(second))
    _until_waiting_on_a_lock()
    release.set()
    for t in (applying, fixer):
        t.join(20)
    assert apply_errors == fix_errors == []
    assert _history(second) == [(Channel.BANK_ACCOUNT, REFUSED),
                                (Channel.CASH, "sửa số tài khoản"), (Channel.BANK_ACCOUNT, "")]
