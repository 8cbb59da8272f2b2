"""Compute a cycle: lock it, clear an earlier compute, set the payment days, list the
exclusions, make the obligations and items (:mod:`chitra.payments.compute.sql`), stamp the
cycle computed and audit it. The use case is
:func:`chitra.payments.services.compute_cycle`; this is its machinery.

One transaction does everything, but for a big province on PostgreSQL, whose items are made
in parts, each by its own connection at once, and which is ``computing`` until the last part
has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from chitra.config import CONFIG
from chitra.core import audit, faults
from chitra.core.admin_units import current_wards
from chitra.payments import calendar, lifecycle
from chitra.payments.compute.sql import Compute, Made, Part, session_settings
from chitra.payments.lifecycle import Step
from chitra.payments.models import CyclePaymentDay, PaymentCycle
from chitra.registry.models import Beneficiary

Progress = Callable[[str, int, int], None]

# A province with CONFIG.compute_parts_from people or more is computed in parts, each by
# its own connection at once (PostgreSQL): the inserts are the work, and one connection uses
# one core. Below it, and on SQLite, one transaction does everything.
COMPUTE_PARTS = 2
_COMPUTE_LOCK = 7_401_003  # advisory lock class: one compute of a cycle at a time


def compute_cycle(cycle_id: int, actor: str, progress: Progress | None = None) -> PaymentCycle:
    """Create the month's obligations and one frozen item per payable obligation.

    Two computes of one cycle run one after the other, and the second replaces the first's
    items (the unique constraints make a duplicate impossible in any case). In parts, the
    cycle is ``computing`` until the last part has committed: it cannot be approved, and a
    compute cut off there (a crash) is simply run again.
    """
    step = progress or (lambda _s, _d, _t: None)
    with _one_compute_at_a_time(cycle_id):
        parts = _parts(cycle_id)
        total = parts + 3  # steps: begun, exclusions listed, each part, done
        if parts == 1:
            with transaction.atomic():
                cycle, before, sql, excluded = _begin(cycle_id, step, total)
                made = sql.part()
                step("compute", 2, total)
                cycle = _end(cycle, actor, before, sql, made, excluded)
        else:
            with transaction.atomic():
                cycle, before, sql, excluded = _begin(cycle_id, step, total)
                lifecycle.start_computing(cycle)
            made = _in_parallel(sql, parts, step, total)
            with transaction.atomic():
                cycle = _locked(cycle_id)
                lifecycle.require_computing(cycle)
                sql.analyze(made.obligations)  # for what follows, and later steps
                cycle = _end(cycle, actor, before, sql, made, excluded)
    step("compute", total, total)
    return cycle


def _locked(cycle_id: int) -> PaymentCycle:
    return PaymentCycle.objects.select_for_update().get(pk=cycle_id)


@contextmanager
def _one_compute_at_a_time(cycle_id: int) -> Iterator[None]:
    """A session lock on PostgreSQL (the parts commit one by one, so the row lock of a
    transaction cannot span them); a crashed process's connection drops it."""
    if connection.vendor != "postgresql":  # one writer at a time anyway
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s, %s)", [_COMPUTE_LOCK, cycle_id])
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_COMPUTE_LOCK, cycle_id])


def _parts(cycle_id: int) -> int:
    if connection.vendor != "postgresql":
        return 1
    province = PaymentCycle.objects.values_list("province_code", flat=True).get(pk=cycle_id)
    # Counting stops at the threshold: at most that many index entries are read.
    threshold = CONFIG.compute_parts_from
    people = Beneficiary.objects.filter(province_code=province)[:threshold]
    return COMPUTE_PARTS if people.count() >= threshold else 1


def _begin(cycle_id: int, step: Progress,
           total: int) -> tuple[PaymentCycle, dict[str, Any], Compute, int]:
    """Inside a transaction: lock and check the cycle, clear an earlier compute, set the
    payment days, list the exclusions."""
    cycle = _locked(cycle_id)
    lifecycle.require_step(cycle, Step.COMPUTE)
    session_settings()
    sql = Compute(cycle)
    before = {"status": cycle.status, "items": sql.clear()}
    _ward_days(cycle)
    step("compute", 0, total)
    excluded = sql.exclusions()
    step("compute", 1, total)
    return cycle, before, sql, excluded


def _ward_days(cycle: PaymentCycle) -> None:
    wards = [c for c, w in current_wards().items() if w.province_code == cycle.province_code]
    CyclePaymentDay.objects.filter(cycle=cycle).delete()
    CyclePaymentDay.objects.bulk_create([
        CyclePaymentDay(cycle=cycle, ward_code=w, payment_date=calendar.payment_point_date(
            cycle.period, calendar.default_ward_day(wards, w)))
        for w in wards])


def _in_parallel(sql: Compute, parts: int, step: Progress, total: int) -> Made:
    """Each part in its own thread, connection and transaction."""

    def one(part: Part) -> Made:
        try:
            with transaction.atomic():
                session_settings(parallel=True)
                return sql.part(part)
        finally:
            connection.close()  # this thread's

    made = Made()
    with ThreadPoolExecutor(max_workers=parts) as pool:
        running = [pool.submit(one, part) for part in sql.parts(parts)]
        for done, future in enumerate(as_completed(running), start=1):
            made += future.result()
            step("compute", 1 + done, total)
            _fault_point(done)
    return made


def _fault_point(parts_done: int) -> None:
    """Crash tests kill the compute here (CHITRA_FAULT_COMPUTE_CRASH_AFTER_PARTS)."""
    faults.crash_point(faults.COMPUTE_AFTER_PARTS, parts_done)


def _end(cycle: PaymentCycle, actor: str, before: dict[str, Any], sql: Compute, made: Made,
         excluded: int) -> PaymentCycle:
    """Inside a transaction holding the cycle: obligations left without an item (at most one
    item each, as a person has one current account: as many items as obligations means none
    lacks one), the status and the audit entry."""
    items = made.items + made.reissues
    if made.items < made.obligations:
        excluded += sql.without_account()
    lifecycle.advance(cycle, Step.COMPUTE, computed_by=actor, computed_at=timezone.now())
    audit.record(actor, "cycle.compute", "payment_cycle", cycle.pk, before=before,
                 after={"status": cycle.status, "items": items, "exclusions": excluded})
    return cycle
