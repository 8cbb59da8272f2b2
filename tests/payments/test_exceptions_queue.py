"""The exceptions queue (issue 13): a held status line is resolved with a reason by one BHXH
officer and approved by another; *apply* moves the item against the forward-only rule through
this one audited door, *keep* leaves it; nobody outside the province's BHXH staff sees or
touches an exception."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chitra.access.models import Role
from chitra.core.errors import NotInScope
from chitra.core.models import AuditEntry
from chitra.payments import services
from chitra.payments.errors import PaymentError
from chitra.payments.models import (
    ExceptionKind,
    ExceptionResolution,
    ExceptionState,
    ItemStatus,
    PaymentItem,
    StatusEvent,
    StatusException,
)
from chitra.payments.reconcile_exceptions import allowed_resolutions, applied_status
from chitra.registry.models import Beneficiary, BeneficiaryStatus, Channel, PaymentAccount
from tests import factories as f
from tests.payments.exception_factories import held, sent_items, set_status
from tests.payments.factories import DEC

K, S = ExceptionKind, ItemStatus
APPLY, KEEP = ExceptionResolution.APPLY, ExceptionResolution.KEEP


def _item(item: PaymentItem) -> PaymentItem:
    return PaymentItem.objects.select_related("cycle").get(pk=item.pk)


def _resolve(exc: StatusException, maker, checker, resolution: str = APPLY,
             note: str = "Đã gọi ngân hàng xác nhận") -> StatusException:
    services.propose_resolution(maker, exc.pk, resolution, note)
    return services.approve_resolution(checker, exc.pk)


def _trail(exc: StatusException) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(object_type="status_exception", object_id=str(exc.pk))
                .order_by("id").values_list("action", "actor"))


# --- what each kind allows (pure) --------------------------------------------------------------

@pytest.mark.parametrize(("kind", "current", "code", "to"), [
    (K.CONFLICT, S.PAID, "RJCT", S.REJECTED),
    (K.CONFLICT, S.REJECTED, "ACSC", S.PAID),
    (K.RETURN_BEFORE_PAID, S.ACCEPTED, "RTRN", S.RETURNED),
    (K.RETURN_BEFORE_PAID, S.SENT, "RTRN", S.RETURNED),
    (K.AMOUNT_MISMATCH, S.SENT, "ACSC", S.PAID),
    (K.AMOUNT_MISMATCH, S.PAID, "ACSP", S.PAID),  # a late step: recorded, not moved
    (K.NEEDS_REVIEW, S.SENT, "BLCK", S.ACCEPTED),
    (K.NEEDS_REVIEW, S.ACCEPTED, "BLCK", S.ACCEPTED),
    (K.NEEDS_REVIEW, S.PAID, "BLCK", None),
    (K.UNKNOWN_CODE, S.SENT, "XXXX", None),
    (K.NOT_SENT, S.PENDING, "ACSC", None),
    (K.WRONG_FILE, S.SENT, "ACSC", None),
    # Applied with their file: confirmed where the line left the item, or nothing.
    (K.DEATH_REPORTED, S.REJECTED, "CASH_NOT_COLLECTED", S.REJECTED),
    (K.DEATH_REPORTED, S.PAID, "CASH_NOT_COLLECTED", None),
    (K.DUPLICATE, S.REJECTED, "RJCT", None),
])
def test_apply_takes_the_status_the_line_means_where_it_can(kind, current, code, to):
    assert applied_status(kind, current, code) == to
    assert allowed_resolutions(kind, current, code) == ([APPLY, KEEP] if to else [KEEP])


@pytest.mark.parametrize(("kind", "code"), [(K.UNKNOWN_CODE, "XXXX"), (K.NOT_SENT, "ACSC"),
                                            (K.WRONG_FILE, "ACSC")])
def test_apply_is_refused_for_lines_that_cannot_be_about_the_item(lai_chau, kind, code):
    (item,) = sent_items()
    exc = held(item, kind, code)
    with pytest.raises(PaymentError) as e:
        services.propose_resolution(lai_chau.officer, exc.pk, APPLY, "thử")
    assert e.value.code == "resolution_not_allowed"
    exc.refresh_from_db()
    assert (exc.state, exc.resolution) == (ExceptionState.OPEN, "")
    _resolve(exc, lai_chau.officer, lai_chau.approver, KEEP)
    exc.refresh_from_db()
    assert (exc.state, exc.resolution) == (ExceptionState.RESOLVED, KEEP)


# --- maker–checker -----------------------------------------------------------------------------

def test_keep_resolves_with_the_note_and_leaves_the_item(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.PAID)
    exc = held(item, K.CONFLICT, "RJCT", reason="AC04")
    _resolve(exc, lai_chau.officer, lai_chau.approver, KEEP, "  Ngân hàng gửi nhầm  ")
    exc.refresh_from_db()
    assert (exc.state, exc.resolution, exc.note) == (ExceptionState.RESOLVED, KEEP,
                                                     "Ngân hàng gửi nhầm")
    assert (exc.proposed_by, exc.resolved_by) == (lai_chau.officer.username,
                                                  lai_chau.approver.username)
    assert _item(item).status == S.PAID
    assert not StatusEvent.objects.filter(item=item).exists()
    assert _trail(exc) == [("status_exception.propose", lai_chau.officer.username),
                           ("status_exception.approve", lai_chau.approver.username)]


def test_the_proposer_cannot_approve_their_own_proposal(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    services.propose_resolution(lai_chau.approver, exc.pk, APPLY, "Ngân hàng đang kiểm tra")
    with pytest.raises(PaymentError) as e:
        services.approve_resolution(lai_chau.approver, exc.pk)
    assert e.value.code == "maker_checker"
    with pytest.raises(PaymentError):
        services.reject_proposal(lai_chau.approver, exc.pk, "tự trả lại")
    exc.refresh_from_db()
    assert (exc.state, exc.resolved_by) == (ExceptionState.PROPOSED, "")
    assert _item(item).current_status == S.SENT


def test_only_an_approver_approves_or_sends_back(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    services.propose_resolution(lai_chau.officer, exc.pk, APPLY, "Ngân hàng đang kiểm tra")
    other_officer = f.user(Role.BHXH_OFFICER, lai_chau.officer.organization)
    for call in (lambda: services.approve_resolution(other_officer, exc.pk),
                 lambda: services.reject_proposal(other_officer, exc.pk, "không")):
        with pytest.raises(PaymentError) as e:
            call()
        assert e.value.code == "not_permitted"
    exc.refresh_from_db()
    assert exc.state == ExceptionState.PROPOSED
    assert _item(item).current_status == S.SENT
    services.approve_resolution(lai_chau.approver, exc.pk)
    assert _item(item).current_status == S.ACCEPTED


def test_the_database_refuses_a_resolution_approved_by_its_proposer(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    services.propose_resolution(lai_chau.officer, exc.pk, KEEP, "giữ")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusException.objects.filter(pk=exc.pk).update(
            state=ExceptionState.RESOLVED, resolved_by=lai_chau.officer.username,
            resolved_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():  # nor without a reason
        StatusException.objects.filter(pk=exc.pk).update(note="")


def test_sending_back_reopens_the_exception_with_the_reason_in_its_trail(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    services.propose_resolution(lai_chau.officer, exc.pk, KEEP, "giữ")
    services.reject_proposal(lai_chau.approver, exc.pk, "Cần hỏi lại ngân hàng")
    exc.refresh_from_db()
    assert (exc.state, exc.resolution, exc.proposed_by) == (ExceptionState.OPEN, "", "")
    entry = AuditEntry.objects.get(action="status_exception.reject")
    assert entry.after == {"state": "open", "reason": "Cần hỏi lại ngân hàng"}
    with pytest.raises(PaymentError) as e:  # nothing to approve any more
        services.approve_resolution(lai_chau.approver, exc.pk)
    assert e.value.code == "exception_state"


@pytest.mark.parametrize(("note", "code"), [("   ", "note_required"),
                                           ("x" * 1001, "note_too_long")])
def test_a_proposal_needs_a_reason_of_at_most_1000_characters(lai_chau, note, code):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    with pytest.raises(PaymentError) as e:
        services.propose_resolution(lai_chau.officer, exc.pk, KEEP, note)
    assert e.value.code == code
    exc.refresh_from_db()
    assert exc.state == ExceptionState.OPEN
    services.propose_resolution(lai_chau.officer, exc.pk, KEEP, "x" * 1000)


# --- scope ---------------------------------------------------------------------------------------

def test_other_roles_and_provinces_neither_see_nor_resolve(lai_chau, dien_bien):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    outsiders = [u for u in lai_chau.users() if u not in (lai_chau.officer, lai_chau.approver)]
    for user in [*outsiders, dien_bien.officer, dien_bien.approver]:
        assert not services.exceptions_visible_to(user).exists()
        with pytest.raises(NotInScope):
            services.get_exception_for(user, exc.pk)
        with pytest.raises(NotInScope):
            services.propose_resolution(user, exc.pk, KEEP, "thử")
    services.propose_resolution(lai_chau.officer, exc.pk, APPLY, "giữ mở")
    for user in [lai_chau.bank, dien_bien.approver]:
        with pytest.raises(NotInScope):
            services.approve_resolution(user, exc.pk)
        with pytest.raises(NotInScope):
            services.reject_proposal(user, exc.pk, "không")
    exc.refresh_from_db()
    assert (exc.state, exc.resolved_by) == (ExceptionState.PROPOSED, "")
    assert _item(item).current_status == S.SENT
    assert [a for a, _ in _trail(exc)] == ["status_exception.propose"]


def test_each_province_sees_its_own_queue(lai_chau, dien_bien):
    (mine,) = sent_items(names=("Lò Văn Của Tỉnh Này",))
    (theirs,) = sent_items(province=dien_bien.code, names=("Quàng Văn Tỉnh Khác",))
    held(mine, K.NEEDS_REVIEW, "BLCK")
    held(theirs, K.NEEDS_REVIEW, "BLCK")
    assert [e.item_id for e in services.exception_queue(lai_chau.officer)] == [mine.pk]
    assert [e.item_id for e in services.exception_queue(dien_bien.approver)] == [theirs.pk]


def test_the_queue_filters_and_counts_per_state(lai_chau):
    a, b, c = sent_items(3)
    e1, e2 = held(a, K.NEEDS_REVIEW, "BLCK"), held(b, K.UNKNOWN_CODE, "ZZZZ")
    e3 = held(set_status(c, S.PAID), K.CONFLICT, "RJCT")
    services.propose_resolution(lai_chau.officer, e2.pk, KEEP, "mã lạ")
    _resolve(e3, lai_chau.officer, lai_chau.approver, KEEP)
    officer = lai_chau.officer
    assert services.state_counts(officer) == {"open": 1, "proposed": 1, "resolved": 1}
    assert services.state_counts(officer, kind=K.CONFLICT) == {"open": 0, "proposed": 0,
                                                              "resolved": 1}
    assert services.state_counts(officer, period=DEC) == {"open": 0, "proposed": 0,
                                                         "resolved": 0}
    assert [e.pk for e in services.exception_queue(officer)] == [e1.pk, e2.pk, e3.pk]
    assert [e.pk for e in services.exception_queue(officer, state="proposed")] == [e2.pk]
    assert services.open_exception_count(a.cycle) == 2


# --- apply ---------------------------------------------------------------------------------------

def test_apply_of_a_return_before_paid_lets_the_next_compute_reissue(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.ACCEPTED)
    exc = held(item, K.RETURN_BEFORE_PAID, "RTRN", reason="AC06", amount=item.amount,
               detail="Tiền về lại tài khoản BHXH")
    ac06 = PaymentAccount.objects.get(beneficiary_id=item.beneficiary_id, valid_to__isnull=True)
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    moved = _item(item)
    assert (moved.status, moved.reason_code) == (S.RETURNED, "AC06")
    event = StatusEvent.objects.get(item=item)
    assert (event.iso_status, event.reason_code, event.from_status, event.to_status,
            event.is_exception, event.resolved_by, event.source_file_id, event.detail) == (
        "RTRN", "AC06", S.ACCEPTED, S.RETURNED, True, lai_chau.approver.username,
        exc.status_file_id, "Tiền về lại tài khoản BHXH")
    # The registry's follow-up of a refused account (AC06), as the ingest runs it.
    assert PaymentAccount.objects.get(pk=ac06.pk).valid_to is not None
    approve = AuditEntry.objects.get(action="status_exception.approve")
    assert (approve.after["from_status"], approve.after["to_status"]) == ("accepted", "returned")
    # The next month's compute pays the obligation again (the real compute).
    dec = services.open_cycle("12", DEC, "officer")
    services.compute_cycle(dec.pk, "officer")
    reissue = PaymentItem.objects.get(cycle=dec, replaces_id=item.pk)
    assert (reissue.obligation_id, reissue.amount, reissue.channel) == (
        item.obligation_id, item.amount, Channel.CASH)


def test_apply_of_a_rejection_after_success_rejects_the_paid_item(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.PAID)
    exc = held(item, K.CONFLICT, "RJCT", reason="AG01", detail="Giao dịch bị huỷ")
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    moved = _item(item)
    assert (moved.status, moved.reason_code, moved.closed) == (S.REJECTED, "AG01", True)
    assert moved.obligation.status == "open"
    event = StatusEvent.objects.get(item=item)
    assert (event.from_status, event.to_status, event.is_exception) == (S.PAID, S.REJECTED,
                                                                         True)


def test_a_death_in_an_applied_rejection_stops_the_person(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.PAID)
    exc = held(item, K.CONFLICT, "RJCT", reason="MD07")
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    person = Beneficiary.objects.get(pk=item.beneficiary_id)
    assert person.status == BeneficiaryStatus.DECEASED
    assert person.status_reason.startswith("Ngân hàng báo người hưởng đã chết (MD07)")


def test_a_confirmed_post_office_death_stops_the_person_and_lists_what_to_recover(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.REJECTED, "DEATH")
    exc = held(item, K.DEATH_REPORTED, "CASH_NOT_COLLECTED", reason="DEATH")
    assert exc.item_status == S.REJECTED  # where the line left the item
    # Paid again since the report (the next month, reissued): to recover once confirmed.
    dec = services.open_cycle("12", DEC, "officer")
    services.compute_cycle(dec.pk, "officer")
    PaymentItem.objects.filter(cycle=dec).update(status=S.PAID,
                                                 payment_date=timezone.localdate())
    paid = list(PaymentItem.objects.filter(cycle=dec).order_by("id")
                .values_list("citizen_id", "amount"))
    assert paid
    _resolve(exc, lai_chau.officer, lai_chau.approver, APPLY, "Tổ công tác xác nhận đã mất")
    person = Beneficiary.objects.get(pk=item.beneficiary_id)
    assert person.status == BeneficiaryStatus.DECEASED
    assert person.status_reason.startswith("Bưu điện báo người hưởng đã chết ngày ")
    assert lai_chau.approver.username in person.status_reason
    approve = AuditEntry.objects.get(action="status_exception.approve")
    assert approve.after["to_recover"] == [list(p) for p in paid]
    assert (_item(item).status, _item(item).reason_code) == (S.REJECTED, "DEATH")
    assert not StatusEvent.objects.filter(item=item).exists()  # written with its file


def test_a_post_office_death_not_confirmed_changes_nothing(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.REJECTED, "DEATH")
    exc = held(item, K.DEATH_REPORTED, "CASH_NOT_COLLECTED", reason="DEATH")
    _resolve(exc, lai_chau.officer, lai_chau.approver, KEEP, "Người hưởng vẫn còn sống")
    assert Beneficiary.objects.get(pk=item.beneficiary_id).status == BeneficiaryStatus.ACTIVE
    assert _item(item).status == S.REJECTED


def test_apply_of_a_success_after_a_rejection_is_refused_once_reissued(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.REJECTED, "AG01")
    exc = held(item, K.CONFLICT, "ACSC")
    services.propose_resolution(lai_chau.officer, exc.pk, APPLY, "Ngân hàng xác nhận đã chi")
    dec = services.open_cycle("12", DEC, "officer")
    services.compute_cycle(dec.pk, "officer")  # the obligation got a new attempt meanwhile
    with pytest.raises(PaymentError) as e:
        services.approve_resolution(lai_chau.approver, exc.pk)
    assert e.value.code == "obligation_reissued"
    assert _item(item).status == S.REJECTED


def test_apply_of_a_success_after_a_rejection_pays_the_item(lai_chau):
    (item,) = sent_items()
    item = set_status(item, S.REJECTED, "AG01")
    exc = held(item, K.CONFLICT, "ACSC")
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    assert (_item(item).status, _item(item).closed) == (S.PAID, False)


def test_apply_of_an_amount_that_differs_records_what_the_bank_stated(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.AMOUNT_MISMATCH, "ACSC", amount=4_000_000)
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    assert _item(item).status == S.PAID
    event = StatusEvent.objects.get(item=item)
    assert event.detail.startswith("Ngân hàng báo 4.000.000 ₫, lệnh chi 4.200.000 ₫")


def test_apply_of_a_blocked_line_keeps_the_item_open_accepted(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK", detail="Tài khoản bị phong toả")
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    assert _item(item).status == S.ACCEPTED
    assert StatusEvent.objects.get(item=item).to_status == S.ACCEPTED


def test_a_line_about_an_item_that_moved_since_cannot_be_applied(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.RETURN_BEFORE_PAID, "RTRN", amount=item.amount)
    services.propose_resolution(lai_chau.officer, exc.pk, APPLY, "hoàn trả thật")
    set_status(item, S.PAID)  # a later file paid it
    with pytest.raises(PaymentError) as e:
        services.approve_resolution(lai_chau.approver, exc.pk)
    assert e.value.code == "item_changed"
    exc.refresh_from_db()
    assert exc.state == ExceptionState.PROPOSED
    assert _item(item).status == S.PAID
    assert not StatusEvent.objects.filter(item=item).exists()
    # Sent back, it can only be kept; a new apply is refused at once.
    services.reject_proposal(lai_chau.approver, exc.pk, "đã chi rồi")
    with pytest.raises(PaymentError) as e:
        services.propose_resolution(lai_chau.officer, exc.pk, APPLY, "hoàn trả thật")
    assert e.value.code == "item_changed"
    exc = services.get_exception_for(lai_chau.officer, exc.pk)
    assert services.is_stale(exc)
    assert services.allowed_for(exc) == [KEEP]


# --- the command line ----------------------------------------------------------------------------

def _cli(*args: str) -> str:
    out = io.StringIO()
    call_command("status_exceptions", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_status_exceptions_command_lists_proposes_approves_and_rejects(lai_chau, dien_bien):
    a, b = sent_items(2)
    a = set_status(a, S.ACCEPTED)
    ea = held(a, K.RETURN_BEFORE_PAID, "RTRN", amount=a.amount, file_name="bidv-camt-01.xml")
    eb = held(b, K.NEEDS_REVIEW, "BLCK")
    officer, approver = lai_chau.officer.username, lai_chau.approver.username
    listed = _cli("list", "--state", "open", "--cycle", "2026-11", "--as", officer)
    assert f"#{ea.pk}\t2026-11\topen\treturn_before_paid" in listed
    assert "bidv-camt-01.xml:7" in listed
    assert "2 ngoại lệ" in listed
    assert "0 ngoại lệ" in _cli("list", "--as", dien_bien.officer.username)
    out = _cli("propose", str(ea.pk), "--resolution", "apply", "--note", "Tiền đã về",
               "--as", officer)
    assert "proposed apply" in out
    with pytest.raises(CommandError, match="not permitted"):
        _cli("approve", str(ea.pk), "--as", officer)
    assert "returned" in _cli("approve", str(ea.pk), "--as", approver)
    assert _item(a).status == S.RETURNED
    _cli("propose", str(eb.pk), "--resolution", "keep", "--note", "chờ", "--as", officer)
    assert "sent back" in _cli("reject", str(eb.pk), "--reason", "hỏi lại", "--as", approver)
    with pytest.raises(CommandError, match="Not found"):
        _cli("propose", str(eb.pk), "--resolution", "keep", "--note", "x",
             "--as", dien_bien.officer.username)
    with pytest.raises(CommandError):
        _cli("propose", str(eb.pk), "--note", "x", "--as", officer)  # no --resolution
    eb.refresh_from_db()
    assert eb.state == ExceptionState.OPEN


def test_cli_refuses_a_bank_user(lai_chau):
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    with pytest.raises(CommandError):
        _cli("propose", str(exc.pk), "--resolution", "keep", "--note", "x",
             "--as", lai_chau.bank.username)
    assert "0 ngoại lệ" in _cli("list", "--as", lai_chau.bank.username)
    exc.refresh_from_db()
    assert exc.state == ExceptionState.OPEN


def test_a_resolved_exception_cannot_be_approved_again(lai_chau):
    """A resolved exception stays resolved: a second approval is refused, nothing moves."""
    (item,) = sent_items()
    exc = held(item, K.NEEDS_REVIEW, "BLCK")
    _resolve(exc, lai_chau.officer, lai_chau.approver)
    with pytest.raises(PaymentError) as e:
        services.approve_resolution(lai_chau.approver, exc.pk)
    assert e.value.code == "exception_state"
    assert StatusEvent.objects.filter(item=item).count() == 1
    exc.refresh_from_db()
    assert exc.resolved_at is not None
    assert timezone.now() - exc.resolved_at < timedelta(minutes=5)
