"""Payment-cycle use cases: open, compute, approve, close (DESIGN §8). One transaction each,
but a big province's compute, which commits in parts (see :func:`compute_cycle`).

Compute is set-based SQL (INSERT … SELECT, :mod:`chitra.payments.compute.sql`), never a
Python loop over people.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from chitra.config import CONFIG
from chitra.core import audit
from chitra.core.admin_units import current_provinces, current_wards
from chitra.payments import calendar
from chitra.payments.compute.sql import Compute, Made, Part, session_settings
from chitra.payments.errors import PaymentError
from chitra.payments.models import (
    CyclePaymentDay,
    CycleStatus,
    PaymentCycle,
)
from chitra.registry.models import Beneficiary

Progress = Callable[[str, int, int], None]


def parse_period(text: str) -> date:
    """``2026-11`` → 1 Nov 2026; a clear error otherwise."""
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError as e:
        raise PaymentError("bad_period", f"Kỳ không hợp lệ: {text!r} (dạng YYYY-MM).",
                           f"Invalid period {text!r} (use YYYY-MM).") from e


def _locked(cycle_id: int) -> PaymentCycle:
    return PaymentCycle.objects.select_for_update().get(pk=cycle_id)


def _require(cycle: PaymentCycle, *allowed: CycleStatus) -> None:
    if cycle.status not in allowed:
        raise PaymentError(
            "cycle_state",
            f"Kỳ {cycle} đang ở trạng thái '{cycle.get_status_display()}', "
            "không làm được việc này.",
            f"Cycle {cycle} is '{cycle.status}'; this step needs {', '.join(allowed)}.")


@transaction.atomic
def open_cycle(province_code: str, period: date, actor: str) -> PaymentCycle:
    if province_code not in current_provinces():
        raise PaymentError("bad_province", f"Không có tỉnh mã {province_code}.",
                           f"No province with code {province_code}.")
    if PaymentCycle.objects.filter(province_code=province_code, period=period).exists():
        raise PaymentError("cycle_exists", f"Kỳ {period:%m/%Y} đã được mở.",
                           f"Cycle {period:%Y-%m} is already open.")
    cycle = PaymentCycle.objects.create(province_code=province_code, period=period,
                                        opened_by=actor,
                                        transfer_date=calendar.transfer_date(period))
    audit.record(actor, "cycle.open", "payment_cycle", cycle.pk, after={"cycle": str(cycle)})
    return cycle


def get_cycle(province_code: str, period: date) -> PaymentCycle:
    try:
        return PaymentCycle.objects.get(province_code=province_code, period=period)
    except PaymentCycle.DoesNotExist:
        raise PaymentError("no_cycle", f"Chưa mở kỳ {period:%m/%Y} của tỉnh {province_code}.",
                           f"No cycle {period:%Y-%m} for province {province_code}.") from None


def _ward_days(cycle: PaymentCycle) -> None:
    wards = [c for c, w in current_wards().items() if w.province_code == cycle.province_code]
    CyclePaymentDay.objects.filter(cycle=cycle).delete()
    CyclePaymentDay.objects.bulk_create([
        CyclePaymentDay(cycle=cycle, ward_code=w, payment_date=calendar.payment_point_date(
            cycle.period, calendar.default_ward_day(wards, w)))
        for w in wards])


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
                cycle.status = CycleStatus.COMPUTING
                cycle.save(update_fields=["status"])
            made = _in_parallel(sql, parts, step, total)
            with transaction.atomic():
                cycle = _locked(cycle_id)
                _require(cycle, CycleStatus.COMPUTING)
                sql.analyze()  # for what follows, and later steps
                cycle = _end(cycle, actor, before, sql, made, excluded)
    step("compute", total, total)
    return cycle


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
    _require(cycle, CycleStatus.OPEN, CycleStatus.COMPUTED, CycleStatus.COMPUTING)
    session_settings()
    sql = Compute(cycle)
    before = {"status": cycle.status, "items": sql.clear()}
    _ward_days(cycle)
    step("compute", 0, total)
    excluded = sql.exclusions()
    step("compute", 1, total)
    return cycle, before, sql, excluded


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
    if CONFIG.fault_compute_crash_after_parts == parts_done:
        os._exit(70)


def _end(cycle: PaymentCycle, actor: str, before: dict[str, Any], sql: Compute, made: Made,
         excluded: int) -> PaymentCycle:
    """Inside a transaction holding the cycle: reissues, obligations left without an item
    (at most one item each, as a person has one current account: as many items as
    obligations means none lacks one), the status and the audit entry."""
    items = made.items + sql.reissues()
    if made.items < made.obligations:
        excluded += sql.without_account()
    cycle.status = CycleStatus.COMPUTED
    cycle.computed_by = actor
    cycle.computed_at = timezone.now()
    cycle.save(update_fields=["status", "computed_by", "computed_at"])
    audit.record(actor, "cycle.compute", "payment_cycle", cycle.pk, before=before,
                 after={"status": cycle.status, "items": items, "exclusions": excluded})
    return cycle


def computed_counts(cycle: PaymentCycle) -> tuple[int, int]:
    """(items, exclusions) of the cycle's last compute, as it recorded them in the audit
    trail: counting a province's million items again takes a second."""
    after = audit.last_after("payment_cycle", cycle.pk, "cycle.compute")
    if not after:
        return 0, 0
    return int(after["items"]), int(after["exclusions"])


@transaction.atomic
def approve_cycle(cycle_id: int, actor: str) -> PaymentCycle:
    """Maker–checker: the approver must not be the user who computed."""
    cycle = _locked(cycle_id)
    _require(cycle, CycleStatus.COMPUTED)
    if actor == cycle.computed_by:
        raise PaymentError("maker_checker",
                           "Người duyệt phải khác người đã tính kỳ chi trả.",
                           "The approver must be a different user from the one who computed.")
    cycle.status = CycleStatus.APPROVED
    cycle.approved_by = actor
    cycle.approved_at = timezone.now()
    cycle.save(update_fields=["status", "approved_by", "approved_at"])
    audit.record(actor, "cycle.approve", "payment_cycle", cycle.pk,
                 after={"status": cycle.status, "computed_by": cycle.computed_by})
    return cycle


@transaction.atomic
def close_cycle(cycle_id: int, actor: str) -> PaymentCycle:
    cycle = _locked(cycle_id)
    _require(cycle, CycleStatus.EXPORTED, CycleStatus.RECONCILING)
    cycle.status = CycleStatus.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    audit.record(actor, "cycle.close", "payment_cycle", cycle.pk, after={"status": "closed"})
    return cycle
