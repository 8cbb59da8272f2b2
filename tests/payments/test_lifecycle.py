"""The cycle's state machine: which step may start from which status (the use cases refuse
the others and change nothing), the status each step leaves, and the buttons a cycle's page
offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from chitra.access.models import Role
from chitra.core.models import AuditEntry
from chitra.payments import lifecycle, services
from chitra.payments.errors import PaymentError
from chitra.payments.lifecycle import Step
from chitra.payments.models import (
    CyclePaymentDay,
    CycleStatus,
    Obligation,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
)
from tests import factories as f
from tests.payments.factories import computed_cycle

S = CycleStatus

# The table, written out here as the design states it (DESIGN §8), not read from lifecycle.
MAY_START_FROM = {
    Step.COMPUTE: {S.OPEN, S.COMPUTING, S.COMPUTED},
    Step.APPROVE: {S.COMPUTED},
    Step.EXPORT: {S.APPROVED, S.EXPORTED, S.RECONCILING},
    Step.CASH_LISTS: {S.EXPORTED, S.RECONCILING, S.CLOSED},
    Step.CLOSE: {S.EXPORTED, S.RECONCILING},
}
# step → {status before: status after}
LEAVES = {
    Step.COMPUTE: {S.OPEN: S.COMPUTED, S.COMPUTING: S.COMPUTED, S.COMPUTED: S.COMPUTED},
    Step.APPROVE: {S.COMPUTED: S.APPROVED},
    Step.EXPORT: {S.APPROVED: S.EXPORTED, S.EXPORTED: S.EXPORTED,
                  S.RECONCILING: S.RECONCILING},
    Step.CLOSE: {S.EXPORTED: S.CLOSED, S.RECONCILING: S.CLOSED},
}
# The statuses from which the step moves (and stamps) the cycle: exporting an exported or
# reconciling cycle again leaves it as it was.
MOVES = {Step.COMPUTE: {S.OPEN, S.COMPUTING, S.COMPUTED}, Step.APPROVE: {S.COMPUTED},
         Step.EXPORT: {S.APPROVED}, Step.CLOSE: {S.EXPORTED, S.RECONCILING}}
# What the step stamps on the cycle when it moves it.
STAMP = {Step.COMPUTE: "computed_at", Step.APPROVE: "approved_at",
         Step.EXPORT: "exported_at", Step.CLOSE: "closed_at"}

# Each step as its use case, run by a user who may (the approver did not compute).
USE_CASE: dict[Step, Callable[[int], Any]] = {
    Step.COMPUTE: lambda pk: services.compute_cycle(pk, "officer"),
    Step.APPROVE: lambda pk: services.approve_cycle(pk, "approver"),
    Step.EXPORT: lambda pk: services.export_cycle(pk, "officer"),
    Step.CASH_LISTS: lambda pk: services.write_cash_lists(pk, "officer"),
    Step.CLOSE: lambda pk: services.close_cycle(pk, "officer"),
}

EVERY = [(step, status) for step in Step for status in S]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def in_status(status: CycleStatus) -> PaymentCycle:
    """A computed cycle with one item, put in ``status``."""
    f.beneficiary("Lò Văn Pọm")
    cycle = computed_cycle()
    PaymentCycle.objects.filter(pk=cycle.pk).update(status=status)
    cycle.refresh_from_db()
    return cycle


def snapshot(cycle: PaymentCycle) -> dict[str, object]:
    return {
        "cycle": PaymentCycle.objects.filter(pk=cycle.pk).values().get(),
        "items": sorted(PaymentItem.objects.filter(cycle=cycle).values_list("id", flat=True)),
        "obligations": Obligation.objects.filter(cycle=cycle).count(),
        "days": CyclePaymentDay.objects.filter(cycle=cycle).count(),
        "files": PaymentFile.objects.filter(cycle=cycle).count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_table_covers_every_step():
    assert set(lifecycle.ALLOWED_FROM) == set(Step)


@pytest.mark.parametrize(("step", "status"), EVERY)
def test_a_step_starts_only_from_its_statuses(step, status):
    cycle = PaymentCycle(province_code="12", period=timezone.localdate().replace(day=1),
                         status=status)
    allowed = status in MAY_START_FROM[step]
    assert lifecycle.allows(cycle, step) is allowed
    if allowed:
        lifecycle.require_step(cycle, step)
    else:
        with pytest.raises(PaymentError) as refused:
            lifecycle.require_step(cycle, step)
        assert refused.value.code == "cycle_state"
        assert status in refused.value.message_en


@pytest.mark.parametrize(("step", "status"),
                         [(step, status) for step, status in EVERY
                          if status not in MAY_START_FROM[step]])
def test_a_use_case_refused_by_the_status_changes_nothing(step, status):
    cycle = in_status(status)
    before = snapshot(cycle)
    with pytest.raises(PaymentError) as refused:
        USE_CASE[step](cycle.pk)
    assert refused.value.code == "cycle_state"
    assert snapshot(cycle) == before


@pytest.mark.parametrize(("step", "status"),
                         [(step, before) for step, moves in LEAVES.items() for before in moves])
def test_the_status_a_step_leaves(step, status):
    cycle = in_status(status)
    stamp = STAMP[step]
    at = timezone.now()
    to = LEAVES[step][status]
    moved = lifecycle.advance(cycle, step, **{stamp: at})
    cycle.refresh_from_db()
    assert cycle.status == to
    # A step that does not move the cycle (exporting it again) leaves its stamps alone too.
    assert moved is (status in MOVES[step])
    assert (getattr(cycle, stamp) == at) is moved


def test_only_the_steps_in_the_table_move_a_cycle():
    assert {step: set(changes) for step, (changes, _to) in lifecycle.LEAVES.items()} == MOVES
    assert Step.CASH_LISTS not in lifecycle.LEAVES  # cash lists leave the status as it is


def test_a_compute_in_parts_holds_the_cycle_computing_until_it_ends():
    cycle = in_status(S.OPEN)
    lifecycle.start_computing(cycle)
    assert PaymentCycle.objects.get(pk=cycle.pk).status == S.COMPUTING
    assert not lifecycle.allows(cycle, Step.APPROVE)
    lifecycle.require_computing(cycle)
    PaymentCycle.objects.filter(pk=cycle.pk).update(status=S.COMPUTED)
    cycle.refresh_from_db()
    with pytest.raises(PaymentError) as refused:
        lifecycle.require_computing(cycle)
    assert refused.value.code == "cycle_state"


@pytest.mark.parametrize("status", list(S))
def test_only_an_exported_cycle_starts_reconciling(status):
    cycle = in_status(status)
    assert lifecycle.mark_reconciling([cycle.pk]) == (status == S.EXPORTED)
    expected = S.RECONCILING if status == S.EXPORTED else status
    assert PaymentCycle.objects.get(pk=cycle.pk).status == expected


BUTTONS = {Step.COMPUTE: "btn-compute", Step.APPROVE: "btn-approve",
           Step.EXPORT: "btn-export", Step.CLOSE: "btn-close"}


@pytest.mark.parametrize("status", list(S))
def test_the_cycle_page_offers_the_steps_the_status_allows(login, status):
    cycle = in_status(status)
    page = login(f.user(Role.BHXH_APPROVER)).get(reverse("payment_cycle", args=[cycle.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    shown = {step for step, button in BUTTONS.items() if f'id="{button}"' in html}
    assert shown == {step for step in BUTTONS if lifecycle.allows(cycle, step)}
    assert shown == {step for step in BUTTONS if status in MAY_START_FROM[step]}
    if status == S.COMPUTED:
        assert 'id="btn-approve" disabled' not in html  # another user computed
