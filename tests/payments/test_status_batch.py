"""Several status files in one run: on PostgreSQL two at a time where they cannot meet, with
the outcome of applying them one by one in the order given."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from chitra.access.models import Role
from chitra.payments import export, statusbatch
from chitra.payments.models import ItemStatus, PaymentFile, PaymentItem, StatusFile
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import camt054, pain002

pytestmark = pytest.mark.usefixtures("paying_office")


@pytest.fixture
def two_banks(tmp_path):
    """Two BIDV transfers and one Agribank transfer, exported: one payment file per bank."""
    for name, bank, account in (("Tẩn Thị Mẩy", "BIDV", "123456789012"),
                                ("Vàng A Sử", "BIDV", "123456789013"),
                                ("Nguyễn Văn Đức", "Agribank", "1234567890123")):
        f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name=bank,
                      account_number=account, amount=4_200_000)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV")
    agri = PaymentFile.objects.get(cycle=cycle, provider__short_name="Agribank")
    first, second = PaymentItem.objects.filter(cycle=cycle, provider__short_name="BIDV") \
        .order_by("id")
    return bidv, agri, first, second, PaymentItem.objects.get(cycle=cycle,
                                                              provider__short_name="Agribank")


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer at a time: the files are applied one by one")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_files_of_different_payment_files_apply_at_once_and_others_in_turn(
        two_banks, tmp_path, monkeypatch):
    bidv, agri, first, second, agri_item = two_banks
    files = {
        "a1.xml": pain002(bidv.msg_id, [(first.end_to_end_id, "ACSP", None, None)]),
        "b1.xml": pain002(agri.msg_id, [(agri_item.end_to_end_id, "ACSC", None, None)]),
        "a2.xml": pain002(bidv.msg_id, [(first.end_to_end_id, "ACSC", None, None),
                                        (second.end_to_end_id, "RJCT", "AC01", None)]),
        "c.xml": camt054([(agri_item.end_to_end_id, agri_item.amount, True, "AC04")]),
    }
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    apply = statusbatch.ingest_status_file
    both_in_flight = threading.Barrier(2, timeout=20)
    spans: dict[str, tuple[float, float]] = {}

    def watched(path, user, **kwargs):
        start = time.monotonic()
        if path.name in ("a1.xml", "b1.xml"):
            both_in_flight.wait()  # broken (and the run fails) unless the two overlap
        result = apply(path, user, **kwargs)
        spans[path.name] = (start, time.monotonic())
        return result

    monkeypatch.setattr(statusbatch, "ingest_status_file", watched)
    results = list(statusbatch.ingest_status_files(paths, f.user(Role.BHXH_OFFICER)))

    assert [r.file_name for r in results] == list(files)
    assert [(r.problems, r.applied) for r in results] == [([], 1), ([], 1), ([], 2), ([], 1)]
    assert spans["a2.xml"][0] >= spans["a1.xml"][1]  # the same payment file: after a1
    assert spans["c.xml"][0] >= max(end for _, end in spans.values() if end != spans["c.xml"][1])
    statuses = {i.pk: i.current_status for i in PaymentItem.objects.all()}
    assert statuses == {first.pk: ItemStatus.PAID, second.pk: ItemStatus.REJECTED,
                        agri_item.pk: ItemStatus.RETURNED}
    assert StatusFile.objects.count() == 4
