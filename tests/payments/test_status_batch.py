"""Several status files in one run: on PostgreSQL two at a time where they cannot meet, with
the outcome of applying them one by one in the order given."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from chitra.access.models import Role
from chitra.payments.errors import PaymentError
from chitra.payments.export import run as export
from chitra.payments.models import ItemStatus, PaymentFile, PaymentItem, StatusFile
from chitra.payments.status import batch, ingest
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
def test_files_of_different_payment_files_apply_at_once_and_what_follows_in_turn(
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
    apply = batch.ingest_status_file
    both_in_flight = threading.Barrier(2, timeout=20)
    a2_started = threading.Event()
    spans: dict[str, tuple[float, float]] = {}
    tails: dict[str, float] = {}  # when each file went past its items
    applying = threading.local()
    tail = ingest._one_file_past_its_items

    def watched_tail():
        tails[applying.name] = time.monotonic()
        tail()

    def watched(path, user, **kwargs):
        start = time.monotonic()
        applying.name = path.name
        if path.name == "a2.xml":
            a2_started.set()
        if path.name in ("a1.xml", "b1.xml"):
            both_in_flight.wait()  # broken (and the run fails) unless the two overlap
        result = apply(path, user, **kwargs)
        if path.name == "b1.xml":  # b1 lingers until a2 starts beside it
            a2_started.wait(20)
        spans[path.name] = (start, time.monotonic())
        return result

    monkeypatch.setattr(batch, "ingest_status_file", watched)
    monkeypatch.setattr(ingest, "_one_file_past_its_items", watched_tail)
    results = list(batch.ingest_status_files(paths, f.user(Role.BHXH_OFFICER)))

    assert [r.file_name for r in results] == list(files)
    assert [(r.problems, r.applied) for r in results] == [([], 1), ([], 1), ([], 2), ([], 1)]
    assert spans["a2.xml"][0] >= spans["a1.xml"][1]  # the same payment file: after a1
    # a2 rejects an item: it moves its items beside b1, and what follows once b1 ended.
    assert spans["a2.xml"][0] < spans["b1.xml"][1]
    assert tails["a2.xml"] >= spans["b1.xml"][1]
    assert spans["c.xml"][0] >= max(end for _, end in spans.values() if end != spans["c.xml"][1])
    statuses = {i.pk: i.current_status for i in PaymentItem.objects.all()}
    assert statuses == {first.pk: ItemStatus.PAID, second.pk: ItemStatus.REJECTED,
                        agri_item.pk: ItemStatus.RETURNED}
    assert StatusFile.objects.count() == 4


def test_a_file_that_fails_is_refused_with_the_reason_and_the_others_apply(
        two_banks, tmp_path, monkeypatch):
    bidv, agri, first, _, agri_item = two_banks
    (tmp_path / "a.xml").write_bytes(
        pain002(bidv.msg_id, [(first.end_to_end_id, "ACSC", None, None)]))
    (tmp_path / "b.xml").write_bytes(
        pain002(agri.msg_id, [(agri_item.end_to_end_id, "ACSC", None, None)]))
    apply = batch.ingest_status_file

    def moved_meanwhile(path, user, **kwargs):
        if path.name == "a.xml":
            raise PaymentError("items_changed", "Vừa thay đổi.", "Changed meanwhile.")
        return apply(path, user, **kwargs)

    monkeypatch.setattr(batch, "ingest_status_file", moved_meanwhile)
    a, b = batch.ingest_status_files([tmp_path / "a.xml", tmp_path / "b.xml"],
                                           f.user(Role.BHXH_OFFICER))
    assert (a.file_name, [p.code for p in a.problems], a.applied) == ("a.xml",
                                                                      ["items_changed"], 0)
    assert (b.problems, b.applied) == ([], 1)
    assert PaymentItem.objects.get(pk=first.pk).current_status == ItemStatus.SENT
    assert PaymentItem.objects.get(pk=agri_item.pk).current_status == ItemStatus.PAID


def test_cli_applies_nothing_when_a_file_is_missing(two_banks, tmp_path):
    bidv, _, first, _, _ = two_banks
    good = tmp_path / "a.xml"
    good.write_bytes(pain002(bidv.msg_id, [(first.end_to_end_id, "ACSC", None, None)]))
    f.user(Role.BHXH_OFFICER, username="canbo")
    with pytest.raises(CommandError, match="no such file"):
        call_command("ingest_status", str(good), str(tmp_path / "missing.xml"),
                     "--as", "canbo")
    assert not StatusFile.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer at a time: the files are applied one by one")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_file_that_ends_early_does_not_let_a_later_one_pass_an_earlier(
        two_banks, tmp_path, monkeypatch):
    """b's rejection waits for a (still running) although the file between them, a
    duplicate, ended at once."""
    bidv, agri, first, _, agri_item = two_banks
    officer = f.user(Role.BHXH_OFFICER)
    seen = tmp_path / "seen.xml"
    seen.write_bytes(pain002(agri.msg_id, [(agri_item.end_to_end_id, "ACSP", None, None)]))
    batch.ingest_status_file(seen, officer)  # applied before: the batch's copy is a duplicate
    files = {
        "a.xml": pain002(bidv.msg_id, [(first.end_to_end_id, "ACSC", None, None)]),
        "dup.xml": seen.read_bytes(),
        "b.xml": pain002(agri.msg_id, [(agri_item.end_to_end_id, "RJCT", "AC04", None)]),
    }
    paths = []
    for name, data in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(data)
    apply = batch.ingest_status_file
    ends: dict[str, float] = {}
    tails: dict[str, float] = {}
    applying = threading.local()
    tail = ingest._one_file_past_its_items

    def watched_tail():
        tails[applying.name] = time.monotonic()
        tail()

    def watched(path, user, **kwargs):
        applying.name = path.name
        result = apply(path, user, **kwargs)
        if path.name == "a.xml":
            time.sleep(1.5)  # a lingers, its transaction over: b must still wait for it
        ends[path.name] = time.monotonic()
        return result

    monkeypatch.setattr(batch, "ingest_status_file", watched)
    monkeypatch.setattr(ingest, "_one_file_past_its_items", watched_tail)
    results = list(batch.ingest_status_files(paths, officer))
    assert [r.duplicate for r in results] == [False, True, False]
    assert tails["b.xml"] >= ends["a.xml"]
    assert PaymentItem.objects.get(pk=agri_item.pk).current_status == ItemStatus.REJECTED
