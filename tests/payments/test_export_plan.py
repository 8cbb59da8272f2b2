"""Export writes no item row: files are id ranges, "sent" is the cycle's, EndToEndIds derive."""

from __future__ import annotations

from datetime import date

import pytest
from django.forms.models import model_to_dict
from lxml import etree

from chitra.access.models import Role
from chitra.payments import ids, queries
from chitra.payments.export import run as export
from chitra.payments.models import (
    ItemStatus,
    PaymentFile,
    PaymentItem,
    StatusEvent,
    StatusException,
)
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import pain002

pytestmark = pytest.mark.usefixtures("paying_office")
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture
def people():
    """Four BIDV people, an Agribank one and a cash one (BIDV split at 3 per file)."""
    def bidv(name, account, amount):
        return f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                             account_number=account, amount=amount)
    out = [bidv("Tẩn Thị Mẩy", "123456789012", 4_200_000),
           f.beneficiary("Nguyễn Văn Đức", channel=Channel.BANK_ACCOUNT,
                         provider_name="Agribank", account_number="1234567890123"),
           bidv("Vàng A Sử", "123456789013", 5_000_000),
           f.beneficiary("Lò Văn Pọm", amount=3_100_000),
           bidv("Giàng Thị Dình", "123456789014", 6_000_000),
           bidv("Sùng A Páo", "123456789015", 1_500_000)]
    provider = f.provider("BIDV")
    provider.max_transactions_per_file = 3
    provider.save(update_fields=["max_transactions_per_file"])
    return out


def _rows(cycle):
    return [model_to_dict(i) for i in PaymentItem.objects.filter(cycle=cycle).order_by("id")]


def _e2e_in(path):
    return etree.parse(str(path)).xpath("//p:CdtTrfTxInf/p:PmtId/p:EndToEndId/text()",
                                        namespaces=NS)


def test_export_rewrites_no_item_and_marks_the_cycle_sent(people, tmp_path):
    cycle = approved_cycle(NOV)
    before = _rows(cycle)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    assert _rows(cycle) == before  # every stored column as compute left it
    cycle.refresh_from_db()
    assert cycle.sent_at is not None
    items = PaymentItem.objects.filter(cycle=cycle)
    assert items.in_status(ItemStatus.SENT).count() == 6
    assert not items.in_status(ItemStatus.PENDING).exists()
    assert {i.current_status for i in items} == {ItemStatus.SENT}


def test_approved_items_are_pending_until_the_plan_commits(people):
    cycle = approved_cycle(NOV)
    items = PaymentItem.objects.filter(cycle=cycle)
    assert items.in_status(ItemStatus.PENDING).count() == 6
    assert not items.in_status(ItemStatus.SENT).exists()
    assert all(i.end_to_end_id is None for i in items)


def test_files_are_id_ranges_of_their_provider(people, tmp_path):
    cycle = approved_cycle(NOV)
    result = export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    bidv = list(PaymentFile.objects.filter(cycle=cycle, provider__short_name="BIDV")
                .order_by("sequence"))
    ids_bidv = list(PaymentItem.objects.filter(cycle=cycle, provider__short_name="BIDV")
                    .order_by("id").values_list("id", flat=True))
    assert [(pf.first_item_id, pf.last_item_id, pf.tx_count) for pf in bidv] == [
        (ids_bidv[0], ids_bidv[2], 3), (ids_bidv[3], ids_bidv[3], 1)]
    assert [pf.control_sum for pf in bidv] == [15_200_000, 1_500_000]
    # Each file holds exactly its provider's items of its range, in id order.
    for pf in bidv:
        expected = [ids.end_to_end_id(NOV, i) for i in ids_bidv
                    if pf.first_item_id <= i <= pf.last_item_id]
        assert _e2e_in(result.out_dir / pf.file_name) == expected
        assert list(pf.items().values_list("id", flat=True).order_by("id")) == [
            ids.item_id_of(e) for e in expected]


def test_end_to_end_id_is_the_period_and_the_item_id(people, tmp_path):
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    for item in PaymentItem.objects.filter(cycle=cycle):
        assert item.end_to_end_id == f"CT202611{item.pk:012d}"
        assert ids.item_id_of(item.end_to_end_id) == item.pk


def test_a_reissue_inside_another_providers_range_is_not_in_its_file(people, tmp_path):
    """Reissues are numbered after the month's items, so ids of providers interleave."""
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    agri = PaymentFile.objects.get(cycle=cycle, provider__short_name="Agribank")
    PaymentItem.objects.filter(pk=agri.first_item_id).update(status=ItemStatus.REJECTED)
    late = PaymentItem.objects.get(pk=agri.first_item_id)
    late.pk, late.status, late.replaces_id = None, ItemStatus.PENDING, agri.first_item_id
    late.save()  # an item of the same cycle numbered after every file's range
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV", sequence=2)
    PaymentFile.objects.filter(pk=bidv.pk).update(last_item_id=late.pk)
    bidv.refresh_from_db()
    assert late.pk not in set(bidv.items().values_list("id", flat=True))


def test_status_line_in_another_file_of_the_same_bank_is_held(people, tmp_path):
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    first, second = PaymentFile.objects.filter(cycle=cycle, provider__short_name="BIDV") \
        .order_by("sequence")
    last = PaymentItem.objects.get(id=second.last_item_id)
    reply = tmp_path / "r.xml"
    reply.write_bytes(pain002(first.msg_id, [(last.end_to_end_id, "ACSC", None, None)]))
    result = ingest_status_file(reply, f.user(Role.BHXH_OFFICER))
    assert (result.problems, result.applied, result.exceptions) == ([], 0, 1)
    assert list(StatusException.objects.values_list("item_id", "kind")) == [
        (last.pk, "msg_id_mismatch")]
    assert PaymentItem.objects.get(pk=last.pk).current_status == ItemStatus.SENT


def test_cash_result_for_an_unexported_item_is_set_aside(people, tmp_path):
    cycle = approved_cycle(NOV)
    item = PaymentItem.objects.get(cycle=cycle, channel=Channel.CASH)
    results = tmp_path / "ket-qua.csv"
    results.write_text("Mã giao dịch,Số tiền,Kết quả\n"
                       f"{ids.end_to_end_id(NOV, item.pk)},3100000,Đã chi\n", encoding="utf-8")
    result = ingest_status_file(results, f.user(Role.BHXH_OFFICER))
    assert (result.problems, result.applied, result.set_aside) == ([], 0, 1)
    assert [p.code for p in result.set_aside_lines] == ["unknown_end_to_end_id"]
    assert PaymentItem.objects.get(pk=item.pk).current_status == ItemStatus.PENDING
    assert not StatusException.objects.exists()


def test_group_status_applies_to_every_item_of_the_file_range(people, tmp_path):
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    first = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV", sequence=1)
    reply = tmp_path / "r.xml"
    reply.write_bytes(pain002(first.msg_id, [], group_status="ACSC"))
    result = ingest_status_file(reply, f.user(Role.BHXH_OFFICER))
    assert (result.applied, result.problems) == (3, [])
    paid = set(PaymentItem.objects.filter(status=ItemStatus.PAID).values_list("id", flat=True))
    assert paid == set(first.items().values_list("id", flat=True))
    assert set(StatusEvent.objects.values_list("from_status", "to_status")) == {
        ("sent", "paid")}
    # The other items are untouched and still sent.
    assert PaymentItem.objects.filter(cycle=cycle).in_status(ItemStatus.SENT).count() == 3


def test_reconciliation_counts_exported_items_as_sent(people, tmp_path):
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    cycle.refresh_from_db()
    rec = queries.reconciliation(cycle, as_of=date(2027, 1, 1))
    assert [(t.key, t.count) for t in rec.by_status] == [("sent", 6)]
    assert rec.overdue_count == 6
    rows = list(queries.item_rows(cycle))
    by_e2e = {r[0]: r for r in rows}
    bidv = PaymentFile.objects.get(cycle=cycle, provider__short_name="BIDV", sequence=2)
    assert by_e2e[ids.end_to_end_id(NOV, bidv.last_item_id)][-1] == bidv.file_name
    assert {r[8] for r in rows} == {"sent"}
    cash = PaymentItem.objects.get(cycle=cycle, channel=Channel.CASH)
    assert by_e2e[cash.end_to_end_id][-1] == ""
