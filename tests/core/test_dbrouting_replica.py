"""The aggregate pages read through the ``replica`` alias (issue 15, item 5): here a second
alias on the test database, a connection of its own that sees only what is committed, as a
replica does. PostgreSQL only: a test that commits on SQLite cannot be undone (its flush
deletes, and the audit log refuses deletes; PostgreSQL's truncates)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from chitra.access.models import Role
from chitra.core.dbrouting import REPLICA, reporting_db
from chitra.outreach import funnel, services
from chitra.registry.models import Beneficiary, BenefitType, Channel
from tests import factories as f

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="commits what it reads: PostgreSQL only"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True,
                          databases=[DEFAULT_DB_ALIAS, REPLICA]),
]


@pytest.fixture(scope="module", autouse=True)
def replica():
    """The ``replica`` alias as settings make it from ``DATABASE_REPLICA_URL`` (a test mirror
    of the primary), there before each test's database access is set up."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    connections.settings[REPLICA] = {**primary, "TEST": {**primary["TEST"],
                                                         "MIRROR": DEFAULT_DB_ALIAS}}
    try:
        yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def _people() -> None:
    f.beneficiary("Lò Thị Mai", channel=Channel.BANK_ACCOUNT)
    f.beneficiary("Nguyễn Văn Đức")
    f.beneficiary("Tao Văn Sơn", ward_code=f.TAN_PHONG, benefit_type=BenefitType.MATERNITY,
                  channel=Channel.EWALLET, provider_name="MoMo")


def _registry_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "registry_benefit" in q["sql"]]


def test_the_dashboard_reads_its_figures_from_the_replica(login):
    _people()
    client = login(f.user(Role.VIEWER))
    assert reporting_db() == REPLICA
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as read:
        response = client.get("/")
    summary = response.context["summary"]
    assert summary.beneficiaries == 3
    assert (summary.monthly.cashless, summary.monthly.total) == (1, 2)
    assert (summary.one_time.cashless, summary.one_time.total) == (1, 1)
    assert _registry_queries(read)  # the figures came from the replica…
    assert not _registry_queries(primary)  # …and none from the primary
    assert not [q for q in read.captured_queries
                if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_the_ward_funnel_and_targets_read_the_replica():
    _people()
    campaign = services.create_campaign(f.user(Role.BHXH_OFFICER), name="Chiến dịch 2026",
                                        starts_on=date(2020, 1, 1), ends_on=date(2030, 12, 31))
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as read:
        counts = funnel.funnel(campaign, f.DOAN_KET)
        progress = funnel.target_progress(campaign, f.DOAN_KET)
    assert counts.cash_at_start == 1
    assert (progress["monthly"].total, progress["monthly"].cashless) == (2, 1)
    assert not primary.captured_queries
    read_sql = [q["sql"] for q in read.captured_queries]
    assert any("outreach_contact" in sql for sql in read_sql)  # the funnel, one query
    assert any("outreach_wardtarget" in sql for sql in read_sql)  # the ward's targets


def test_a_row_read_on_the_replica_is_written_on_the_primary():
    _people()
    person = Beneficiary.objects.using(REPLICA).get(full_name="Nguyễn Văn Đức")
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, \
            CaptureQueriesContext(connections[REPLICA]) as read:
        person.street = "Tổ 9"
        person.save(update_fields=["street"])
    assert any(q["sql"].startswith("UPDATE") for q in primary.captured_queries)
    assert not read.captured_queries
    assert Beneficiary.objects.get(pk=person.pk).street == "Tổ 9"

