# ruff: noqa: S608 - table names come from model metadata; values are parameters.
"""Payment-cycle use cases: open, compute, approve, close (DESIGN §8). One transaction each.

Compute is set-based SQL (INSERT … SELECT), never a Python loop over people.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from chitra.core import audit
from chitra.core.admin_units import current_provinces, current_wards
from chitra.core.models import AuditEntry
from chitra.payments import calendar
from chitra.payments.errors import PaymentError
from chitra.payments.models import (
    CycleExclusion,
    CyclePaymentDay,
    CycleStatus,
    ItemStatus,
    Obligation,
    PaymentCycle,
    PaymentItem,
)
from chitra.registry.models import Beneficiary, Benefit, PaymentAccount

Progress = Callable[[str, int, int], None]


def parse_period(text: str) -> date:
    """``2026-11`` → 1 Nov 2026; a clear error otherwise."""
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError as e:
        raise PaymentError("bad_period", f"Kỳ không hợp lệ: {text!r} (dạng YYYY-MM).",
                           f"Invalid period {text!r} (use YYYY-MM).") from e


def _month_end(period: date) -> date:
    return period.replace(day=_cal.monthrange(period.year, period.month)[1])


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


def _t(model: type) -> str:
    return model._meta.db_table  # type: ignore[attr-defined]


def _execute(sql: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def compute_cycle(cycle_id: int, actor: str, progress: Progress | None = None) -> PaymentCycle:
    """Create the month's obligations and one frozen item per payable obligation.

    Holds a lock on the cycle row: two computes of one cycle run one after the other, and
    the second replaces the first's items (the unique constraints make a duplicate impossible
    in any case).
    """
    step = progress or (lambda _s, _d, _t: None)
    with transaction.atomic():
        cycle = _locked(cycle_id)
        _require(cycle, CycleStatus.OPEN, CycleStatus.COMPUTED)
        if connection.vendor == "postgresql":  # hash joins of a province stay in memory
            _execute("SET LOCAL work_mem = '256MB'", {})
        before = {"status": cycle.status, "items": _clear_computation(cycle)}
        _ward_days(cycle)
        p = {"cycle": cycle.pk, "province": cycle.province_code, "start": cycle.period,
             "end": _month_end(cycle.period), "transfer": cycle.transfer_date,
             "active": "active", "monthly": "monthly", "one_time": "one_time",
             "open": "open", "pending": ItemStatus.PENDING.value, "cash": "cash"}
        step("compute", 0, 4)
        due = f"""
            FROM {_t(Benefit)} bf JOIN {_t(Beneficiary)} b ON b.id = bf.beneficiary_id
            WHERE b.province_code = %(province)s AND bf.start_date <= %(end)s
              AND ((bf."group" = %(monthly)s AND (bf.end_date IS NULL OR bf.end_date >= %(start)s))
                OR (bf."group" = %(one_time)s AND NOT EXISTS (
                      SELECT 1 FROM {_t(Obligation)} x WHERE x.benefit_id = bf.id)))"""
        # Two parts, each found through a partial index of the few not active.
        excluded = _execute(f"""
            INSERT INTO {_t(CycleExclusion)} (cycle_id, benefit_id, beneficiary_id, reason)
            SELECT %(cycle)s, bf.id, b.id, b.status {due} AND b.status <> %(active)s
            UNION ALL
            SELECT %(cycle)s, bf.id, b.id, 'suspended'
            {due} AND b.status = %(active)s AND bf.status <> %(active)s""", p)
        step("compute", 1, 4)
        obligations = _execute(f"""
            INSERT INTO {_t(Obligation)} (cycle_id, benefit_id, beneficiary_id, period, amount,
                                           status)
            SELECT %(cycle)s, bf.id, b.id, %(start)s, bf.amount, %(open)s
            {due} AND b.status = %(active)s AND bf.status = %(active)s""", p)
        # The planner must know this cycle's obligations are a million, not a handful: else
        # it joins the registry to them by a million index lookups.
        _execute(f"ANALYZE {_t(Obligation)}", {})
        step("compute", 2, 4)
        item_columns = """(cycle_id, obligation_id, beneficiary_id, replaces_id, full_name,
            citizen_id, ward_code, channel, provider_id, account_number, holder_name,
            payment_point_id, amount, payment_date, status, reason_code)"""
        frozen = f"""b.full_name, b.citizen_id, b.ward_code, a.channel, a.provider_id,
            a.account_number, a.holder_name,
            CASE WHEN a.channel = %(cash)s THEN b.payment_point_id END, o.amount,
            CASE WHEN a.channel = %(cash)s THEN COALESCE(d.payment_date, %(transfer)s)
                 ELSE %(transfer)s END, %(pending)s, ''
            FROM {_t(Obligation)} o
            JOIN {_t(Beneficiary)} b ON b.id = o.beneficiary_id
            JOIN {_t(PaymentAccount)} a ON a.beneficiary_id = b.id AND a.valid_to IS NULL
            LEFT JOIN {_t(CyclePaymentDay)} d ON d.cycle_id = %(cycle)s
                                              AND d.ward_code = b.ward_code"""
        items = _execute(f"""INSERT INTO {_t(PaymentItem)} {item_columns}
            SELECT %(cycle)s, o.id, b.id, NULL, {frozen}
            WHERE o.cycle_id = %(cycle)s""", p)
        # At most one item per obligation (one current account per person): as many items
        # as obligations means none lacks one.
        without_account = items < obligations
        step("compute", 3, 4)
        # Reissue: open obligations of earlier cycles whose attempts were all rejected or
        # returned get a new attempt here, with the account the registry holds now. (Items
        # are found by obligation in two partial indexes: closed, and live or paid.)
        items += _execute(f"""INSERT INTO {_t(PaymentItem)} {item_columns}
            SELECT %(cycle)s, o.id, b.id,
                   (SELECT MAX(r.id) FROM {_t(PaymentItem)} r
                    WHERE r.obligation_id = o.id AND r.closed),
                   {frozen}
            JOIN {_t(PaymentCycle)} oc ON oc.id = o.cycle_id
            WHERE oc.province_code = %(province)s AND o.period < %(start)s
              AND o.status = %(open)s AND b.status = %(active)s
              AND NOT EXISTS (SELECT 1 FROM {_t(PaymentItem)} i WHERE i.obligation_id = o.id
                              AND NOT i.closed)""", p)
        if without_account:
            excluded += _execute(f"""
                INSERT INTO {_t(CycleExclusion)} (cycle_id, benefit_id, beneficiary_id, reason)
                SELECT %(cycle)s, o.benefit_id, o.beneficiary_id, 'no_account'
                FROM {_t(Obligation)} o WHERE o.cycle_id = %(cycle)s AND NOT EXISTS (
                    SELECT 1 FROM {_t(PaymentItem)} i WHERE i.obligation_id = o.id
                    AND NOT i.closed)""", p)  # (this cycle's obligations have no closed item)
        step("compute", 4, 4)
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
    entry = (AuditEntry.objects.filter(object_type="payment_cycle", object_id=str(cycle.pk),
                                       action="cycle.compute").order_by("-id").first())
    if entry is None or not entry.after:
        return 0, 0
    return int(entry.after["items"]), int(entry.after["exclusions"])


def _clear_computation(cycle: PaymentCycle) -> int:
    """Drop what an earlier compute of this (unapproved) cycle made, and say how many items
    that was: by SQL, not by the ORM, which would load every row (millions) to look for what
    protects it — the database refuses the deletes if anything still names these rows
    (migrations 0008–0010)."""
    deleted = [_execute(f"DELETE FROM {_t(model)} WHERE cycle_id = %(cycle)s",
                        {"cycle": cycle.pk})
               for model in (PaymentItem, Obligation, CycleExclusion)]
    return deleted[0]


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
