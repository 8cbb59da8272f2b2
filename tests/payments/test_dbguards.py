"""The database guards installed by ``migrate`` are exactly those :mod:`dbguards` declares, in
the form it generates, and each refuses the bad row it is there for — by itself: with that
one guard dropped, the same statement goes through."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from chitra.payments import dbguards
from chitra.payments.export import run as export
from chitra.payments.models import PaymentFile, PaymentItem, StatusEvent
from chitra.registry.models import Benefit, Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import pain002

pytestmark = pytest.mark.usefixtures("paying_office")

VENDOR = connection.vendor
EXPECTED = [g for g in dbguards.GUARDS if g.on(VENDOR)]


def _tables() -> list[str]:
    """The tables of the apps whose rows the guards keep (payments and registry)."""
    return sorted(m._meta.db_table for label in ("payments", "registry")
                  for m in apps.get_app_config(label).get_models())


def _installed() -> dict[str, str]:
    """Trigger name → its definition, on the payments and registry tables."""
    tables = _tables()
    marks = ", ".join(["%s"] * len(tables))
    with connection.cursor() as c:
        if VENDOR == "postgresql":
            c.execute("SELECT t.tgname, p.prosrc FROM pg_trigger t "
                      "JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal "
                      f"AND t.tgrelid::regclass::text IN ({marks})", tables)
        else:
            c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                      f"AND tbl_name IN ({marks})", tables)
        return dict(c.fetchall())


def _flat(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


def test_the_installed_triggers_are_the_declared_ones():
    assert sorted(_installed()) == sorted(g.name for g in EXPECTED)


def test_the_installed_triggers_are_in_the_generated_form():
    installed = _installed()
    generated = dbguards.install_sql(VENDOR)
    for g in EXPECTED:
        if VENDOR == "postgresql":  # the function's body, as generated
            (create,) = [s for s in generated if s.startswith(
                f"CREATE OR REPLACE FUNCTION {g.function}()")]
            assert _flat(installed[g.name]) == _flat(create.split("$$")[1]), g.name
        else:  # SQLite keeps the statement as written
            (create,) = [s for s in generated if s.startswith(f"CREATE TRIGGER {g.name} ")]
            assert installed[g.name] == create, g.name


@pytest.mark.skipif(VENDOR != "postgresql", reason="functions are PostgreSQL's")
def test_no_guard_function_is_left_over():
    with connection.cursor() as c:
        c.execute("SELECT proname FROM pg_proc WHERE proname LIKE 'chitra%%'")
        assert sorted(r[0] for r in c.fetchall()) == sorted(g.function for g in EXPECTED)


@pytest.mark.skipif(VENDOR != "postgresql", reason="functions are PostgreSQL's")
def test_each_guard_function_is_planned_for_index_lookups():
    """Under a compute in parts, which turns nested loops off, a check hashed the whole
    referenced table; its function now plans index lookups whatever the transaction says."""
    with connection.cursor() as c:
        c.execute("SELECT proname, proconfig FROM pg_proc WHERE proname LIKE 'chitra%%'")
        found = dict(c.fetchall())
    wanted = sorted(f"{name}={value}" for name, value in dbguards.PLAN)
    assert wanted == ["enable_hashjoin=off", "enable_mergejoin=off", "enable_nestloop=on"]
    assert {name: sorted(config or []) for name, config in found.items()} == {
        g.function: wanted for g in EXPECTED}


@pytest.mark.skipif(VENDOR != "postgresql", reason="functions are PostgreSQL's")
def test_the_cycle_of_new_rows_is_checked_once_per_cycle_not_per_row():
    """A compute's statement names one cycle with 170 k rows: probed per row, the check took
    103 ms after a year of cycles (payments 0024)."""
    installed = _installed()
    for name in ("obligations_refer_to_cycles", "items_refer_to_cycles"):
        assert ("FROM (SELECT DISTINCT cycle_id FROM new_rows WHERE cycle_id IS NOT NULL) n "
                "WHERE NOT EXISTS (SELECT 1 FROM payments_paymentcycle t WHERE t.id = "
                "n.cycle_id)") in _flat(installed[name]), name


# --- each guard refuses its bad row ----------------------------------------------------------

@dataclass
class Paid:
    """An exported cycle with two items, the first reported on by a status file."""

    item: PaymentItem
    other: PaymentItem
    event: StatusEvent


@pytest.fixture
def paid(tmp_path) -> Paid:
    from chitra.access.models import Role
    from chitra.payments.status.ingest import ingest_status_file

    for name, account in (("Tẩn Thị Mẩy", "123456789012"), ("Vàng A Sử", "123456789013")):
        f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                      account_number=account, amount=4_200_000)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    pf = PaymentFile.objects.get(cycle=cycle)
    item, other = PaymentItem.objects.filter(cycle=cycle).order_by("id")
    path = tmp_path / "r.xml"
    path.write_bytes(pain002(pf.msg_id, [(item.end_to_end_id, "ACSC", None, None)]))
    ingest_status_file(path, f.user(Role.BHXH_OFFICER))
    return Paid(item, other, StatusEvent.objects.get(item=item))


def _sql(sql: str, *params: object) -> None:
    with connection.cursor() as c:
        c.execute(sql, params)


_ITEM_COLUMNS = ("full_name, citizen_id, ward_code, channel, provider_id, account_number, "
                 "holder_name, amount, payment_date")


def _copy_item(p: Paid, cycle: str = "cycle_id", obligation: str = "obligation_id") -> None:
    """A closed copy of the item (no second live item of its obligation), with the cycle and
    obligation given as SQL on the item's columns."""
    _sql(f"INSERT INTO payments_paymentitem (cycle_id, obligation_id, beneficiary_id, "
         f"{_ITEM_COLUMNS}, status, reason_code) SELECT {cycle}, {obligation}, beneficiary_id, "
         f"{_ITEM_COLUMNS}, 'cancelled', '' FROM payments_paymentitem WHERE id = %s", p.item.pk)


def _insert_obligation(p: Paid, cycle: str = "cycle_id", benefit: str = "benefit_id") -> None:
    _sql(f"INSERT INTO payments_obligation (cycle_id, benefit_id, beneficiary_id, period, "
         f"amount) SELECT {cycle}, {benefit}, beneficiary_id, '2027-01-01', 1 "
         "FROM payments_obligation WHERE id = %s", p.item.obligation_id)


BAD: dict[str, Callable[[Paid], None]] = {
    "status_events_refer": lambda p: _sql(
        "INSERT INTO payments_statusevent (item_id, source_file_id, iso_status, reason_code, "
        "from_status, to_status, is_exception, resolved_by, detail, at) SELECT item_id + 10000, "
        "source_file_id, iso_status, reason_code, from_status, to_status, is_exception, "
        "resolved_by, detail, at FROM payments_statusevent WHERE id = %s", p.event.pk),
    "items_with_events_stay": lambda p: _sql(
        "DELETE FROM payments_paymentitem WHERE id = %s", p.item.pk),
    "files_with_events_stay": lambda p: _sql(
        "DELETE FROM payments_statusfile WHERE id = %s", p.event.source_file_id),
    "obligations_refer_to_cycles": lambda p: _insert_obligation(p, cycle="cycle_id + 10000"),
    "items_refer_to_cycles": lambda p: _copy_item(p, cycle="cycle_id + 10000"),
    "obligations_cycle_stays": lambda p: _sql(
        "UPDATE payments_obligation SET cycle_id = cycle_id + 10000 WHERE id = %s",
        p.item.obligation_id),
    "items_cycle_stays": lambda p: _sql(
        "UPDATE payments_paymentitem SET cycle_id = cycle_id + 10000 WHERE id = %s",
        p.other.pk),
    "cycles_in_use_stay": lambda p: _sql(
        "DELETE FROM payments_paymentcycle WHERE id = %s", p.item.cycle_id),
    "obligations_refer_to_benefits": lambda p: _insert_obligation(
        p, benefit="benefit_id + 10000"),
    "obligations_benefit_stays": lambda p: _sql(
        "UPDATE payments_obligation SET benefit_id = benefit_id + 10000 WHERE id = %s",
        p.item.obligation_id),
    "benefits_in_use_stay": lambda p: _sql(
        "DELETE FROM registry_benefit WHERE id = %s", p.other.obligation.benefit_id),
    "benefit_id_stays": lambda p: _sql(
        "UPDATE registry_benefit SET id = %s WHERE id = %s", 10**9,
        p.other.obligation.benefit_id),
    "items_refer_to_obligations": lambda p: _copy_item(p, obligation="obligation_id + 10000"),
    "items_obligation_stays": lambda p: _sql(
        "UPDATE payments_paymentitem SET obligation_id = obligation_id + 10000 WHERE id = %s",
        p.other.pk),
    "obligations_in_use_stay": lambda p: _sql(
        "DELETE FROM payments_obligation WHERE id = %s", p.other.obligation_id),
    "obligation_id_stays": lambda p: _sql(
        "UPDATE payments_obligation SET id = %s WHERE id = %s", 10**9, p.other.obligation_id),
}


def test_every_guard_has_its_bad_row():
    assert sorted(BAD) == sorted(dbguards.BY_NAME)


@pytest.mark.parametrize("name", [g.name for g in EXPECTED])
def test_the_guard_refuses_its_bad_row(paid, name):
    guard = dbguards.BY_NAME[name]
    with pytest.raises(IntegrityError, match=guard.table), transaction.atomic():
        BAD[name](paid)
    with transaction.atomic():  # the same statement without that guard goes through
        for sql in dbguards.uninstall_sql(VENDOR, [name]):
            _sql(sql)
        BAD[name](paid)
        transaction.set_rollback(True)
    assert sorted(_installed()) == sorted(g.name for g in EXPECTED)  # rolled back
    assert Benefit.objects.filter(pk=paid.other.obligation.benefit_id).exists()
