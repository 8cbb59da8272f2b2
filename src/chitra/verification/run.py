"""Running a verification batch by its exchange path (issue 16, item 5): what the background
task and ``chitra verify_population --wait`` do.

- ``sim``: the simulator (:mod:`chitra.verification.simulator`) serves a population derived
  from the province's beneficiaries, with planted discrepancies, on a loopback port of this
  process for the run; the HTTP adapter talks to it over a real socket.
- ``http``: the police's service, at ``settings.CHITRA_POPULATION_URL`` with the bearer
  token ``settings.CHITRA_POPULATION_TOKEN``.
- ``file``: the request file is written (:mod:`chitra.verification.exchange`) and the
  batch awaits the police's answer file, recorded by :func:`record_answer_file`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.verification import services
from chitra.verification.adapters.base import PopulationAdapter
from chitra.verification.adapters.http import HttpPopulationAdapter
from chitra.verification.models import AdapterKind, BatchStatus, VerificationBatch
from chitra.verification.population import PopulationRecord
from chitra.verification.simulator import (
    DEFAULT_MAX_BATCH,
    Planted,
    PopulationSimulator,
    population_from,
    serving,
)

REQUEST_FORMAT = "xlsx"


def simulated_population(province_code: str, seed: int, as_of: date | None = None
                         ) -> tuple[dict[str, PopulationRecord], dict[str, Planted]]:
    """The simulator's population for the province's people to verify, and what was
    planted in it (:func:`~chitra.verification.simulator.population_from`)."""
    checks = (check for _, check in services.people_to_check(province_code))
    return population_from(checks, seed, as_of=as_of)


def _not_configured() -> DomainError:
    return DomainError(
        "population_not_configured",
        "Chưa cấu hình địa chỉ và mã truy cập dịch vụ CSDL quốc gia về dân cư "
        "(CHITRA_POPULATION_URL, CHITRA_POPULATION_TOKEN).",
        "The population database service's URL and token are not configured "
        "(CHITRA_POPULATION_URL, CHITRA_POPULATION_TOKEN).")


@contextmanager
def adapter_for(batch: VerificationBatch, *, seed: int = 0) -> Iterator[PopulationAdapter]:
    """The adapter of the batch's exchange path, ready for the ``with`` block."""
    if batch.adapter_kind == AdapterKind.SIM:
        population, _planted = simulated_population(batch.province_code, seed)
        token = secrets.token_urlsafe(24)
        simulator = PopulationSimulator(population, token, max_batch=DEFAULT_MAX_BATCH)
        with serving(simulator) as url:
            yield HttpPopulationAdapter(url, token, max_batch=DEFAULT_MAX_BATCH)
    elif batch.adapter_kind == AdapterKind.HTTP:
        url = getattr(settings, "CHITRA_POPULATION_URL", "")
        token = getattr(settings, "CHITRA_POPULATION_TOKEN", "")
        if not url or not token:
            raise _not_configured()
        try:
            adapter = HttpPopulationAdapter(url, token)
        except ValueError as error:  # a URL or token the client refuses
            raise DomainError("population_not_configured", f"Cấu hình sai: {error}",
                              f"Wrong setup: {error}") from error
        yield adapter
    else:
        raise DomainError("adapter_kind_invalid", "Đợt trao đổi bằng tệp không có dịch vụ.",
                          "A file exchange batch has no service to call.")


def execute(batch_id: int, *, seed: int = 0,
            progress: services.Progress | None = None) -> VerificationBatch:
    """Run the batch by its exchange path; the batch as it ends (done, failed, or awaiting
    the police's answer file)."""
    batch = VerificationBatch.objects.get(pk=batch_id)
    if batch.adapter_kind == AdapterKind.FILE:
        return write_request_file(batch_id)
    try:
        with adapter_for(batch, seed=seed) as adapter:
            return services.run_batch(batch_id, adapter, progress=progress)
    except DomainError as error:  # the path could not be set up: nothing was asked
        if VerificationBatch.objects.filter(
                pk=batch_id, status__in=[BatchStatus.QUEUED, BatchStatus.FAILED]).exists():
            services.fail(batch_id, error)
        return VerificationBatch.objects.get(pk=batch_id)


# --- the file path ---------------------------------------------------------------------------

def _exchange() -> ModuleType:
    try:
        from chitra.verification import exchange
    except ImportError as error:  # pragma: no cover — exchange.py is built by another step
        raise DomainError("file_exchange_not_wired",
                          "Chưa có trao đổi tệp với công an.",
                          "The file exchange with the police is not wired yet.") from error
    return exchange


def batch_ref(batch: VerificationBatch) -> str:
    return f"DC-{batch.province_code}-{batch.pk:06d}"


def request_path(batch: VerificationBatch) -> Path:
    """Where the batch's request file is kept (not served by any URL)."""
    return (Path(settings.MEDIA_ROOT) / "verification" / str(batch.pk)
            / f"yeu-cau-doi-chieu-{batch.pk:06d}.{REQUEST_FORMAT}")


def write_request_file(batch_id: int) -> VerificationBatch:
    """Write the request file of a queued batch, which then awaits the police's answer."""
    exchange = _exchange()
    batch = services.claim(batch_id)
    if batch is None:
        return VerificationBatch.objects.get(pk=batch_id)
    path = request_path(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    skipped: list[int] = []
    try:
        with path.open("wb") as out:
            rows = exchange.write_request(
                (check for _, check in services.people_to_check(batch.province_code,
                                                                skipped=skipped)),
                out, REQUEST_FORMAT, batch_ref(batch))
    except ValueError as error:  # more people than a file holds
        path.unlink(missing_ok=True)
        services.fail(batch_id, DomainError("request_file_invalid", str(error), str(error)))
        return VerificationBatch.objects.get(pk=batch_id)
    VerificationBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.AWAITING_ANSWER, people_total=rows + len(skipped),
        people_done=len(skipped), people_skipped=len(skipped))
    return VerificationBatch.objects.get(pk=batch_id)


@dataclass
class AnswerFileOutcome:
    recorded: services.Recorded
    reading: Any  # exchange.AnswerReading: set-aside rows, people not mentioned


def record_answer_file(batch_id: int, path: Path, actor: User, *,
                       finish: bool = True) -> AnswerFileOutcome:
    """Read the police's answer file to a batch awaiting it (against what its request file
    asked) and record the answers (:func:`services.record_answers`); with ``finish``, the
    batch is then done. A file refused as a whole (``FileRefused``) changes nothing."""
    exchange = _exchange()
    batch = VerificationBatch.objects.get(pk=batch_id)
    services.may_answer(actor, batch)
    if batch.status != BatchStatus.AWAITING_ANSWER:
        raise services.BatchRefused("batch_state", "Đợt đối chiếu này không chờ kết quả.",
                                    "This verification batch is not awaiting answers.")
    asked = {c.citizen_id: c for c in exchange.read_request(request_path(batch),
                                                            batch_ref(batch)).checks}
    reading = exchange.read_answer(path, batch_ref(batch), asked,
                                   today=timezone.localdate())
    with transaction.atomic():
        recorded = services.record_answers(batch, reading.answers, actor=actor)
        services.audit_record(actor.username, "verification.answer_file", batch, after={
            "file": path.name, "answers": len(reading.answers),
            "set_aside": len(reading.set_aside), "missing": len(reading.missing)})
        if finish:
            services.finish_batch(batch_id, actor)
    return AnswerFileOutcome(recorded, reading)
