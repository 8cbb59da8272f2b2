"""An obligation's benefit and an item's obligation are checked by the database once per
statement, not by a foreign-key trigger per row (migration payments.0010): what they name
must exist, never changes and, on PostgreSQL, cannot be deleted or renumbered — even by a
transaction racing the insert."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from chitra.payments import services
from chitra.payments.models import Obligation, PaymentItem
from chitra.registry.models import Benefit
from tests import factories as f
from tests.payments.factories import NOV, computed_cycle

PG = connection.vendor == "postgresql"


@pytest.fixture
def item() -> PaymentItem:
    f.beneficiary("Lò Văn Pọm")
    f.beneficiary("Tẩn Thị Mẩy")
    computed_cycle(NOV)
    return PaymentItem.objects.order_by("id").first()


def _insert_obligation(benefit_id: int, item: PaymentItem, period: str = "2027-01-01") -> None:
    with connection.cursor() as c:
        c.execute("INSERT INTO payments_obligation (cycle_id, benefit_id, beneficiary_id, "
                  "period, amount) VALUES (%s, %s, %s, %s, 1)",
                  [item.cycle_id, benefit_id, item.beneficiary_id, period])


def _delete(table: str, row_id: int) -> None:
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {table} WHERE id = %s", [row_id])


def test_an_obligation_names_a_benefit_that_exists(item):
    obligation = item.obligation
    benefit = Benefit.objects.get(pk=obligation.benefit_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_obligation(benefit.pk + 10_000, item)
    with pytest.raises(IntegrityError), transaction.atomic():
        Obligation.objects.filter(pk=obligation.pk).update(benefit_id=benefit.pk + 1)
    _insert_obligation(benefit.pk, item)  # a known benefit is fine
    if PG:  # SQLite's flush deletes in any order
        with pytest.raises(IntegrityError), transaction.atomic():
            _delete("registry_benefit", benefit.pk)
        with pytest.raises(IntegrityError), transaction.atomic():
            Benefit.objects.filter(pk=benefit.pk).update(id=10**9)
    assert Obligation.objects.get(pk=obligation.pk).benefit_id == benefit.pk
    assert Benefit.objects.filter(pk=benefit.pk).exists()


def test_one_obligation_per_benefit_and_month_keyed_by_month_first(item):
    """The unique key leads with the month, so a compute writes at the index's end (issue
    15); a benefit's obligations are found through an index of their own."""
    benefit_id = item.obligation.benefit_id
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_obligation(benefit_id, item, period=item.obligation.period.isoformat())
    _insert_obligation(benefit_id, item, period="2027-01-01")  # another month is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_obligation(benefit_id, item, period="2027-01-01")
    assert Obligation.objects.filter(benefit_id=benefit_id).count() == 2
    with connection.cursor() as c:
        found = connection.introspection.get_constraints(c, Obligation._meta.db_table)
    assert found["obligation_once_per_period"]["unique"]
    assert found["obligation_once_per_period"]["columns"] == ["period", "benefit_id"]
    assert found["obligation_by_benefit"]["columns"] == ["benefit_id"]
    assert not found["obligation_by_benefit"]["unique"]


def test_an_item_names_an_obligation_that_exists(item):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute("INSERT INTO payments_paymentitem (cycle_id, obligation_id, beneficiary_id, "
                  "full_name, citizen_id, ward_code, channel, account_number, holder_name, "
                  "amount, payment_date, status, reason_code) SELECT cycle_id, "
                  "obligation_id + 10000, beneficiary_id, full_name, citizen_id, ward_code, "
                  "channel, account_number, holder_name, amount, payment_date, 'cancelled', "
                  "'' FROM payments_paymentitem WHERE id = %s", [item.pk])
    other = PaymentItem.objects.exclude(pk=item.pk).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentItem.objects.filter(pk=item.pk).update(obligation_id=other.obligation_id)
    if PG:
        with pytest.raises(IntegrityError), transaction.atomic():
            _delete("payments_obligation", item.obligation_id)
        with pytest.raises(IntegrityError), transaction.atomic():
            Obligation.objects.filter(pk=item.obligation_id).update(id=10**9)
    assert PaymentItem.objects.get(pk=item.pk).obligation == Obligation.objects.get(
        pk=item.obligation_id)


def test_a_recompute_replaces_what_the_first_made(item):
    """The previous items and obligations go by SQL (in the right order for the checks)."""
    first = set(PaymentItem.objects.values_list("id", flat=True))
    services.compute_cycle(item.cycle_id, "officer")
    again = set(PaymentItem.objects.values_list("id", flat=True))
    assert len(again) == 2
    assert not first & again
    assert Obligation.objects.count() == 2


@pytest.mark.skipif(not PG, reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_benefit_deleted_while_an_obligation_naming_it_is_inserted():
    """No row lock: the delete waits for the insert's transaction, then sees its row."""
    person = f.beneficiary("Lò Văn Pọm")
    benefit = Benefit.objects.get(beneficiary=person)
    cycle = services.open_cycle("12", NOV, "officer")
    inserted, done = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def compute_elsewhere() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as c:
                c.execute("BEGIN")
                c.execute("INSERT INTO payments_obligation (cycle_id, benefit_id, beneficiary_id,"
                          " period, amount) VALUES (%s, %s, %s, '2027-01-01', 1)",
                          [cycle.pk, benefit.pk, person.pk])
                inserted.set()
                done.wait(10)
                c.execute("COMMIT")
        except Exception as e:  # reported below
            errors.append(e)
            inserted.set()
        finally:
            other.close()

    worker = threading.Thread(target=compute_elsewhere)
    worker.start()
    try:
        assert inserted.wait(10)
        with connection.cursor() as c:
            c.execute("SET lock_timeout = '500ms'")
            with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
                c.execute("DELETE FROM registry_benefit WHERE id = %s", [benefit.pk])
            done.set()
            worker.join(10)
            with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
                c.execute("DELETE FROM registry_benefit WHERE id = %s", [benefit.pk])
            c.execute("RESET lock_timeout")
    finally:
        done.set()
        worker.join(10)
    assert not errors
    assert Obligation.objects.filter(benefit_id=benefit.pk).count() == 1
    assert Benefit.objects.filter(pk=benefit.pk).exists()


@pytest.mark.skipif(not PG, reason="SQLite takes no row locks")
def test_a_bulk_status_update_locks_no_row_first():
    """A BEFORE ROW UPDATE trigger makes PostgreSQL lock (and log the lock of) every row an
    UPDATE touches, whatever its column list: the guards above run after the update
    (migration payments.0015), so a status file's update of the items takes none."""
    with connection.cursor() as c:
        c.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                  "WHERE NOT tgisinternal AND tgtype & (1 | 2 | 16) = (1 | 2 | 16) "
                  "AND tgrelid::regclass::text IN ('payments_paymentitem', "
                  "'payments_obligation', 'registry_benefit')")
        assert c.fetchall() == []
