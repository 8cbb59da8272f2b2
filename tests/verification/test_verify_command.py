"""``chitra verify_population`` (issue 16, item 5): a batch queued as a background task, or
run here with ``--wait``; with ``--adapter sim`` the simulator answers over a real socket."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chitra.access.models import User
from chitra.core.errors import NotInScope
from chitra.registry.models import Beneficiary, BeneficiaryStatus
from chitra.registry.seeding import seed_demo
from chitra.verification import exchange, run, tasks
from chitra.verification.models import BatchStatus, VerificationBatch, VerificationResult
from chitra.verification.outcomes import Outcome
from chitra.verification.population import PopulationRecord
from chitra.verification.simulator import PopulationSimulator, serving
from tests import factories as f

DEMO_PEOPLE = 150


@pytest.fixture
def demo(lai_chau, dien_bien) -> User:  # type: ignore[no-untyped-def]
    """The demo of Lai Châu, beside the test provinces' users; its officer."""
    seed_demo(f.LAI_CHAU, DEMO_PEOPLE, seed=1, today=timezone.localdate())
    f.beneficiary(province_code=f.DIEN_BIEN, ward_code=f.DIEN_BIEN_PHU)
    return lai_chau.officer


def _command(*args: str) -> str:
    out = StringIO()
    call_command("verify_population", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_simulated_run_on_the_demo_finds_every_planted_discrepancy(demo):
    # What the simulator will plant, computed the same way before the run changes anything.
    _, planted = run.simulated_population(f.LAI_CHAU, seed=4)
    assert planted
    out = _command("--adapter", "sim", "--wait", "--as", demo.username, "--seed", "4")
    batch = VerificationBatch.objects.get()
    assert (batch.status, batch.people_done, batch.people_total) == (
        BatchStatus.DONE, DEMO_PEOPLE, DEMO_PEOPLE)
    found = dict(VerificationResult.objects.values_list("citizen_id", "outcome"))
    assert {cid: found[cid] for cid in planted} == {
        cid: kind.outcome for cid, kind in planted.items()}
    assert {o for cid, o in found.items() if cid not in planted} == {Outcome.MATCH}
    dead = [cid for cid, kind in planted.items() if kind.outcome == Outcome.DECEASED]
    assert set(Beneficiary.objects.filter(status=BeneficiaryStatus.DECEASED)
               .values_list("citizen_id", flat=True)) == set(dead)
    assert f"{DEMO_PEOPLE}/{DEMO_PEOPLE}" in out
    assert "done" in out
    assert not Beneficiary.objects.filter(province_code=f.DIEN_BIEN,
                                          verification_stamp__isnull=False).exists()


def test_without_wait_the_batch_is_queued_for_the_worker(demo):
    out = _command("--adapter", "sim", "--as", demo.username)
    batch = VerificationBatch.objects.get()
    assert batch.status == BatchStatus.QUEUED
    assert "db_worker" in out
    queued = DBTaskResult.objects.get()
    assert queued.args_kwargs["args"] == [batch.pk, 0]
    # What `chitra db_worker` does with it.
    assert tasks.run_verification_batch.call(batch.pk, 0) == BatchStatus.DONE
    assert VerificationResult.objects.filter(batch=batch).count() == DEMO_PEOPLE


def test_with_an_immediate_backend_the_task_runs_at_once(demo, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    out = _command("--adapter", "sim", "--as", demo.username)
    assert VerificationBatch.objects.get().status == BatchStatus.DONE
    assert "match" in out


def test_the_http_adapter_calls_the_configured_service(demo, settings):
    population = {check.citizen_id: PopulationRecord(check.citizen_id, check.full_name,
                                                     check.date_of_birth, check.sex,
                                                     check.ward_code)
                  for _, check in run.services.people_to_check(f.LAI_CHAU)}
    simulator = PopulationSimulator(population, "police-token")
    with serving(simulator) as url:
        settings.CHITRA_POPULATION_URL = url
        settings.CHITRA_POPULATION_TOKEN = "police-token"
        _command("--adapter", "http", "--wait", "--as", demo.username)
    assert set(VerificationResult.objects.values_list("outcome", flat=True)) == {Outcome.MATCH}
    assert simulator.requests[200] == 1


def test_an_unconfigured_service_fails_the_batch_clearly(demo, settings):
    settings.CHITRA_POPULATION_URL = ""
    with pytest.raises(CommandError) as failed:
        _command("--adapter", "http", "--wait", "--as", demo.username)
    assert failed.value.returncode == 1
    assert "CHITRA_POPULATION_URL" in str(failed.value)
    batch = VerificationBatch.objects.get()
    assert (batch.status, batch.error_code) == (BatchStatus.FAILED, "population_not_configured")
    assert not VerificationResult.objects.exists()


def test_the_file_path_writes_the_request_and_records_the_polices_answer(
        demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = _command("--adapter", "file", "--wait", "--as", demo.username)
    batch = VerificationBatch.objects.get()
    assert (batch.status, batch.people_total) == (BatchStatus.AWAITING_ANSWER, DEMO_PEOPLE)
    request = run.request_path(batch)
    assert str(request) in out
    # The police's side: they read the request and answer; one person died.
    asked = exchange.read_request(request).checks
    assert len(asked) == DEMO_PEOPLE
    dead = asked[0]
    answer = tmp_path / "tra-loi.xlsx"
    with answer.open("wb") as stream:
        exchange.write_answer(
            [exchange.AnswerRow(c.citizen_id, PopulationRecord(
                c.citizen_id, c.full_name, c.date_of_birth, c.sex, c.ward_code,
                death_date=date(2026, 11, 2) if c is dead else None)) for c in asked],
            stream, "xlsx", run.batch_ref(batch))
    done = run.record_answer_file(batch.pk, answer, demo)
    assert (done.recorded.results, done.reading.set_aside) == (DEMO_PEOPLE, [])
    batch.refresh_from_db()
    assert (batch.status, batch.people_done) == (BatchStatus.DONE, DEMO_PEOPLE)
    person = Beneficiary.objects.get(citizen_id=dead.citizen_id)
    assert (person.status, person.death_date) == (BeneficiaryStatus.DECEASED, date(2026, 11, 2))


def test_the_answer_file_is_refused_to_another_province(demo, settings, tmp_path, dien_bien):
    settings.MEDIA_ROOT = tmp_path / "media"
    _command("--adapter", "file", "--wait", "--as", demo.username)
    batch = VerificationBatch.objects.get()
    with pytest.raises(NotInScope):
        run.record_answer_file(batch.pk, tmp_path / "none.xlsx", dien_bien.officer)
    assert VerificationBatch.objects.get().status == BatchStatus.AWAITING_ANSWER


def test_a_user_who_may_not_verify_starts_nothing(demo, lai_chau, dien_bien):
    with pytest.raises(CommandError) as police:
        _command("--as", lai_chau.police.username)
    assert police.value.returncode == 2
    with pytest.raises(CommandError) as other:
        _command("--as", dien_bien.officer.username, "--province", f.LAI_CHAU)
    assert other.value.returncode == 2
    with pytest.raises(CommandError):
        _command("--as", "nobody")
    assert not VerificationBatch.objects.exists()


def test_a_service_url_the_client_refuses_fails_the_batch_clearly(demo, settings):
    settings.CHITRA_POPULATION_URL = "http://popdb.example.vn"  # the token in clear text
    settings.CHITRA_POPULATION_TOKEN = "police-token"
    with pytest.raises(CommandError):
        _command("--adapter", "http", "--wait", "--as", demo.username)
    batch = VerificationBatch.objects.get()
    assert (batch.status, batch.error_code) == (BatchStatus.FAILED, "population_not_configured")
