"""The cycle's own use cases: open, compute, approve, close (DESIGN §8). One transaction
each, but a big province's compute, which commits in parts
(:mod:`chitra.payments.compute.run`). Every status they give goes through
:mod:`chitra.payments.lifecycle`.

Compute is set-based SQL (INSERT … SELECT, :mod:`chitra.payments.compute.sql`), never a
Python loop over people.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from chitra.core import audit
from chitra.core.admin_units import current_provinces
from chitra.payments import calendar, lifecycle, signals
from chitra.payments.compute import run as compute
from chitra.payments.errors import PaymentError
from chitra.payments.lifecycle import Step
from chitra.payments.models import PaymentCycle

Progress = compute.Progress


def parse_period(text: str) -> date:
    """``2026-11`` → 1 Nov 2026; a clear error otherwise."""
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError as e:
        raise PaymentError("bad_period", f"Kỳ không hợp lệ: {text!r} (dạng YYYY-MM).",
                           f"Invalid period {text!r} (use YYYY-MM).") from e


def get_cycle(province_code: str, period: date) -> PaymentCycle:
    try:
        return PaymentCycle.objects.get(province_code=province_code, period=period)
    except PaymentCycle.DoesNotExist:
        raise PaymentError("no_cycle", f"Chưa mở kỳ {period:%m/%Y} của tỉnh {province_code}.",
                           f"No cycle {period:%Y-%m} for province {province_code}.") from None


def _locked(cycle_id: int) -> PaymentCycle:
    return PaymentCycle.objects.select_for_update().get(pk=cycle_id)


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


def compute_cycle(cycle_id: int, actor: str, progress: Progress | None = None) -> PaymentCycle:
    """Create the month's obligations and one frozen item per payable obligation; audited
    ``cycle.compute`` with the items and exclusions made (see
    :func:`chitra.payments.compute.run.compute_cycle`: its transactions are its own)."""
    return compute.compute_cycle(cycle_id, actor, progress)


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
    lifecycle.require_step(cycle, Step.APPROVE)
    if actor == cycle.computed_by:
        raise PaymentError("maker_checker",
                           "Người duyệt phải khác người đã tính kỳ chi trả.",
                           "The approver must be a different user from the one who computed.")
    lifecycle.advance(cycle, Step.APPROVE, approved_by=actor, approved_at=timezone.now())
    audit.record(actor, "cycle.approve", "payment_cycle", cycle.pk,
                 after={"status": cycle.status, "computed_by": cycle.computed_by})
    return cycle


@transaction.atomic
def close_cycle(cycle_id: int, actor: str) -> PaymentCycle:
    cycle = _locked(cycle_id)
    lifecycle.require_step(cycle, Step.CLOSE)
    lifecycle.advance(cycle, Step.CLOSE, closed_at=timezone.now())
    audit.record(actor, "cycle.close", "payment_cycle", cycle.pk, after={"status": "closed"})
    signals.cycle_closed.send(sender=PaymentCycle, cycle_id=cycle.pk, actor=actor)
    return cycle
