"""Status ingest, set-based: the cases the join alone does not decide, on both databases."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from chitra.access.models import Role
from chitra.payments import ids
from chitra.payments.errors import PaymentError
from chitra.payments.export import run as export
from chitra.payments.models import (
    ExceptionKind,
    ItemStatus,
    Obligation,
    ObligationStatus,
    PaymentFile,
    PaymentItem,
    RefusedStatusFile,
    StatusEvent,
    StatusException,
    StatusFile,
)
from chitra.payments.status import stage
from chitra.payments.status.ingest import ingest_status_file
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import NOV, approved_cycle
from tests.payments.status_files import camt054, pain002

pytestmark = pytest.mark.usefixtures("paying_office")


@pytest.fixture
def bidv(tmp_path):
    """Two BIDV transfers, exported: (file, first item, second item)."""
    f.beneficiary("Tẩn Thị Mẩy", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789012", amount=4_200_000)
    f.beneficiary("Vàng A Sử", channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                  account_number="123456789013", amount=5_000_000)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    pf = PaymentFile.objects.get(cycle=cycle)
    first, second = PaymentItem.objects.filter(cycle=cycle).order_by("id")
    return pf, first, second


def _ingest(tmp_path, data: bytes, user=None, name: str = "r.xml"):
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_status_file(path, user or f.user(Role.BHXH_OFFICER))


def _status(item) -> str:
    return PaymentItem.objects.get(pk=item.pk).current_status


def test_two_lines_about_one_item_apply_in_file_order(bidv, tmp_path):
    pf, first, second = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (first.end_to_end_id, "ACSP", None, None),
        (second.end_to_end_id, "ACSC", None, None),
        (first.end_to_end_id, "ACSC", None, None)]))
    assert (result.problems, result.applied, result.unchanged) == ([], 3, 0)
    assert _status(first) == _status(second) == ItemStatus.PAID
    assert list(StatusEvent.objects.filter(item=first).values_list(
        "from_status", "to_status")) == [("sent", "accepted"), ("accepted", "paid")]
    assert Obligation.objects.get(pk=first.obligation_id).status == ObligationStatus.PAID


def test_funds_checked_and_partially_accepted_statuses_apply_as_accepted(bidv, tmp_path):
    pf, first, second = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (first.end_to_end_id, "ACFC", None, None),
        (second.end_to_end_id, "PATC", None, None)]))
    assert (result.problems, result.applied) == ([], 2)
    assert (_status(first), _status(second)) == (ItemStatus.ACCEPTED, ItemStatus.ACCEPTED)


def test_a_rejected_batch_listing_one_transaction_rejects_the_others_too(bidv, tmp_path):
    pf, first, second = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "RJCT", "AM04", None)],
                                       group_status="RJCT"))
    assert (result.problems, result.applied) == ([], 2)
    assert _status(first) == _status(second) == ItemStatus.REJECTED
    assert StatusEvent.objects.get(item=second).reason_code == ""


def test_a_rejected_group_gives_its_items_the_banks_words(bidv, tmp_path):
    pf, first, second = bidv
    data = pain002(pf.msg_id, [], group_status="RJCT").replace(
        b"<GrpSts>RJCT</GrpSts>", b"<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>AM04</Cd></Rsn>"
        b"<AddtlInf>KHONG DU SO DU TAI KHOAN</AddtlInf></StsRsnInf>")
    result = _ingest(tmp_path, data)
    assert (result.problems, result.applied) == ([], 2)
    assert list(StatusEvent.objects.order_by("item_id").values_list(
        "item_id", "reason_code", "detail")) == [
        (first.pk, "AM04", "KHONG DU SO DU TAI KHOAN"),
        (second.pk, "AM04", "KHONG DU SO DU TAI KHOAN")]


def test_a_group_status_leaves_the_transactions_it_lists_to_their_own(bidv, tmp_path):
    pf, first, second = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "RJCT", "AC04", None)],
                                       group_status="ACSC"))
    assert (result.problems, result.applied) == ([], 2)
    assert (_status(first), _status(second)) == (ItemStatus.REJECTED, ItemStatus.PAID)


def test_a_partial_group_status_changes_only_the_listed_transactions(bidv, tmp_path):
    pf, first, second = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "ACSC", None, None)],
                                       group_status="PART"))
    assert (result.problems, result.applied) == ([], 1)
    assert (_status(first), _status(second)) == (ItemStatus.PAID, ItemStatus.SENT)


def test_late_intermediate_line_in_the_same_file_changes_nothing(bidv, tmp_path):
    pf, first, _ = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (first.end_to_end_id, "ACSC", None, None), (first.end_to_end_id, "ACSP", None, None)]))
    assert (result.applied, result.unchanged) == (1, 1)
    assert _status(first) == ItemStatus.PAID
    assert PaymentItem.objects.get(pk=first.pk).reason_code == ""


def test_contradiction_inside_one_file_is_held_and_the_rest_applies(bidv, tmp_path):
    pf, first, second = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (second.end_to_end_id, "ACSC", None, None),
        (first.end_to_end_id, "ACSC", None, None),
        (first.end_to_end_id, "RJCT", "AC04", None)]))
    assert (result.problems, result.applied, result.exceptions, result.set_aside) == (
        [], 2, 1, 0)
    assert _status(first) == _status(second) == ItemStatus.PAID
    assert StatusEvent.objects.count() == 2
    held = StatusException.objects.get()
    assert (held.item_id, held.kind, held.iso_status, held.reason_code, held.item_status,
            held.line_no) == (first.pk, ExceptionKind.CONFLICT, "RJCT", "AC04", "paid", 1)
    assert PaymentItem.objects.get(pk=first.pk).reason_code == ""  # the account stays open


def test_lines_not_ours_are_set_aside_with_their_reason_in_file_order(bidv, tmp_path):
    pf, first, second = bidv
    wrong_period = ids.end_to_end_id(NOV.replace(month=10), first.pk)
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (first.end_to_end_id, "ACSC", None, 1),
        (wrong_period, "ACSC", None, None),
        (second.end_to_end_id, "XXXX", None, None),
        ("*" + pf.msg_id, "ACSC", None, None),
        ("NOT-OURS", "ACSC", None, None)]))
    assert result.problems == []
    assert (result.applied, result.unchanged, result.exceptions, result.set_aside) == (
        0, 0, 2, 3)
    assert [(p.row, p.code, p.value) for p in result.set_aside_lines] == [  # the XML line
        (1, "unknown_end_to_end_id", wrong_period),
        (1, "unknown_end_to_end_id", "*" + pf.msg_id),  # an id like any other, no group line
        (1, "unknown_end_to_end_id", "NOT-OURS")]
    assert [p.message_en for p in result.set_aside_lines] == [
        "No payment item has this EndToEndId.", "Not an EndToEndId issued by chitra.",
        "Not an EndToEndId issued by chitra."]
    sf = StatusFile.objects.get()
    assert (sf.applied, sf.unchanged, sf.exceptions, sf.set_aside) == (0, 0, 2, 3)
    assert [line["value"] for line in sf.set_aside_lines] == [
        wrong_period, "*" + pf.msg_id, "NOT-OURS"]
    assert sf.set_aside_lines[0]["message_vi"] == "Không có giao dịch nào mang mã này."
    assert sorted(StatusException.objects.values_list("item_id", "kind", "amount")) == [
        (first.pk, ExceptionKind.AMOUNT_MISMATCH, 1),
        (second.pk, ExceptionKind.UNKNOWN_CODE, None)]
    assert _status(first) == _status(second) == ItemStatus.SENT
    assert not StatusEvent.objects.exists()
    assert not RefusedStatusFile.objects.exists()


def test_camt054_booked_debit_pays_and_a_return_reopens_the_obligation(bidv, tmp_path):
    _, first, second = bidv
    paid = _ingest(tmp_path, camt054([(first.end_to_end_id, 4_200_000, False, None),
                                      (second.end_to_end_id, 5_000_000, False, None)]))
    assert (paid.problems, paid.applied) == ([], 2)
    back = _ingest(tmp_path, camt054([(first.end_to_end_id, 4_200_000, True, "AC06")]),
                   name="r2.xml")
    assert (back.problems, back.applied) == ([], 1)
    item = PaymentItem.objects.get(pk=first.pk)
    assert (item.status, item.reason_code, item.closed) == (ItemStatus.RETURNED, "AC06", True)
    assert Obligation.objects.get(pk=first.obligation_id).status == ObligationStatus.OPEN
    assert Obligation.objects.get(pk=second.obligation_id).status == ObligationStatus.PAID


def test_camt054_amount_that_differs_is_held_and_the_rest_applies(bidv, tmp_path):
    _, first, second = bidv
    result = _ingest(tmp_path, camt054([(first.end_to_end_id, 4_200_001, False, None),
                                        (second.end_to_end_id, 5_000_000, False, None)]))
    assert (result.problems, result.applied, result.exceptions) == ([], 1, 1)
    assert (_status(first), _status(second)) == (ItemStatus.SENT, ItemStatus.PAID)
    held = StatusException.objects.get()
    assert (held.item_id, held.kind, held.amount, held.iso_status) == (
        first.pk, ExceptionKind.AMOUNT_MISMATCH, 4_200_001, "BOOKED")


def test_user_without_a_role_that_reports_may_report_on_nothing(bidv, tmp_path):
    pf, first, _ = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "ACSC", None, None)]),
                     user=f.user(Role.WARD_TEAM))
    assert [p.code for p in result.problems] == ["unknown_msg_id"]
    # No account of the office is theirs to hear about.
    result = _ingest(tmp_path, camt054([(first.end_to_end_id, 4_200_000, False, None)]),
                     user=f.user(Role.WARD_TEAM), name="r2.xml")
    assert [p.code for p in result.problems] == ["bad_file"]
    assert _status(first) == ItemStatus.SENT
    assert not StatusFile.objects.exists()


def test_a_refused_file_leaves_no_trace_but_its_refusal(bidv, tmp_path):
    pf, first, _ = bidv
    _ingest(tmp_path, pain002(pf.msg_id + "X", [(first.end_to_end_id, "ACSC", None, None)]))
    assert not StatusFile.objects.exists()
    assert RefusedStatusFile.objects.count() == 1
    ok = _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "ACSC", None, None)]),
                 name="r2.xml")  # the staging tables of the refused file are gone
    assert (ok.problems, ok.applied) == ([], 1)


@pytest.mark.parametrize("item_id", [1, 987_654, 10**ids.E2E_ITEM_WIDTH - 1])
def test_sql_end_to_end_id_is_the_python_one(item_id):
    cycle = approved_cycle(NOV)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {stage._end_to_end_sql()} FROM payments_paymentcycle c, "
                    "(SELECT %s AS id) i WHERE c.id = %s", [item_id, cycle.pk])
        assert cur.fetchone()[0] == ids.end_to_end_id(NOV, item_id)


def test_cli_reads_the_next_files_ahead_and_applies_each_in_turn(bidv, tmp_path, capsys):
    """Several files: XML read ahead by a worker process on PostgreSQL, in-process else."""
    pf, first, second = bidv
    files = [tmp_path / "1.xml", tmp_path / "2.xml", tmp_path / "3.xml", tmp_path / "4.xml"]
    files[0].write_bytes(pain002(pf.msg_id, [(first.end_to_end_id, "ACSP", None, None)]))
    files[1].write_bytes(b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.002.001.10'>")
    files[2].write_bytes(pain002(pf.msg_id, [(first.end_to_end_id, "ACSC", None, None),
                                             (second.end_to_end_id, "RJCT", "AC01", None)]))
    files[3].write_bytes(camt054([(second.end_to_end_id, 5_000_000, False, None)]))
    f.user(Role.BHXH_OFFICER, username="canbo")
    with pytest.raises(CommandError, match="1 tệp bị từ chối"):
        call_command("ingest_status", *map(str, files), "--as", "canbo")
    out = capsys.readouterr()
    assert "2.xml: TỪ CHỐI" in out.err
    assert "4.xml: TỪ CHỐI" not in out.err
    assert _status(first) == ItemStatus.PAID  # 1.xml then 3.xml, in that order
    assert _status(second) == ItemStatus.REJECTED
    # BOOKED after the rejection 3.xml applied: held for a person.
    assert StatusException.objects.get().kind == ExceptionKind.CONFLICT
    assert StatusFile.objects.count() == 3
    assert RefusedStatusFile.objects.count() == 1


def test_events_name_only_items_and_files_that_exist(bidv, tmp_path):
    """No per-row foreign key on the events: the database checks each statement instead
    (migration payments.0008) and, on PostgreSQL, keeps what an event names from being
    deleted."""
    pf, first, _ = bidv
    _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "ACSC", None, None)]))
    sf = StatusFile.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusEvent.objects.create(item_id=first.pk + 10_000, source_file=sf, iso_status="ACSC",
                                   from_status="sent", to_status="paid")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusEvent.objects.create(item=first, source_file_id=sf.pk + 10_000,
                                   iso_status="ACSC", from_status="sent", to_status="paid")
    if connection.vendor == "postgresql":  # SQLite's flush deletes in any order
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
            c.execute("DELETE FROM payments_paymentitem WHERE id = %s", [first.pk])
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
            c.execute("DELETE FROM payments_statusfile WHERE id = %s", [sf.pk])
    assert StatusEvent.objects.filter(item=first, source_file=sf).count() == 1


def test_an_item_moved_by_someone_else_meanwhile_refuses_the_whole_file(
        bidv, tmp_path, monkeypatch):
    pf, first, second = bidv
    decide = stage.decide

    def then_another_upload(*args, **kwargs):
        decided = decide(*args, **kwargs)
        PaymentItem.objects.filter(pk=first.pk).update(status=ItemStatus.ACCEPTED)
        return decided

    monkeypatch.setattr(stage, "decide", then_another_upload)
    with pytest.raises(PaymentError) as e:
        _ingest(tmp_path, pain002(pf.msg_id, [(first.end_to_end_id, "ACSC", None, None),
                                              (second.end_to_end_id, "ACSC", None, None)]))
    assert e.value.code == "items_changed"
    assert not StatusFile.objects.exists()
    assert not StatusEvent.objects.exists()
    assert _status(first) == _status(second) == ItemStatus.SENT


def test_obligations_and_items_name_only_cycles_that_exist(bidv):
    """Their cycle is checked once per statement (migration payments.0009): a row of an
    unknown cycle is refused, a row's cycle never changes and, on PostgreSQL, a cycle in
    use cannot be deleted."""
    _, first, _ = bidv
    obligation = Obligation.objects.get(pk=first.obligation_id)
    other = obligation.cycle_id + 10_000
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute("INSERT INTO payments_obligation (cycle_id, benefit_id, beneficiary_id, "
                  "period, amount) VALUES (%s, %s, %s, '2027-01-01', 1)",
                  [other, obligation.benefit_id, obligation.beneficiary_id])
    for model, row in ((Obligation, obligation), (PaymentItem, first)):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=row.pk).update(cycle_id=other)
    if connection.vendor == "postgresql":  # SQLite's flush deletes in any order
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
            c.execute("DELETE FROM payments_paymentcycle WHERE id = %s", [obligation.cycle_id])
    assert PaymentItem.objects.get(pk=first.pk).cycle_id == obligation.cycle_id
