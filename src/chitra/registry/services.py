"""Registry use cases: one function each, the caller owns the transaction edge (STYLE §1)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from chitra.access.models import Role, User
from chitra.access.scoping import NOTHING, scope_of
from chitra.core import audit
from chitra.core.accounts import check_account_number
from chitra.core.admin_units import current_wards
from chitra.core.errors import DomainError, NotInScope
from chitra.core.identifiers import check_citizen_id
from chitra.core.models import PaymentProvider
from chitra.core.text import fold_key, has_invisible, nfc
from chitra.registry.models import (
    ACCOUNT_CHANGE_AWAITING,
    AccountChangeStatus,
    Authorization,
    Beneficiary,
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    Channel,
    IdentityCorrection,
    PaymentAccount,
    PendingAccountChange,
)

_T = TypeVar("_T")
_K = TypeVar("_K")

MAX_AUTHORIZATION_DAYS = 366  # "at most 12 months" (DESIGN §6), a leap year included


def _account_snapshot(acc: PaymentAccount | None) -> dict[str, object] | None:
    if acc is None:
        return None
    return {"id": acc.id, "channel": acc.channel, "provider": acc.provider_id,
            "account_tail": acc.account_number[-4:], "holder_name": acc.holder_name,
            "valid_from": acc.valid_from.isoformat()}


@transaction.atomic
def record_payment_account(
    beneficiary: Beneficiary, *, channel: Channel, provider: PaymentProvider | None,
    account_number: str, holder_name: str, valid_from: date, actor: str,
    approved_by: str = "", reason: str = "",
) -> PaymentAccount:
    """Make a new current payment account; the previous one is closed, never overwritten.

    Locks the beneficiary row so two changes cannot both close the same account.
    """
    Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    account_number = account_number.strip()
    holder_name = nfc(holder_name)
    if channel == Channel.CASH:
        if provider or account_number:
            raise DomainError("cash_has_account", "Chi tiền mặt không có tài khoản.",
                              "Cash payment has no account.")
    else:
        if provider is None or not holder_name:
            raise DomainError("account_incomplete",
                              "Cần tổ chức, số tài khoản và tên chủ tài khoản.",
                              "Provider, account number and holder name are required.")
        problems = check_account_number(account_number, provider.account_min_length,
                                        provider.account_max_length)
        if problems:
            raise DomainError(problems[0].code, problems[0].message_vi, problems[0].message_en)
    current = PaymentAccount.objects.filter(beneficiary=beneficiary,
                                            valid_to__isnull=True).first()
    if current is not None:
        if valid_from <= current.valid_from:
            raise DomainError("account_date_order",
                              "Ngày hiệu lực phải sau ngày của tài khoản hiện tại.",
                              "The new account must start after the current one.")
        current.valid_to = valid_from - timedelta(days=1)
        current.closed_reason = reason or "thay đổi phương thức / method changed"
        current.save(update_fields=["valid_to", "closed_reason"])
    new = PaymentAccount.objects.create(
        beneficiary=beneficiary, channel=channel, provider=provider,
        account_number=account_number, holder_name=holder_name,
        holder_name_key=fold_key(holder_name), valid_from=valid_from, created_by=actor,
        approved_by=approved_by)
    audit.record(actor, "payment_account.change", "beneficiary", beneficiary.pk,
                 before=_account_snapshot(current), after=_account_snapshot(new))
    return new


@transaction.atomic
def add_authorization(beneficiary: Beneficiary, *, proxy_name: str, proxy_citizen_id: str,
                      relationship: str, valid_from: date, valid_to: date,
                      actor: str, letter_path: str = "") -> Authorization:
    """Record a giấy ủy quyền; it lasts at most 12 months."""
    if check_citizen_id(proxy_citizen_id):
        p = check_citizen_id(proxy_citizen_id)[0]
        raise DomainError(p.code, p.message_vi, p.message_en)
    if valid_to < valid_from or (valid_to - valid_from).days > MAX_AUTHORIZATION_DAYS:
        raise DomainError("authorization_period",
                          "Giấy ủy quyền có hiệu lực tối đa 12 tháng.",
                          "An authorization lasts at most 12 months.")
    auth = Authorization.objects.create(
        beneficiary=beneficiary, proxy_name=nfc(proxy_name), proxy_citizen_id=proxy_citizen_id,
        proxy_relationship=relationship, valid_from=valid_from, valid_to=valid_to,
        letter_path=letter_path, created_by=actor)
    audit.record(actor, "authorization.add", "beneficiary", beneficiary.pk,
                 after={"authorization": auth.pk, "valid_to": valid_to.isoformat()})
    return auth


def stop_payment(beneficiary: Beneficiary, *, status: BeneficiaryStatus, reason: str,
                 actor: str) -> bool:
    """Suspend (or mark deceased) a beneficiary and suspend their active benefits, so no
    later cycle computes a payment for them. Returns False if they already were so."""
    return bool(stop_payments({beneficiary.pk: reason}, status=status, actor=actor))


def stop_payments(reasons: Mapping[int, str], *, status: BeneficiaryStatus,
                  actor: str) -> list[int]:
    """:func:`stop_payment` for many at once (``reasons``: beneficiary id → reason), in a
    handful of statements whatever their number; the ids it stopped (not already so), in
    id order.

    Locks the beneficiary rows, in id order, before reading them: call it inside the
    caller's transaction."""
    if status == BeneficiaryStatus.ACTIVE or any(not r.strip() for r in reasons.values()):
        raise DomainError("stop_payment_invalid", "Cần trạng thái dừng chi và lý do.",
                          "A stopping status and a reason are required.")
    why = {pk: r.strip()[:300] for pk, r in reasons.items()}
    before = {pk: (was, was_why) for pk, was, was_why in _lock_people(
        sorted(why), "status", "status_reason") if was != status}
    stopped = sorted(before)
    now = timezone.now()  # what ``save()`` gives ``updated_at`` (auto_now)
    _update_each(stopped, "status_reason", why, status=status, updated_at=now)
    for part in _parts(stopped):
        Benefit.objects.filter(beneficiary_id__any=part, status=BenefitStatus.ACTIVE).update(
            status=BenefitStatus.SUSPENDED)
    audit.record_many(actor, "beneficiary.stop_payment", "beneficiary", [
        (pk, {"status": before[pk][0], "reason": before[pk][1]},
         {"status": status, "reason": why[pk]}) for pk in stopped])
    return stopped


# --- an account the provider refused (reconciliation's follow-up) ------------------------------

@dataclass(frozen=True)
class AccountClosing:
    """Close a beneficiary's current account because a payment to it was refused, if it is
    still ``account_number`` (one corrected since stays)."""

    beneficiary_id: int
    account_number: str
    reason: str  # kept as the account's ``closed_reason``
    cash_instead: bool  # pay in cash from the next day; otherwise no account until a new one


@transaction.atomic
def close_payment_accounts(closings: Iterable[AccountClosing], *, actor: str,
                           today: date) -> list[int]:
    """Close each current account named (the first closing naming it wins), in a handful of
    statements whatever their number; the beneficiary ids whose account was closed.

    With ``cash_instead`` the account ends the day before a new cash account starts (as
    :func:`record_payment_account` would close it, audited ``payment_account.change``);
    otherwise it ends today (``payment_account.close``). Locks the beneficiary rows in id
    order, then their current accounts, as :func:`record_payment_account` does, so a change
    made meanwhile is either waited for and seen, or waits and then sees this one."""
    wanted: dict[int, list[AccountClosing]] = {}
    for c in closings:
        wanted.setdefault(c.beneficiary_id, []).append(c)
    people = sorted(wanted)
    _lock_people(people)
    current = {a.beneficiary_id: a for part in _parts(people) for a in (
        PaymentAccount.objects.select_for_update().filter(beneficiary_id__any=part,
                                                          valid_to__isnull=True)
        .order_by("beneficiary_id"))}
    closed: list[tuple[PaymentAccount, AccountClosing]] = []
    for pk in people:
        acc = current.get(pk)
        closing = next((c for c in wanted[pk]
                        if acc and c.account_number == acc.account_number), None)
        if acc is None or closing is None:
            continue  # corrected since the payment was made
        # Cash starts today (or the day after the account did): the account ends the day before.
        acc.valid_to = max(today - timedelta(days=1) if closing.cash_instead else today,
                           acc.valid_from)
        acc.closed_reason = closing.reason
        closed.append((acc, closing))
    for (valid_to, reason), accs in _grouped(
            [a for a, _ in closed], lambda a: (a.valid_to, a.closed_reason)).items():
        for part in _parts([a.pk for a in accs]):
            PaymentAccount.objects.filter(pk__any=part).update(valid_to=valid_to,
                                                              closed_reason=reason)
    cash = {acc.beneficiary_id: PaymentAccount(
        beneficiary_id=acc.beneficiary_id, channel=Channel.CASH, provider=None,
        account_number="", holder_name="", holder_name_key=fold_key(""),
        valid_from=acc.valid_to + timedelta(days=1), created_by=actor)
        for acc, c in closed if c.cash_instead and acc.valid_to is not None}
    PaymentAccount.objects.bulk_create(cash.values(), batch_size=_PART)
    audit.record_many(actor, "payment_account.change", "beneficiary", [
        (acc.beneficiary_id, _account_snapshot(acc), _account_snapshot(cash[acc.beneficiary_id]))
        for acc, c in closed if c.cash_instead])
    audit.record_many(actor, "payment_account.close", "beneficiary", [
        (acc.beneficiary_id, _account_snapshot(acc),
         {"valid_to": str(acc.valid_to), "reason": acc.closed_reason})
        for acc, c in closed if not c.cash_instead])
    return [acc.beneficiary_id for acc, _ in closed]


_PART = 2_000  # ids per statement: well under SQLite's limit of bound parameters


def _parts(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), _PART):
        yield ids[i:i + _PART]


def _grouped(rows: Iterable[_T], key: Callable[[_T], _K]) -> dict[_K, list[_T]]:
    groups: dict[_K, list[_T]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


_FEW_VALUES = 8


def _update_each(pks: Sequence[int], field: str, values: Mapping[int, Any],
                 **same: Any) -> None:
    """Set ``field`` of each beneficiary to its own value (and the ``same`` fields to theirs)
    in a few statements: one per value when there are few (a reason shared by all); else,
    on PostgreSQL, one joining two arrays (ids, values), elsewhere ``bulk_update``'s CASE
    (deaths on hundreds of different dates: a statement per date cost seconds)."""
    groups = _grouped(pks, lambda pk: values[pk])
    if len(groups) <= _FEW_VALUES:
        for value, ids in groups.items():
            for part in _parts(ids):
                Beneficiary.objects.filter(pk__any=part).update(**{field: value}, **same)
        return
    if connection.vendor != "postgresql":
        Beneficiary.objects.bulk_update(
            [Beneficiary(pk=pk, **{field: values[pk]}, **same) for pk in pks],
            [field, *same], batch_size=500)
        return
    meta = Beneficiary._meta
    target, *others = (_concrete(name) for name in (field, *same))
    sets = [f"{target.column} = v.value"] + [f"{f.column} = %s" for f in others]
    with connection.cursor() as cursor:  # names from the model, values as parameters
        cursor.execute(
            f"UPDATE {meta.db_table} b SET {', '.join(sets)} "  # noqa: S608
            f"FROM unnest(%s::bigint[], %s::{target.db_type(connection)}[]) AS v(id, value) "
            "WHERE b.id = v.id",
            [*same.values(), list(pks), [values[pk] for pk in pks]])


def _concrete(name: str) -> Field[Any, Any]:
    field = Beneficiary._meta.get_field(name)
    assert isinstance(field, Field)  # a column, not a relation's other side
    return field


def lock_beneficiaries(ids: Iterable[int]) -> None:
    """Lock these beneficiaries, in id order, for a caller that then runs several of the
    use cases above in one transaction: their locks are then already held, and the union is
    taken in one order (no crosswise wait with another caller)."""
    _lock_people(sorted(set(ids)))


def _lock_people(ids: Sequence[int], *fields: str) -> list[tuple[Any, ...]]:
    """``SELECT … FOR UPDATE`` of the beneficiaries, in id order (two callers that each
    lock several never wait on each other crosswise); ``(id, *fields)`` of each."""
    return [row for part in _parts(ids) for row in Beneficiary.objects.select_for_update()
            .filter(pk__any=part).order_by("pk").values_list("pk", *fields)]


# --- account changes proposed by an import: maker–checker --------------------------------------

class AccountChangeForbidden(DomainError):
    http_status = 403

    def __init__(self) -> None:
        super().__init__("account_change_forbidden",
                         "Chỉ lãnh đạo duyệt BHXH của tỉnh được duyệt thay đổi tài khoản.",
                         "Only the province's BHXH approvers may decide account changes.")


def may_decide_account_changes(user: User, province_code: str | None = None) -> bool:
    """BHXH approvers of the province (superusers anywhere)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = scope_of(user)
    return (user.role == Role.BHXH_APPROVER and scope.sees_people
            and scope.province_code not in (None, NOTHING.province_code)
            and (province_code is None or scope.province_code == province_code))


def _sees(user: User, person: Beneficiary) -> bool:
    scope = scope_of(user)
    return scope.sees_people and all(
        mine is None or mine == theirs for mine, theirs in (
            (scope.province_code, person.province_code), (scope.ward_code, person.ward_code)))


def _awaiting_change(pk: int, actor: User) -> PendingAccountChange:
    """The change, locked; :class:`NotInScope` (404) if it is missing or outside ``actor``'s
    scope, refused unless ``actor`` may decide it: an approver of its province who neither
    made it nor gave its first approval."""
    change = (PendingAccountChange.objects.select_for_update(of=("self",))
              .select_related("beneficiary", "provider").filter(pk=pk).first())
    if change is None or not _sees(actor, change.beneficiary):
        raise NotInScope()
    if not may_decide_account_changes(actor, change.beneficiary.province_code):
        raise AccountChangeForbidden()
    if change.status not in ACCOUNT_CHANGE_AWAITING:
        raise DomainError("account_change_decided", "Thay đổi này đã được xử lý.",
                          "This change was already decided.")
    if actor.username == change.made_by:
        raise DomainError("maker_checker", "Người nhập tệp không tự duyệt được thay đổi này.",
                          "Whoever imported a change cannot decide it.")
    if actor.username == change.first_approved_by:
        raise DomainError("second_approver",
                          "Đã duyệt lần một: cần một người duyệt khác quyết định.",
                          "You gave the first approval: another approver must decide.")
    return change


def _refuse_if_cannot_apply(change: PendingAccountChange) -> PaymentAccount | None:
    """The beneficiary's current account, read under the lock of the beneficiary row (so a
    change approved on another path meanwhile waits, then is seen); refused if it is no
    longer the one the import saw, or if the proposed account is someone else's."""
    Beneficiary.objects.select_for_update().filter(pk=change.beneficiary_id).get()
    current = PaymentAccount.objects.filter(beneficiary_id=change.beneficiary_id,
                                            valid_to__isnull=True).first()
    if (current.pk if current else None) != change.replaces_id:
        raise DomainError("account_change_stale",
                          "Tài khoản hiện tại đã thay đổi sau khi nhập tệp; hãy không duyệt "
                          "và nhập lại nếu cần.",
                          "The current account changed after the import; reject this change "
                          "and import again if needed.")
    if change.channel != Channel.CASH and PaymentAccount.objects.filter(
            valid_to__isnull=True, provider_id=change.provider_id,
            account_number=change.account_number,
    ).exclude(beneficiary_id=change.beneficiary_id).exists():
        raise DomainError("account_used_by_another",
                          "Tài khoản đang dùng để nhận tiền cho người khác.",
                          "The account is another beneficiary's current account.")
    return current


@transaction.atomic
def approve_pending_account_change(pk: int, actor: User, *, note: str = "",
                                   today: date | None = None) -> PaymentAccount | None:
    """A BHXH approver (not the importer) approves an account change an import proposed:
    the proposed account becomes the current version (the old one is closed, never
    overwritten) and is returned. Refused if the current account is no longer the one the
    import saw, or if the proposed one is another beneficiary's current account.

    An account not in the beneficiary's name needs two approvers, neither the importer,
    each giving a reason (``note``): the first approval leaves the change
    ``first_approved`` and returns ``None``; the second applies it.
    """
    today = today or timezone.localdate()
    change = _awaiting_change(pk, actor)
    current = _refuse_if_cannot_apply(change)
    note = nfc(note)[:300]
    if change.needs_two_approvers:
        if not note:
            raise DomainError(
                "approval_reason",
                "Tiền chuyển vào tài khoản không đứng tên người hưởng: cần ghi lý do duyệt.",
                "The money goes to an account not in the beneficiary's name: give the "
                "reason for approving.")
        if change.status == AccountChangeStatus.PENDING:
            _first_approval(change, actor, note)
            return None
    valid_from = today if current is None or current.valid_from < today else (
        current.valid_from + timedelta(days=1))
    new = record_payment_account(
        change.beneficiary, channel=Channel(change.channel), provider=change.provider,
        account_number=change.account_number, holder_name=change.holder_name,
        valid_from=valid_from, actor=change.made_by, approved_by=actor.username,
        reason="thay đổi khi nhập tệp, đã duyệt / changed by import, approved")
    _decide(change, actor, AccountChangeStatus.APPROVED, note, account=new.pk)
    return new


@transaction.atomic
def reject_pending_account_change(pk: int, actor: User, *, note: str = ""
                                  ) -> PendingAccountChange:
    """A BHXH approver (not the importer, nor the first approver) rejects an account change
    an import proposed: the current account stays."""
    change = _awaiting_change(pk, actor)
    _decide(change, actor, AccountChangeStatus.REJECTED, nfc(note)[:300])
    return change


def _first_approval(change: PendingAccountChange, actor: User, reason: str) -> None:
    change.status = AccountChangeStatus.FIRST_APPROVED
    change.first_approved_by, change.first_approved_at = actor.username, timezone.now()
    change.first_approval_reason = reason
    change.save(update_fields=["status", "first_approved_by", "first_approved_at",
                               "first_approval_reason"])
    audit.record(actor.username, "payment_account.import_change_first_approval",
                 "beneficiary", change.beneficiary_id,
                 before={"change": change.pk, "status": AccountChangeStatus.PENDING,
                         "made_by": change.made_by},
                 after={"change": change.pk, "status": change.status, "reason": reason})


def _decide(change: PendingAccountChange, actor: User, status: AccountChangeStatus,
            note: str, account: int | None = None) -> None:
    before = change.status
    change.status = status
    change.decided_by, change.decided_at = actor.username, timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(actor.username, f"payment_account.import_change_{status}", "beneficiary",
                 change.beneficiary_id,
                 before={"change": change.pk, "status": before, "made_by": change.made_by,
                         "first_approved_by": change.first_approved_by},
                 after={"change": change.pk, "status": status, "account": account,
                        "note": change.decision_note})


# --- what the national population database says (issue 16) -----------------------------------

def _death_refused(message_vi: str, message_en: str) -> DomainError:
    return DomainError("death_invalid", message_vi, message_en)


@transaction.atomic
def record_deaths(deaths: Mapping[int, date], *, source: str, actor: str) -> list[int]:
    """Record that these beneficiaries died (beneficiary id → date of death, e.g. from the
    police's answer; ``source`` says where from) and stop their payment through
    :func:`stop_payments` with the status deceased, so no later cycle computes an item for
    them. A date already recorded stays. The ids whose date of death was recorded now, in id
    order.

    All or nothing: refused if one of them does not exist, or died before being born or in
    the future. Locks the beneficiary rows (id order)."""
    source = source.strip()
    if not source:
        raise _death_refused("Cần nêu nguồn thông tin người hưởng đã chết.",
                             "The source of the death is required.")
    today = timezone.localdate()
    rows = {pk: (born, died) for pk, born, died in _lock_people(
        sorted(deaths), "date_of_birth", "death_date")}
    if missing := sorted(set(deaths) - set(rows)):
        raise _death_refused(f"Không có người hưởng số {missing[0]}.",
                             f"There is no beneficiary {missing[0]}.")
    for pk in sorted(deaths):
        died = deaths[pk]
        if not isinstance(died, date) or isinstance(died, datetime):
            raise TypeError(f"a date of death must be a date, not {type(died).__name__}")
        if died < rows[pk][0] or died > today:
            raise _death_refused(
                f"Ngày chết {died:%d/%m/%Y} của người hưởng số {pk} không hợp lệ (trước ngày "
                "sinh hoặc sau hôm nay).",
                f"Date of death {died:%d/%m/%Y} of beneficiary {pk} is invalid (before the "
                "date of birth or after today).")
    new = [pk for pk in sorted(deaths) if rows[pk][1] is None]
    # Deceased first: the database allows a date of death only on a deceased person.
    stop_payments({pk: f"Đã chết ngày {deaths[pk]:%d/%m/%Y} ({source})"[:300] for pk in new},
                  status=BeneficiaryStatus.DECEASED, actor=actor)
    _update_each(new, "death_date", deaths)
    audit.record_many(actor, "beneficiary.record_death", "beneficiary", [
        (pk, {"death_date": None}, {"death_date": deaths[pk].isoformat(), "source": source})
        for pk in new])
    return new


IDENTITY_FIELDS = ("full_name", "date_of_birth", "ward_code")
_NAME_MAX = 120  # Beneficiary.full_name


def _unprintable(text: str) -> bool:
    """Control (C0, DEL, C1), format, line or paragraph separator characters, or a
    bidirectional control or invisible character (as an import refuses them)."""
    return has_invisible(text) or any(
        unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text)


def _identity_refused(message_vi: str, message_en: str) -> DomainError:
    return DomainError("identity_invalid", message_vi, message_en)


@transaction.atomic
def correct_identity(beneficiary_id: int, *, full_name: str | None = None,
                     date_of_birth: date | None = None, ward_code: str | None = None,
                     actor: str, reason: str) -> list[IdentityCorrection]:
    """Correct a beneficiary's name, date of birth or ward (``None``: unchanged), keeping
    ``name_key`` in step; the old and new value of each field changed are kept as
    :class:`IdentityCorrection` rows under one audit entry ``beneficiary.correct_identity``.
    The rows, in field order.

    Refused if nothing changes, without a reason, or with a value that cannot be: an empty
    or overlong name, one with control, line-separator or invisible characters (as an import
    refuses them), a birth in the future or after the recorded death, a ward that is not a
    current ward of the beneficiary's province (a move to another province is a transfer of
    the file, not a correction). Locks the beneficiary row."""
    reason = nfc(reason)[:300]
    if not reason:
        raise _identity_refused("Cần ghi lý do sửa.", "A reason for the correction is required.")
    person = Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).first()
    if person is None:
        raise NotInScope()
    wanted: dict[str, object] = {}
    if full_name is not None:
        # Checked before ``nfc`` folds line separators and some controls into spaces.
        if _unprintable(full_name):
            raise _identity_refused(
                "Họ tên có ký tự điều khiển, ngắt dòng hoặc ký tự ẩn (không được phép).",
                "The name holds control, line-separator or invisible characters (not "
                "allowed).")
        name = nfc(full_name)
        if not name or len(name) > _NAME_MAX:
            raise _identity_refused("Họ tên trống hoặc quá dài.",
                                    "The name is empty or too long.")
        wanted["full_name"] = name
    if date_of_birth is not None:
        if not isinstance(date_of_birth, date) or isinstance(date_of_birth, datetime):
            raise TypeError("date_of_birth must be a date")
        if date_of_birth > timezone.localdate() or (
                person.death_date is not None and date_of_birth > person.death_date):
            raise _identity_refused("Ngày sinh sau hôm nay hoặc sau ngày chết.",
                                    "The date of birth is after today or after the death.")
        wanted["date_of_birth"] = date_of_birth
    if ward_code is not None:
        ward = current_wards().get(ward_code)
        if ward is None or ward.province_code != person.province_code:
            raise _identity_refused(
                f"Mã phường/xã {ward_code!r} không thuộc tỉnh của người hưởng.",
                f"Ward code {ward_code!r} is not a ward of the beneficiary's province.")
        wanted["ward_code"] = ward_code
    changed = {field: (getattr(person, field), value) for field, value in wanted.items()
               if getattr(person, field) != value}
    if not changed:
        raise DomainError("identity_unchanged", "Không có gì thay đổi.", "Nothing changes.")
    for field, (_old, value) in changed.items():
        setattr(person, field, value)
    fields = list(changed)
    if "full_name" in changed:
        person.name_key = fold_key(person.full_name)
        fields.append("name_key")
    person.save(update_fields=[*fields, "updated_at"])
    entry = audit.record(actor, "beneficiary.correct_identity", "beneficiary", person.pk,
                         before={f: str(old) for f, (old, _) in changed.items()},
                         after={**{f: str(new) for f, (_, new) in changed.items()},
                                "reason": reason})
    return IdentityCorrection.objects.bulk_create([
        IdentityCorrection(beneficiary=person, audit_entry=entry, field=field,
                           old_value=str(old), new_value=str(new), reason=reason, actor=actor)
        for field in IDENTITY_FIELDS if field in changed
        for old, new in [changed[field]]])
