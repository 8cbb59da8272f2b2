"""The month's figures follow the status files while its cycle is being reconciled (issue 15):
a file that moved items queues a count of their cycle once it has committed, and the worker
counts it, out of the upload and of the file's transaction. A refused, duplicate or idle file
queues nothing; a failing count leaves the file applied; another province is not touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks_db.models import DBTaskResult

from chitra.access.models import Role
from chitra.payments.export import run as export
from chitra.payments.models import (
    CycleStatus,
    ItemStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    StatusFile,
)
from chitra.payments.signals import statuses_applied
from chitra.payments.status import batch
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import BenefitType, Channel
from chitra.reporting import kpi, tasks
from chitra.reporting.models import FigureRefresh, PaidFigure, PaidPeople
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import pain002

pytestmark = pytest.mark.usefixtures("paying_office")

MAI, SU = "Lò Thị Mai", "Vàng A Sử"


@pytest.fixture
def exported(tmp_path: Path) -> PaymentCycle:
    """November exported, nothing heard back yet: Mai and Sử by BIDV, Đức in cash."""
    f.beneficiary(MAI, channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789012", amount=4_200_000)
    f.beneficiary(SU, channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789013", amount=3_000_000)
    f.beneficiary("Nguyễn Văn Đức", amount=2_500_000)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    return cycle


@pytest.fixture
def queue(settings) -> list:
    """What is queued, not run: the worker is the test's to play."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    results = default_task_backend.results  # type: ignore[attr-defined]
    results.clear()
    return results


@pytest.fixture
def dien_bien_counted() -> list[tuple]:
    """Điện Biên's November, already counted."""
    PaidFigure.objects.create(period=NOV, province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU,
                              benefit_group="monthly", benefit_type=BenefitType.PENSION,
                              channel=Channel.CASH, provider=None, items=7, amount=21_000_000)
    PaidPeople.objects.create(period=NOV, province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU,
                              benefit_group="monthly", people=7, cashless=0)
    return _figures(f.DIEN_BIEN)


def _figures(province: str) -> list[tuple]:
    return [*PaidFigure.objects.filter(period=NOV, province_code=province).order_by("id")
            .values_list("ward_code", "benefit_type", "channel", "items", "amount"),
            *PaidPeople.objects.filter(period=NOV, province_code=province).order_by("id")
            .values_list("ward_code", "benefit_group", "people", "cashless")]


def _bank_file(cycle: PaymentCycle, path: Path, lines: dict[str, tuple[str, str | None]]) -> Path:
    items = {i.full_name: i for i in PaymentItem.objects.filter(cycle=cycle)}
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    path.write_bytes(pain002(bidv.msg_id, [(items[name].end_to_end_id, status, reason, None)
                                           for name, (status, reason) in lines.items()]))
    return path


def _run(queued: list) -> None:
    """What ``chitra db_worker`` does with each queued task."""
    for result in queued:
        result.task.call(*result.args, **result.kwargs)


def test_a_bank_file_queues_its_cycle_and_the_worker_counts_the_month(
        exported, queue, dien_bien_counted, tmp_path, django_capture_on_commit_callbacks):
    sts = _bank_file(exported, tmp_path / "sts.xml", {MAI: ("ACSC", None), SU: ("ACSP", None)})
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_status_file(sts, f.user(Role.BHXH_OFFICER))
        assert not queue  # not before the file's transaction commits
    assert (result.problems, result.applied) == ([], 2)
    assert [(r.task.name, r.args) for r in queue] == [
        ("refresh_reconciling_cycle_task", [exported.pk])]
    assert not PaidFigure.objects.filter(province_code=f.LAI_CHAU).exists()  # queued, not run

    _run(queue)
    assert _figures(f.LAI_CHAU) == [  # Mai paid by BIDV; Sử accepted, not yet paid
        (f.DOAN_KET, BenefitType.PENSION, Channel.BANK_ACCOUNT, 1, 4_200_000),
        (f.DOAN_KET, "monthly", 1, 1)]
    refresh = FigureRefresh.objects.get(province_code=f.LAI_CHAU)
    assert (refresh.period, refresh.items) == (NOV, 1)  # Sử accepted, not yet paid
    assert _figures(f.DIEN_BIEN) == dien_bien_counted
    exported.refresh_from_db()
    assert exported.status == CycleStatus.RECONCILING  # counting does not close it


def test_a_refused_file_queues_nothing(exported, queue, tmp_path,
                                       django_capture_on_commit_callbacks):
    sts = tmp_path / "sts.xml"
    sts.write_bytes(pain002("NOT-OUR-FILE", [(PaymentItem.objects.get(
        full_name=MAI).end_to_end_id, "ACSC", None, None)]))
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        result = ingest_status_file(sts, f.user(Role.BHXH_OFFICER))
    assert result.problems
    assert (hooks, queue) == ([], [])
    assert PaymentItem.objects.get(full_name=MAI).current_status == ItemStatus.SENT


def test_a_duplicate_or_a_file_that_moves_nothing_queues_nothing(
        exported, queue, tmp_path, django_capture_on_commit_callbacks):
    officer = f.user(Role.BHXH_OFFICER)
    sts = _bank_file(exported, tmp_path / "sts.xml", {MAI: ("ACSC", None)})
    ingest_status_file(sts, officer)
    again = _bank_file(exported, tmp_path / "again.xml", {MAI: ("ACSC", None)})
    again.write_bytes(again.read_bytes().replace(b"10:00:00", b"11:00:00"))  # other bytes
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        duplicate = ingest_status_file(sts, officer)
        same_news = ingest_status_file(again, officer)
    assert duplicate.duplicate
    assert (same_news.problems, same_news.applied, same_news.unchanged) == ([], 0, 1)
    assert (hooks, queue) == ([], [])


def test_several_files_of_a_run_queue_their_cycle_once(exported, queue, tmp_path,
                                                       django_capture_on_commit_callbacks):
    first = _bank_file(exported, tmp_path / "a.xml", {MAI: ("ACSP", None)})
    second = _bank_file(exported, tmp_path / "b.xml", {MAI: ("ACSC", None), SU: ("ACSC", None)})
    with django_capture_on_commit_callbacks(execute=True):
        results = list(batch.ingest_status_files([first, second], f.user(Role.BHXH_OFFICER)))
    assert [(r.problems, r.applied) for r in results] == [([], 1), ([], 2)]
    assert [r.args for r in queue] == [[exported.pk]]
    _run(queue)
    assert FigureRefresh.objects.get().items == 2


def test_a_count_already_waiting_is_not_queued_again(exported, settings, tmp_path,
                                                     django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    officer = f.user(Role.BHXH_OFFICER)

    def waiting() -> list[list[int]]:
        return [r.args_kwargs["args"] for r in DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=tasks.refresh_reconciling_cycle_task
            .module_path)]

    other = exported.pk + 1000
    DBTaskResult.objects.create(  # another cycle's count waits: it does not stand for ours
        args_kwargs={"args": [other], "kwargs": {}}, backend_name="default",
        task_path=tasks.refresh_reconciling_cycle_task.module_path,
        run_after=timezone.now())
    files = [_bank_file(exported, tmp_path / f"{n}.xml", {who: (code, None)})
             for n, who, code in (("a", MAI, "ACSP"), ("b", SU, "ACSP"), ("c", MAI, "ACSC"))]
    for sts in files[:2]:  # two files, each its own upload and commit
        with django_capture_on_commit_callbacks(execute=True):
            assert ingest_status_file(sts, officer).applied == 1
    assert sorted(waiting()) == sorted([[other], [exported.pk]])
    # A worker takes it: the next file's statuses need a count of their own.
    DBTaskResult.objects.filter(args_kwargs__args=[exported.pk]).update(
        status=TaskResultStatus.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_status_file(files[2], officer).applied == 1
    assert sorted(waiting()) == sorted([[other], [exported.pk]])
    assert DBTaskResult.objects.filter(args_kwargs__args=[exported.pk]).count() == 2


def test_a_failing_listener_leaves_the_file_applied(exported, queue, tmp_path,
                                                     django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("the queue is down")

    statuses_applied.connect(broken, dispatch_uid="test.broken")
    try:
        sts = _bank_file(exported, tmp_path / "sts.xml", {MAI: ("ACSC", None)})
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest_status_file(sts, f.user(Role.BHXH_OFFICER))
    finally:
        statuses_applied.disconnect(dispatch_uid="test.broken")
    assert (result.problems, result.applied) == ([], 1)
    assert PaymentItem.objects.get(full_name=MAI).current_status == ItemStatus.PAID
    assert [r.args for r in queue] == [[exported.pk]]  # the other listener still queued


def test_a_failing_count_leaves_the_file_applied(exported, settings, tmp_path, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def broken(cycle_id, actor, **kwargs):
        raise RuntimeError("the count failed")

    monkeypatch.setattr(kpi, "refresh_cycle", broken)
    sts = _bank_file(exported, tmp_path / "sts.xml", {MAI: ("ACSC", None)})
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_status_file(sts, f.user(Role.BHXH_OFFICER))
    assert (result.problems, result.applied) == ([], 1)
    assert PaymentItem.objects.get(full_name=MAI).current_status == ItemStatus.PAID
    assert StatusFile.objects.count() == 1
    assert not FigureRefresh.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the files commit for real, with audit rows: PostgreSQL only")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_counts_what_the_committed_files_paid(exported, dien_bien_counted,
                                                          tmp_path):
    first = _bank_file(exported, tmp_path / "a.xml", {MAI: ("ACSC", None)})
    second = _bank_file(exported, tmp_path / "b.xml", {SU: ("RJCT", "AC04")})
    refused = tmp_path / "c.xml"
    refused.write_bytes(pain002("NOT-OUR-FILE", [("X", "ACSC", None, None)]))
    results = list(batch.ingest_status_files([first, second, refused],
                                             f.user(Role.BHXH_OFFICER)))
    assert [(bool(r.problems), r.applied) for r in results] == [(False, 1), (False, 1),
                                                                (True, 0)]
    queued = DBTaskResult.objects.all()
    assert [(t.task_path, t.args_kwargs["args"]) for t in queued] == [
        (f"{tasks.__name__}.refresh_reconciling_cycle_task", [exported.pk])]

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    refresh = FigureRefresh.objects.get(province_code=f.LAI_CHAU)
    assert (refresh.period, refresh.items) == (NOV, 1)  # Mai paid; Sử rejected
    assert PaidPeople.objects.get(province_code=f.LAI_CHAU).people == 1
    assert _figures(f.DIEN_BIEN) == dien_bien_counted
