"""Apply what is ours, set aside what is not, hold contradictions for a person (issue 13):
what each kind of line does, and that the database holds exactly that."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from chitra.access.models import Role
from chitra.payments import services
from chitra.payments.export import run as export
from chitra.payments.models import (
    CycleStatus,
    ExceptionKind,
    ExceptionState,
    ItemStatus,
    OfficeAccount,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    RefusedStatusFile,
    StatusEvent,
    StatusException,
    StatusFile,
)
from chitra.payments.status.ingest import IngestResult, ingest_status_file
from chitra.payments.status.scope import office_accounts
from chitra.registry.models import Channel
from tests import factories as f
from tests.payments.factories import DEC, NOV, approved_cycle
from tests.payments.status_files import (
    batch,
    camt054,
    fee,
    other_credit,
    pain002,
    pending,
)

pytestmark = pytest.mark.usefixtures("paying_office")

FIRST, SECOND, THIRD = 4_200_000, 5_000_000, 3_300_000


@pytest.fixture
def bidv(tmp_path):
    """Three BIDV transfers, exported: (file, items)."""
    for name, account, amount in (("Tẩn Thị Mẩy", "123456789012", FIRST),
                                  ("Vàng A Sử", "123456789013", SECOND),
                                  ("Giàng A Chớ", "123456789014", THIRD)):
        f.beneficiary(name, channel=Channel.BANK_ACCOUNT, provider_name="BIDV",
                      account_number=account, amount=amount)
    cycle = approved_cycle(NOV)
    export.export_cycle(cycle.pk, "officer", tmp_path / "out", cash_lists=False)
    return (PaymentFile.objects.get(cycle=cycle),
            list(PaymentItem.objects.filter(cycle=cycle).order_by("id")))


def _ingest(tmp_path, data: bytes, user=None, name: str = "r.xml") -> IngestResult:
    path = tmp_path / name
    path.write_bytes(data)
    return ingest_status_file(path, user or f.user(Role.BHXH_OFFICER))


def _statuses(items) -> list[str]:
    return [PaymentItem.objects.get(pk=i.pk).current_status for i in items]


def _held() -> list[tuple[int, str, str, str]]:
    return list(StatusException.objects.order_by("id").values_list(
        "item_id", "kind", "iso_status", "item_status"))


def _counts(r: IngestResult) -> tuple[int, int, int, int]:
    return r.applied, r.unchanged, r.exceptions, r.set_aside


def test_camt054_applies_ours_and_lists_the_other_entries_with_reasons(bidv, tmp_path):
    _, (a, b, c) = bidv
    result = _ingest(tmp_path, camt054([
        fee(15_000),
        (a.end_to_end_id, FIRST, False, None),
        other_credit(2_000_000),
        (b.end_to_end_id, SECOND, False, None),
        other_credit(7_000, e2e="CT202611999999999999")]))  # our shape, no such item
    assert result.problems == []
    assert _counts(result) == (2, 0, 0, 3)
    assert _statuses([a, b, c]) == [ItemStatus.PAID, ItemStatus.PAID, ItemStatus.SENT]
    aside = result.set_aside_lines
    assert [p.code for p in aside] == ["unknown_end_to_end_id"] * 3
    assert "PHI DICH VU" in aside[0].value  # what the bank wrote shows what the line was
    assert aside[1].value.startswith("NOTPROVIDED")
    assert aside[2].value.startswith("CT202611999999999999")
    assert aside[2].message_en == "No payment item has this EndToEndId."
    sf = StatusFile.objects.get()
    assert (sf.applied, sf.exceptions, sf.set_aside, len(sf.set_aside_lines)) == (2, 0, 3, 3)
    assert StatusEvent.objects.count() == 2
    assert not StatusException.objects.exists()
    assert PaymentCycle.objects.get(pk=a.cycle_id).status == CycleStatus.RECONCILING


def test_a_camt054_entry_not_booked_yet_is_money_on_its_way(bidv, tmp_path):
    _, (a, b, _) = bidv
    result = _ingest(tmp_path, camt054([pending(a.end_to_end_id, FIRST),
                                        (b.end_to_end_id, SECOND, False, None)]))
    assert (result.problems, _counts(result)) == ([], (2, 0, 0, 0))
    assert _statuses([a, b]) == [ItemStatus.ACCEPTED, ItemStatus.PAID]
    assert StatusEvent.objects.get(item=a).iso_status == "PDNG"


def test_a_camt054_information_entry_is_set_aside_as_information_only(bidv, tmp_path):
    _, (a, b, _) = bidv
    info = pending(a.end_to_end_id, FIRST).replace("<Cd>PDNG</Cd>", "<Cd>INFO</Cd>")
    result = _ingest(tmp_path, camt054([info, (b.end_to_end_id, SECOND, False, None)]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 0, 1))
    (aside,) = result.set_aside_lines
    assert (aside.code, aside.value) == ("information_only", "INFO")
    assert aside.message_en.startswith("Information only entry")
    assert "thông tin" in aside.message_vi
    assert _statuses([a, b]) == [ItemStatus.SENT, ItemStatus.PAID]
    assert not StatusException.objects.exists()


def test_a_return_before_the_item_was_paid_is_held_and_the_rest_applies(bidv, tmp_path):
    _, (a, b, c) = bidv
    result = _ingest(tmp_path, camt054([(a.end_to_end_id, FIRST, True, "AC04"),
                                        (b.end_to_end_id, SECOND, False, None)]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 1, 0))
    assert _statuses([a, b, c]) == [ItemStatus.SENT, ItemStatus.PAID, ItemStatus.SENT]
    assert _held() == [(a.pk, ExceptionKind.RETURN_BEFORE_PAID, "RTRN", "sent")]
    held = StatusException.objects.get()
    assert (held.state, held.reason_code, held.amount, held.line_no is not None) == (
        ExceptionState.OPEN, "AC04", FIRST, True)
    assert held.status_file == StatusFile.objects.get()
    # The account a bad-account return would close stays open: nothing followed.
    assert PaymentItem.objects.get(pk=a.pk).reason_code == ""
    assert not StatusEvent.objects.filter(item=a).exists()


def test_rjct_after_acsc_is_held(bidv, tmp_path):
    pf, (a, b, _) = bidv
    _ingest(tmp_path, pain002(pf.msg_id, [(a.end_to_end_id, "ACSC", None, None)]))
    result = _ingest(tmp_path, pain002(pf.msg_id, [(a.end_to_end_id, "RJCT", "AC04", None),
                                                   (b.end_to_end_id, "ACSP", None, None)]),
                     name="r2.xml")
    assert (result.problems, _counts(result)) == ([], (1, 0, 1, 0))
    assert _statuses([a, b]) == [ItemStatus.PAID, ItemStatus.ACCEPTED]
    assert _held() == [(a.pk, ExceptionKind.CONFLICT, "RJCT", "paid")]


def test_an_amount_that_differs_is_held(bidv, tmp_path):
    pf, (a, b, _) = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(a.end_to_end_id, "ACSC", None, FIRST + 1),
                                                   (b.end_to_end_id, "ACSC", None, SECOND)]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 1, 0))
    assert _statuses([a, b]) == [ItemStatus.SENT, ItemStatus.PAID]
    assert _held() == [(a.pk, ExceptionKind.AMOUNT_MISMATCH, "ACSC", "sent")]
    assert StatusException.objects.get().amount == FIRST + 1


@pytest.mark.parametrize(("code", "kind"), [("XXXX", ExceptionKind.UNKNOWN_CODE),
                                            ("BLCK", ExceptionKind.NEEDS_REVIEW)])
def test_an_unknown_or_blocked_status_is_held(bidv, tmp_path, code, kind):
    pf, (a, b, _) = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (a.end_to_end_id, code, "RR04", None, "Chờ xác minh"),
        (b.end_to_end_id, "ACSC", None, None)]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 1, 0))
    assert _statuses([a, b]) == [ItemStatus.SENT, ItemStatus.PAID]
    assert _held() == [(a.pk, kind, code, "sent")]
    assert StatusException.objects.get().detail == "Chờ xác minh"


def test_accepted_with_change_applies_and_keeps_what_the_bank_changed(bidv, tmp_path):
    pf, (a, _, _) = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [
        (a.end_to_end_id, "ACWC", None, None, "Ngày chi đổi sang 20/11/2026")]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 0, 0))
    assert _statuses([a]) == [ItemStatus.ACCEPTED]
    event = StatusEvent.objects.get()
    assert (event.iso_status, event.to_status) == ("ACWC", "accepted")
    assert "20/11/2026" in event.detail


def test_cancelled_before_payment_rejects(bidv, tmp_path):
    pf, (a, _, _) = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(a.end_to_end_id, "CANC", "CUST", None)]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 0, 0))
    item = PaymentItem.objects.get(pk=a.pk)
    assert (item.status, item.reason_code, item.closed) == (ItemStatus.REJECTED, "CUST", True)


def test_a_batch_entry_whose_total_is_the_sum_of_our_items_pays_them(bidv, tmp_path):
    _, (a, b, c) = bidv
    result = _ingest(tmp_path, camt054([batch(FIRST + SECOND, [a.end_to_end_id,
                                                               b.end_to_end_id])]))
    assert (result.problems, _counts(result)) == ([], (2, 0, 0, 0))
    assert _statuses([a, b, c]) == [ItemStatus.PAID, ItemStatus.PAID, ItemStatus.SENT]


def test_a_batch_entry_whose_total_differs_holds_its_lines(bidv, tmp_path):
    _, (a, b, c) = bidv
    result = _ingest(tmp_path, camt054([
        batch(FIRST + SECOND + 1, [a.end_to_end_id, b.end_to_end_id]),
        (c.end_to_end_id, THIRD, False, None)]))
    assert (result.problems, _counts(result)) == ([], (1, 0, 2, 0))
    assert _statuses([a, b, c]) == [ItemStatus.SENT, ItemStatus.SENT, ItemStatus.PAID]
    assert _held() == [(a.pk, ExceptionKind.AMOUNT_MISMATCH, "BOOKED", "sent"),
                       (b.pk, ExceptionKind.AMOUNT_MISMATCH, "BOOKED", "sent")]
    assert str(FIRST + SECOND + 1) in StatusException.objects.first().detail


def test_a_notification_about_an_account_not_the_offices_is_refused_whole(bidv, tmp_path):
    _, (a, b, _) = bidv
    result = _ingest(tmp_path, camt054([(a.end_to_end_id, FIRST, False, None),
                                        (b.end_to_end_id, SECOND, False, None)],
                                       account="1100009999999"))
    assert [p.code for p in result.problems] == ["bad_file"]
    assert _counts(result) == (0, 0, 0, 0)
    assert _statuses([a, b]) == [ItemStatus.SENT, ItemStatus.SENT]
    assert not StatusFile.objects.exists()
    assert not StatusEvent.objects.exists()
    assert not StatusException.objects.exists()
    assert RefusedStatusFile.objects.count() == 1


def test_the_office_accounts_are_those_of_the_users_scope(lai_chau, dien_bien):
    OfficeAccount.objects.create(province_code=f.LAI_CHAU, provider=f.provider("Agribank"),
                                 account_number="LC-AGRI")
    OfficeAccount.objects.create(province_code=f.LAI_CHAU, provider=f.provider("BIDV"),
                                 account_number="LC-BIDV")
    OfficeAccount.objects.create(province_code=f.DIEN_BIEN, provider=f.provider("Agribank"),
                                 account_number="DB-AGRI")
    # The paying account of Lai Châu (paying_office) counts for everyone of the province.
    assert office_accounts(lai_chau.officer) == {"LC-AGRI", "LC-BIDV", "8800201001234"}
    assert office_accounts(lai_chau.bank) == {"LC-AGRI", "8800201001234"}  # Agribank's
    assert office_accounts(dien_bien.bank) == {"DB-AGRI"}
    # Another bank: the paying account is at Agribank (its BIC), not at BIDV.
    assert office_accounts(lai_chau.other_bank) == {"LC-BIDV"}
    assert office_accounts(lai_chau.ward_team) == frozenset()


def test_dupl_rejection_is_never_reissued(bidv, tmp_path):
    pf, (a, b, _) = bidv
    result = _ingest(tmp_path, pain002(pf.msg_id, [(a.end_to_end_id, "RJCT", "DUPL", None),
                                                   (b.end_to_end_id, "RJCT", "AC04", None)]))
    assert (result.problems, result.applied) == ([], 2)
    dupl = PaymentItem.objects.get(pk=a.pk)
    assert (dupl.status, dupl.reason_code, dupl.closed) == (ItemStatus.REJECTED, "DUPL", False)
    # Applied, and held for someone to check that the other payment went out (keep only).
    assert result.exceptions == 1
    assert _held() == [(a.pk, ExceptionKind.DUPLICATE, "RJCT", "rejected")]
    held = services.get_exception_for(f.user(Role.BHXH_OFFICER), StatusException.objects.get().pk)
    assert services.allowed_for(held) == ["keep"]
    dec = services.compute_cycle(services.open_cycle("12", DEC, "officer").pk, "officer")
    assert not PaymentItem.objects.filter(cycle=dec, obligation_id=a.obligation_id).exists()
    assert PaymentItem.objects.filter(cycle=dec, obligation_id=b.obligation_id).exists()
    # The database refuses a second live attempt of that obligation.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentItem.objects.create(
            cycle=dec, obligation_id=a.obligation_id, beneficiary_id=a.beneficiary_id,
            replaces_id=a.pk, full_name=a.full_name, citizen_id=a.citizen_id,
            ward_code=a.ward_code, channel=Channel.CASH, amount=a.amount,
            payment_date=DEC)


def test_a_group_dupl_rejects_and_holds_every_item_of_its_file(bidv, tmp_path):
    pf, (a, b, c) = bidv
    data = pain002(pf.msg_id, [(a.end_to_end_id, "ACSC", None, None)], group_status="RJCT")
    data = data.replace(b"<GrpSts>RJCT</GrpSts>", b"<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>"
                        b"DUPL</Cd></Rsn><AddtlInf>LENH TRUNG VOI LO 0001</AddtlInf>"
                        b"</StsRsnInf>")
    result = _ingest(tmp_path, data)
    assert (result.problems, result.applied, result.exceptions) == ([], 3, 2)
    assert _statuses([a, b, c]) == [ItemStatus.PAID, ItemStatus.REJECTED, ItemStatus.REJECTED]
    assert _held() == [(b.pk, ExceptionKind.DUPLICATE, "RJCT", "rejected"),
                       (c.pk, ExceptionKind.DUPLICATE, "RJCT", "rejected")]
    assert StatusFile.objects.get().exceptions == 2
    assert [e.detail for e in StatusException.objects.all()] == ["LENH TRUNG VOI LO 0001"] * 2
