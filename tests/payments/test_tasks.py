"""The compute and export tasks: progress on the cycle row, failures kept where the page
shows them, one step at a time."""

from __future__ import annotations

import pytest

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
    write = tasks._progress(cycle.pk)

    def spy(step: str, done: int, total: int) -> None:
        seen.append((step, done, total))
        write(step, done, total)

    tasks.export.export_cycle(cycle.pk, "officer", progress=spy)
    assert seen == [("export", 1, 2), ("export", 2, 2)]
    assert PaymentCycle.objects.get(pk=cycle.pk).progress_done == 2
    assert PaymentFile.objects.filter(cycle=cycle).count() == 2


def test_a_failed_task_keeps_its_reason_and_frees_the_cycle(people):
    cycle = approved_cycle(NOV)  # computing an approved cycle is refused
    with pytest.raises(PaymentError):
        tasks.compute_cycle_task.call(cycle.pk, "officer")
    cycle.refresh_from_db()
    assert cycle.progress_step == tasks.FAILED
    failure = tasks.last_failure(cycle)
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
    PaymentCycle.objects.filter(pk=cycle.pk).update(progress_step=tasks.FAILED)
    tasks.submit(tasks.COMPUTE, cycle.pk, "officer")
    cycle.refresh_from_db()
    assert (cycle.status, cycle.progress_step) == (CycleStatus.COMPUTED, "")
