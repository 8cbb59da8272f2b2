"""The payment cycle's state machine (DESIGN §8): which step may run from which status, and
the status each step leaves. The one place a cycle's status is assigned.

Services, export, the tasks that queue a step, the pages that show its button and
reconciliation all ask :func:`require_step` / :func:`allows`; only :func:`start_computing`,
:func:`advance` and :func:`mark_reconciling` write ``PaymentCycle.status``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from chitra.payments.errors import PaymentError
from chitra.payments.models import CycleStatus, PaymentCycle

S = CycleStatus


class Step(StrEnum):
    COMPUTE = "compute"
    APPROVE = "approve"
    EXPORT = "export"
    CASH_LISTS = "cash_lists"
    CLOSE = "close"


# Which statuses each step may start from. Compute may run again until approval (a big
# province's compute cut off while ``computing`` is simply run again); export may run again
# after it (phase 2 rewrites the same bytes); cash lists follow the export, even after close.
ALLOWED_FROM: dict[Step, frozenset[CycleStatus]] = {
    Step.COMPUTE: frozenset({S.OPEN, S.COMPUTING, S.COMPUTED}),
    Step.APPROVE: frozenset({S.COMPUTED}),
    Step.EXPORT: frozenset({S.APPROVED, S.EXPORTED, S.RECONCILING}),
    Step.CASH_LISTS: frozenset({S.EXPORTED, S.RECONCILING, S.CLOSED}),
    Step.CLOSE: frozenset({S.EXPORTED, S.RECONCILING}),
}

# The status a finished step leaves, from the statuses it changes (others stay as they are:
# exporting a reconciling cycle again keeps it reconciling).
LEAVES: dict[Step, tuple[frozenset[CycleStatus], CycleStatus]] = {
    Step.COMPUTE: (frozenset({S.OPEN, S.COMPUTING, S.COMPUTED}), S.COMPUTED),
    Step.APPROVE: (frozenset({S.COMPUTED}), S.APPROVED),
    Step.EXPORT: (frozenset({S.APPROVED}), S.EXPORTED),
    Step.CLOSE: (frozenset({S.EXPORTED, S.RECONCILING}), S.CLOSED),
}

# A cycle whose files went out: its items may be reported on, its reports downloaded.
EXPORTED = frozenset({S.EXPORTED, S.RECONCILING, S.CLOSED})

_REFUSALS = {
    Step.COMPUTE: ("Chỉ tính kỳ chưa được duyệt.", "Only a cycle not yet approved can be "
                   "computed."),
    Step.APPROVE: ("Chỉ duyệt kỳ đã tính xong.", "Only a computed cycle can be approved."),
    Step.EXPORT: ("Chỉ xuất tệp khi kỳ đã được duyệt.", "Only an approved cycle can be "
                  "exported."),
    Step.CASH_LISTS: ("Chỉ lập danh sách tiền mặt khi kỳ đã xuất tệp.",
                      "Cash lists are made once the cycle is exported."),
    Step.CLOSE: ("Chỉ đóng kỳ đã xuất tệp.", "Only an exported cycle can be closed."),
}


def allows(cycle: PaymentCycle, step: Step) -> bool:
    """Whether ``step`` may start from the cycle's status (a page's button state)."""
    return cycle.status in ALLOWED_FROM[step]


def require_step(cycle: PaymentCycle, step: Step) -> None:
    """Refuse ``step`` with a :class:`PaymentError` ``cycle_state`` unless the cycle's status
    allows it."""
    if allows(cycle, step):
        return
    vi, en = _REFUSALS[step]
    raise _refusal(cycle, vi, en)


def start_computing(cycle: PaymentCycle) -> None:
    """A compute in parts has begun (the caller holds the cycle): nothing may follow until
    its last part commits."""
    require_step(cycle, Step.COMPUTE)
    _set(cycle, S.COMPUTING)


def require_computing(cycle: PaymentCycle) -> None:
    """A compute in parts ends only on the cycle it left ``computing``."""
    if cycle.status != S.COMPUTING:
        raise _refusal(cycle, "Kỳ không còn ở trạng thái đang tính.",
                       "The cycle is no longer being computed.")


def advance(cycle: PaymentCycle, step: Step, **stamps: object) -> bool:
    """Give the cycle (locked by the caller) the status ``step`` leaves and its ``stamps``
    (who and when: ``approved_by=…, approved_at=…``), and save them; whether it moved. A
    cycle the step does not move (exporting a reconciling cycle again) is left as it is."""
    changes, to = LEAVES[step]
    if cycle.status not in changes:
        return False
    for name, value in stamps.items():
        setattr(cycle, name, value)
    _set(cycle, to, *stamps)
    return True


def mark_reconciling(cycle_ids: Iterable[int]) -> int:
    """The first status file about an exported cycle's items starts its reconciliation."""
    return PaymentCycle.objects.filter(id__in=list(cycle_ids), status=S.EXPORTED).update(
        status=S.RECONCILING)


def _set(cycle: PaymentCycle, status: CycleStatus, *fields: str) -> None:
    cycle.status = status
    cycle.save(update_fields=["status", *fields])


def _refusal(cycle: PaymentCycle, vi: str, en: str) -> PaymentError:
    return PaymentError(
        "cycle_state",
        f"Kỳ {cycle} đang ở trạng thái '{cycle.get_status_display()}'. {vi}",
        f"Cycle {cycle} is '{cycle.status}'. {en}")
