"""A batch whose worker died does not keep its province from verifying again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chitra.core.models import AuditEntry
from chitra.verification import services
from chitra.verification.models import AdapterKind, BatchStatus, VerificationBatch
from chitra.verification.outcomes import Outcome, PersonAnswer
from tests import factories as f


def _running(officer, minutes_silent: int) -> VerificationBatch:  # type: ignore[no-untyped-def]
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, officer)
    services.claim(batch.pk)
    VerificationBatch.objects.filter(pk=batch.pk).update(
        progress_at=timezone.now() - timedelta(minutes=minutes_silent))
    return VerificationBatch.objects.get(pk=batch.pk)


def test_a_running_batch_silent_for_an_hour_is_failed_and_a_new_one_starts(lai_chau,
                                                                            dien_bien):
    person = f.beneficiary()
    old = _running(lai_chau.officer, 61)
    theirs = services.create_batch(f.DIEN_BIEN, AdapterKind.FILE, dien_bien.officer)
    services.claim(theirs.pk)
    VerificationBatch.objects.filter(pk=theirs.pk).update(
        progress_at=timezone.now() - timedelta(hours=5))
    new = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    old.refresh_from_db()
    assert (old.status, old.error_code) == (BatchStatus.FAILED, "batch_stale")
    assert "1 giờ" in old.error_message
    assert "an hour" in old.error_message
    assert new.status == BatchStatus.QUEUED
    assert AuditEntry.objects.filter(action="verification.batch_stale",
                                     object_id=str(old.pk)).exists()
    # Another province's silent batch is its own province's business.
    assert VerificationBatch.objects.get(pk=theirs.pk).status == BatchStatus.RUNNING
    # The old run, were it still alive, is refused at its next chunk.
    with pytest.raises(services.BatchRefused):
        services.record_answers(old, [PersonAnswer(person.citizen_id, Outcome.NOT_FOUND)])


def test_a_batch_that_recorded_a_chunk_lately_still_blocks(lai_chau):
    person = f.beneficiary()
    batch = _running(lai_chau.officer, 90)
    services.record_answers(batch, [PersonAnswer(person.citizen_id, Outcome.NOT_FOUND)])
    with pytest.raises(services.BatchRefused) as refused:
        services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    assert refused.value.code == "batch_open"
    assert VerificationBatch.objects.get(pk=batch.pk).status == BatchStatus.RUNNING


def test_a_queued_batch_never_taken_for_an_hour_is_failed(lai_chau):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    VerificationBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(minutes=61))
    services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    assert VerificationBatch.objects.get(pk=batch.pk).status == BatchStatus.FAILED


def test_a_batch_awaiting_the_police_waits_as_long_as_it_takes(lai_chau):
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    VerificationBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.AWAITING_ANSWER, started_at=timezone.now() - timedelta(days=20),
        progress_at=timezone.now() - timedelta(days=20))
    with pytest.raises(services.BatchRefused):
        services.create_batch(f.LAI_CHAU, AdapterKind.FILE, lai_chau.officer)
    assert VerificationBatch.objects.get(pk=batch.pk).status == BatchStatus.AWAITING_ANSWER
