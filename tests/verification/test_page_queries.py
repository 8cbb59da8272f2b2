"""The verification pages ask the database a fixed number of times, however many batches,
results and reviews there are."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chitra.verification import services
from chitra.verification.adapters import InMemoryPopulationAdapter
from chitra.verification.models import AdapterKind, VerificationResult
from tests import factories as f

PAGES = ["/verification/", "/verification/{batch}/", "/verification/review/",
         "/verification/due/"]


def _verify(officer, people, differing):
    """A batch of Lai Châu where ``differing`` people's names differ and the rest match."""
    from dataclasses import replace

    from tests.verification.test_pages import record

    population = {p.citizen_id: record(p) for p in people}
    for p in differing:
        population[p.citizen_id] = replace(record(p), full_name="Nguyen Khac Han")
    batch = services.create_batch(f.LAI_CHAU, AdapterKind.SIM, officer)
    return services.run_batch(batch.pk, InMemoryPopulationAdapter(population))


def _counts(client, batch) -> list[int]:
    counts = []
    for page in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page.format(batch=batch.pk)).status_code == 200
        counts.append(len(queries))
    return counts


def test_the_pages_do_not_ask_once_per_row(login, lai_chau, dien_bien, settings):
    settings.CHITRA_POPULATION_SIMULATOR = True
    client = login(lai_chau.officer)
    few = [f.beneficiary("Lò Văn Pọm", dob=date(1950, 1, 1 + i)) for i in range(3)]
    first = _verify(lai_chau.officer, few, few[:1])
    small = _counts(client, first)
    many = [f.beneficiary("Tẩn Thị Mẩy", dob=date(1951, 1, 1 + i)) for i in range(25)]
    second = _verify(lai_chau.officer, few + many, many[:20])
    assert VerificationResult.objects.filter(batch=second).count() == 28
    assert _counts(client, second) == small
