"""The compute and export tasks: progress on the cycle row, failures kept where the page
shows them, one step at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from chitra.core.models import AuditEntry
from chitra.payments import services, tasks
from chitra.payments.errors import PaymentError
from chitra.payments.models import CycleStatus, PaymentCycle, PaymentFile
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle


@pytest.fixture(autouse=True)
def _immediate_tasks_and_media(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people():
    f.beneficiary("Lò Văn Pọm")
    f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV")
    f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT, provider_name="Agribank")


def test_compute_task_reports_progress_and_clears_it_when_done(people):
    cycle = services.open_cycle("12", NOV, "officer")
    assert tasks.compute_cycle_task.call(cycle.pk, "officer") == "computed"
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPUTED
    assert (cycle.progress_step, cycle.progress_done, cycle.progress_total) == ("", 4, 4)


@pytest.mark.usefixtures("paying_office")
def test_export_task_reports_one_step_per_file(people):
    cycle = approved_cycle(NOV)
    seen: list[tuple[str, int, int]] = []
    write = services.progress_of(cycle.pk)

    def spy(step: str, done: int, total: int) -> None:
        seen.append((step, done, total))
        write(step, done, total)

    services.export_cycle(cycle.pk, "officer", progress=spy)
    assert seen == [("export", 1, 2), ("export", 2, 2)]
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_done == 2
    assert PaymentFile.objects.filter(cycle=cycle).count() == 2


def test_a_failed_task_keeps_its_reason_and_frees_the_cycle(people):
    cycle = approved_cycle(NOV)  # computing an approved cycle is refused
    with pytest.raises(PaymentError):
        tasks.compute_cycle_task.call(cycle.pk, "officer")
    cycle.refresh_from_db()
    assert cycle.progress_step == services.FAILED
    failure = services.last_failure(cycle)
    assert failure is not None
    assert failure["code"] == "cycle_state"
    assert failure["step"] == "compute"
    assert AuditEntry.objects.filter(action="cycle.task_failed").count() == 1


def test_submit_queues_once_and_runs(people):
    cycle = services.open_cycle("12", NOV, "officer")
    tasks.submit(tasks.COMPUTE, cycle.pk, "officer")
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPUTED
    assert AuditEntry.objects.filter(action="cycle.compute_queued").count() == 1


def test_submit_refuses_while_a_step_runs_or_in_the_wrong_state(people):
    cycle = services.open_cycle("12", NOV, "officer")
    with pytest.raises(PaymentError) as wrong_state:
        tasks.submit(tasks.EXPORT, cycle.pk, "officer")
    assert wrong_state.value.code == "cycle_state"
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step=tasks.COMPUTE)
    with pytest.raises(PaymentError) as running:
        tasks.submit(tasks.COMPUTE, cycle.pk, "officer")
    assert running.value.code == "task_running"
    assert PaymentCycle.objects.get(pk=cycle.pk).status == CycleStatus.OPEN


def test_a_failed_step_may_be_submitted_again(people):
    cycle = services.open_cycle("12", NOV, "officer")
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step=services.FAILED)
    tasks.submit(tasks.COMPUTE, cycle.pk, "officer")
    cycle.refresh_from_db()
    assert (cycle.status, cycle.progress_step) == (CycleStatus.COMPUTED, "")


# --- a step whose worker died ----------------------------------------------------------------

def _stuck(cycle: PaymentCycle, step: str = services.QUEUED, minutes: int = 16) -> None:
    PaymentCycle.objects.filter(pk=cycle.pk).update(
        progress_step=step, progress_at=timezone.now() - timedelta(minutes=minutes))


def test_submit_stamps_the_step(people, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    cycle = services.open_cycle("12", NOV, "officer")
    before = timezone.now()
    tasks.submit(tasks.COMPUTE, cycle.pk, "officer")  # queued, never run
    cycle.refresh_from_db()
    assert cycle.progress_step == services.QUEUED
    assert cycle.progress_at is not None
    assert cycle.progress_at >= before
    assert not services.is_stuck(cycle)


def test_a_stuck_step_is_released_and_may_run_again(people):
    cycle = services.open_cycle("12", NOV, "officer")
    _stuck(cycle, tasks.COMPUTE)
    cycle.refresh_from_db()
    assert services.is_stuck(cycle)
    with pytest.raises(PaymentError) as running:
        tasks.submit(tasks.COMPUTE, cycle.pk, "officer")
    assert running.value.code == "task_running"

    assert services.release_stuck_step(cycle.pk, "approver1") == tasks.COMPUTE
    cycle.refresh_from_db()
    assert cycle.progress_step == services.FAILED
    failure = services.last_failure(cycle)
    assert failure is not None
    assert (failure["code"], failure["step"], failure["released_by"]) == (
        "task_stuck", "compute", "approver1")
    tasks.submit(tasks.COMPUTE, cycle.pk, "officer")
    cycle.refresh_from_db()
    assert (cycle.status, cycle.progress_step) == (CycleStatus.COMPUTED, "")


@pytest.mark.parametrize(("step", "minutes", "code"), [
    (tasks.EXPORT, 14, "task_running"),  # reported 14 minutes ago: maybe alive
    ("", 60, "no_task"),  # nothing running
    (services.FAILED, 60, "no_task"),
])
def test_a_live_or_absent_step_is_not_released(people, step, minutes, code):
    cycle = services.open_cycle("12", NOV, "officer")
    _stuck(cycle, step, minutes)
    with pytest.raises(PaymentError) as refused:
        services.release_stuck_step(cycle.pk, "officer")
    assert refused.value.code == code
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_step == step
    assert not AuditEntry.objects.filter(action="cycle.task_failed").exists()


@pytest.mark.skipif(not connection.features.has_select_for_update_nowait,
                    reason="SQLite has no row locks: one writer at a time")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_step_holding_the_cycle_lock_is_not_released():
    """Compute holds the cycle's row lock and reports only at commit: silent is not dead."""
    cycle = services.open_cycle("12", NOV, "officer")
    _stuck(cycle, tasks.COMPUTE)
    worker = connections.create_connection("default")
    try:
        with worker.cursor() as c:
            c.execute("BEGIN")
            c.execute("SELECT id FROM payments_paymentcycle WHERE id = %s FOR UPDATE",
                      [cycle.pk])
            with pytest.raises(PaymentError) as refused:
                services.release_stuck_step(cycle.pk, "officer")
            c.execute("ROLLBACK")
    finally:
        worker.close()
    assert refused.value.code == "task_running"
    assert services.release_stuck_step(cycle.pk, "officer") == tasks.COMPUTE
