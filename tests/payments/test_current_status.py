"""An item's current status has one definition (``payments.models.current_status_sql``):
the queryset filter, the model property and the status loader agree on every (stored
status, cycle sent or not) pair."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from chitra.payments.models import (
    ItemStatus,
    PaymentCycle,
    PaymentItem,
    StatusSource,
    current_status,
)
from chitra.payments.queries import summary_rows
from chitra.payments.status import stage
from chitra.payments.status.read import Staged
from tests import factories as f
from tests.payments.factories import NOV, computed_cycle

SENT_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
PAIRS = [(stored, sent) for stored in ItemStatus for sent in (False, True)]


@pytest.fixture
def item() -> PaymentItem:
    f.beneficiary("Lò Văn Pọm")
    computed_cycle(NOV)
    return PaymentItem.objects.get()


def _set(item: PaymentItem, stored: ItemStatus, sent: bool) -> None:
    PaymentItem.objects.filter(pk=item.pk).update(status=stored)
    PaymentCycle.objects.filter(pk=item.cycle_id).update(sent_at=SENT_AT if sent else None)


def _loader_sees(item: PaymentItem) -> str:
    """The status the loader decides a status line from (its ``from_status``)."""
    staged = Staged(lines=1, codes={"ACSC"})
    with stage.staging(), connection.cursor() as c:
        c.execute(f"INSERT INTO {stage.LINES} (n, line_no, e2e, item_id, code, reason, amount, "
                  "msg_id, grp) VALUES (1, 1, '', %s, 'ACSC', '', NULL, NULL, TRUE)", [item.pk])
        stage.decide("TRUE", [], staged, {}, StatusSource.PAIN002)
        c.execute(f"SELECT from_status FROM {stage.STEPS}")
        (seen,) = c.fetchone()
    return str(seen)


@pytest.mark.parametrize(("stored", "sent"), PAIRS)
def test_filter_property_and_loader_agree(item, stored, sent):
    _set(item, stored, sent)
    expected = ItemStatus.SENT if stored == ItemStatus.PENDING and sent else stored
    assert current_status(stored, sent) == expected
    fresh = PaymentItem.objects.select_related("cycle").get(pk=item.pk)
    assert fresh.current_status == expected
    items = PaymentItem.objects.filter(pk=item.pk)
    assert [s for s in ItemStatus if items.in_status(s).exists()] == [expected]
    assert items.in_status(*ItemStatus).count() == 1
    assert _loader_sees(item) == expected
    assert [r[1] for r in summary_rows(fresh.cycle)[:-1]] == [expected]


def test_no_status_matches_nothing(item):
    assert not PaymentItem.objects.in_status().exists()
