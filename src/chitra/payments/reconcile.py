# ruff: noqa: S608 - table names come from model metadata; values are parameters.
"""Status in: pain.002, camt.054 and post-office cash results → item statuses (DESIGN §8).

Validate first, then apply whole: an unknown OrgnlMsgId or EndToEndId, an amount that
differs, a line about an item never sent, or a status that contradicts a final one is
reported with its line and nothing from the file is applied. The same bytes twice are
recognized by their SHA-256 and applied once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from chitra.access.models import Role, User
from chitra.access.scoping import scope_of
from chitra.core import audit
from chitra.core.errors import Problem
from chitra.payments import cashresults, ids
from chitra.payments.errors import PaymentError
from chitra.payments.iso20022 import Iso20022Error, camt054, pain002
from chitra.payments.models import (
    CycleStatus,
    FileRanges,
    ItemStatus,
    Obligation,
    ObligationStatus,
    PaymentCycle,
    PaymentFile,
    PaymentItem,
    ProvincePaymentRule,
    RefusedStatusFile,
    StatusEvent,
    StatusFile,
    StatusSource,
    current_status,
)
from chitra.payments.transitions import (
    BAD_ACCOUNT_REASONS,
    DECEASED_REASONS,
    Outcome,
    next_status,
)
from chitra.registry.models import (
    BeneficiaryStatus,
    Benefit,
    BenefitStatus,
    Channel,
    PaymentAccount,
)
from chitra.registry.services import record_payment_account

MAX_STATUS_FILE_BYTES = 200 * 1024 * 1024
_BATCH = 5000


@dataclass(frozen=True)
class Line:
    """One status about one item, whatever the file format."""

    row: int | None
    end_to_end_id: str
    code: str  # ISO status (ACSC, RJCT…) or BOOKED / RTRN / CASH_PAID / CASH_NOT_COLLECTED
    reason: str
    amount: int | None
    msg_id: str | None


@dataclass
class IngestResult:
    file_name: str
    source: str = ""
    duplicate: bool = False
    lines: int = 0
    applied: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    to_recover: list[tuple[str, int]] = field(default_factory=list)  # (citizen id, đồng)


def _problem(row: int | None, column: str, value: str, code: str, vi: str, en: str) -> Problem:
    return Problem(row, column, value, code, vi, en)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sniff(path: Path) -> StatusSource:
    if path.suffix.lower() in (".xlsx", ".csv"):
        return StatusSource.CASH
    with path.open("rb") as f:
        head = f.read(4096)
    if b"pain.002" in head:
        return StatusSource.PAIN002
    if b"camt.054" in head:
        return StatusSource.CAMT054
    raise PaymentError("unknown_status_file",
                       "Không nhận ra loại tệp (cần pain.002, camt.054, hoặc kết quả chi tiền mặt"
                       " .xlsx/.csv).",
                       "Unknown status file (expected pain.002, camt.054 or cash results).")


def _read_lines(path: Path, source: StatusSource) -> tuple[list[Line], list[str]]:
    """All status lines of the file, plus the OrgnlMsgIds it names at group level."""
    lines: list[Line] = []
    group: list[str] = []
    with path.open("rb") as f:
        if source == StatusSource.PAIN002:
            group_status: dict[str, tuple[str, str]] = {}
            for s in pain002.read_pain002(f, max_bytes=MAX_STATUS_FILE_BYTES):
                if s.level == "transaction":
                    if not s.original_end_to_end_id:
                        raise Iso20022Error("Thiếu OrgnlEndToEndId.", "OrgnlEndToEndId missing.",
                                            s.line)
                    lines.append(Line(s.line, s.original_end_to_end_id, s.status,
                                      s.reason_code or "", s.amount, s.original_msg_id))
                elif s.status not in ("PART",):
                    group_status[s.original_msg_id] = (s.status, s.reason_code or "")
            # A group/payment status with no transaction lines applies to every item.
            for msg, (code, reason) in group_status.items():
                if not any(ln.msg_id == msg for ln in lines):
                    group.append(msg)
                    lines.append(Line(None, f"*{msg}", code, reason, None, msg))
        elif source == StatusSource.CAMT054:
            for n in camt054.read_camt054(f, max_bytes=MAX_STATUS_FILE_BYTES):
                if not n.end_to_end_id:
                    continue  # entries of other payments on the account are not ours
                code = "RTRN" if n.is_return else ("BOOKED" if n.confirms_payment else "")
                if code:
                    lines.append(Line(n.line, n.end_to_end_id, code, n.reason_code or "",
                                      n.amount, None))
        else:
            for r in cashresults.read_cash_results(path):
                lines.append(Line(r.row, r.end_to_end_id, r.code, r.reason, r.amount, None))
    return lines, group


@dataclass(frozen=True, slots=True)
class _Item:
    """The columns of an item a status line is checked against (no model instance: bulk)."""

    id: int
    end_to_end_id: str | None
    amount: int
    status: str
    channel: str
    file_id: int | None
    file_msg_id: str | None
    file_provider_id: int | None
    province_code: str


def _items(wanted: list[int]) -> dict[int, _Item]:
    """The items ``wanted`` with their current status, EndToEndId and file (which no item
    row stores: the file is the one of its cycle and provider whose id range holds it)."""
    rows: list[tuple[Any, ...]] = []
    for k in range(0, len(wanted), _BATCH):
        rows.extend(PaymentItem.objects.filter(id__in=wanted[k:k + _BATCH]).values_list(
            "id", "amount", "status", "channel", "provider_id", "cycle_id", "cycle__period",
            "cycle__sent_at", "cycle__province_code"))
    files = FileRanges(PaymentFile.objects.filter(cycle_id__in={r[5] for r in rows}))
    items: dict[int, _Item] = {}
    for item_id, amount, stored, channel, provider_id, cycle_id, period, sent_at, province \
            in rows:
        pf = files.of(cycle_id, provider_id, item_id)
        sent = sent_at is not None
        items[item_id] = _Item(
            item_id, ids.end_to_end_id(period, item_id) if sent else None, amount,
            current_status(stored, sent), channel, pf.pk if pf else None,
            pf.msg_id if pf else None, pf.provider_id if pf else None, province)
    return items


def _stored(status: str) -> list[str]:
    """Stored values of an item whose current status is ``status``."""
    if status == ItemStatus.SENT:
        return [ItemStatus.SENT.value, ItemStatus.PENDING.value]
    return [status]


def _may_ingest(user: User, item: _Item) -> bool:
    scope = scope_of(user)
    if user.is_superuser:
        return True
    if user.role in (Role.BHXH_OFFICER, Role.BHXH_APPROVER):
        return scope.province_code == item.province_code
    if user.role == Role.BANK_OPERATOR:
        return item.file_id is not None and scope.provider_id == item.file_provider_id
    if user.role == Role.POST_OFFICE_OPERATOR:
        return item.channel == Channel.CASH and scope.province_code == item.province_code
    return False


def ingest_status_file(path: Path, user: User, file_name: str | None = None) -> IngestResult:
    name = file_name or path.name
    result = IngestResult(file_name=name)
    digest = sha256_of(path)
    if StatusFile.objects.filter(sha256=digest).exists():
        result.duplicate = True
        return result
    source = _sniff(path)
    result.source = source
    try:
        lines, _groups = _read_lines(path, source)
    except Iso20022Error as e:
        result.problems.append(_problem(e.line, "", "", "bad_file", e.message_vi, e.message_en))
    except cashresults.CashResultError as e:
        result.problems.extend(e.problems)
    else:
        result.lines = len(lines)
        plan = _validate(lines, user, result)
        if not result.problems:
            _apply(plan, source, digest, name, user, result)
            return result
    _keep_refusal(digest, name, user, result)
    return result


def _keep_refusal(digest: str, name: str, user: User, result: IngestResult) -> None:
    RefusedStatusFile.objects.create(
        sha256=digest, file_name=name, provider_id=scope_of(user).provider_id,
        received_by=user.username,
        problems=[{"row": p.row, "column": p.column, "value": p.value[:200], "code": p.code,
                   "message_vi": p.message_vi, "message_en": p.message_en}
                  for p in result.problems[:1000]])
    audit.record(user.username, "status.refused", "status_file", digest[:16],
                 after={"file": name, "problems": len(result.problems)})


@dataclass(frozen=True)
class _Step:
    item_id: int
    from_status: str
    to_status: str | None  # None: recorded, no change
    code: str
    reason: str


def _validate(lines: list[Line], user: User, result: IngestResult) -> list[_Step]:
    files = {pf.msg_id: pf for pf in PaymentFile.objects.filter(
        msg_id__in={ln.msg_id for ln in lines if ln.msg_id})}
    for ln in lines:
        if ln.msg_id and ln.msg_id not in files:
            result.problems.append(_problem(ln.row, "OrgnlMsgId", ln.msg_id, "unknown_msg_id",
                                            "Không có tệp chi nào mang mã này.",
                                            "No payment file has this message id."))
    if result.problems:
        return []
    expanded: list[tuple[Line, int]] = []
    for ln in lines:
        if ln.end_to_end_id.startswith("*"):  # group level: every item of the file
            named = files[ln.msg_id or ""]
            expanded.extend((ln, i) for i in named.items().values_list("id", flat=True))
            continue
        item_id = ids.item_id_of(ln.end_to_end_id)
        if item_id is None:
            result.problems.append(_problem(ln.row, "EndToEndId", ln.end_to_end_id,
                                            "unknown_end_to_end_id",
                                            "Mã giao dịch không phải của hệ thống.",
                                            "Not an EndToEndId issued by chitra."))
        else:
            expanded.append((ln, item_id))
    items = _items(sorted({i for _, i in expanded}))
    steps: list[_Step] = []
    state: dict[int, str] = {}
    allowed_cache: dict[tuple[int | None, str], bool] = {}
    for ln, item_id in expanded:
        it = items.get(item_id)
        group_line = ln.end_to_end_id.startswith("*")
        if it is None or (not group_line and it.end_to_end_id != ln.end_to_end_id):
            result.problems.append(_problem(ln.row, "EndToEndId", ln.end_to_end_id,
                                            "unknown_end_to_end_id",
                                            "Không có giao dịch nào mang mã này.",
                                            "No payment item has this EndToEndId."))
            continue
        key = (it.file_id, it.channel)
        if key not in allowed_cache:
            allowed_cache[key] = _may_ingest(user, it)
        if not allowed_cache[key]:
            result.problems.append(_problem(ln.row, "EndToEndId", ln.end_to_end_id,
                                            "not_your_item",
                                            "Giao dịch không thuộc tệp của đơn vị bạn.",
                                            "This item is not in one of your files."))
            continue
        if ln.msg_id and it.file_msg_id != ln.msg_id:
            result.problems.append(_problem(ln.row, "OrgnlMsgId", ln.msg_id, "msg_id_mismatch",
                                            "Giao dịch không thuộc tệp này.",
                                            "The item is not in that message."))
            continue
        if ln.amount is not None and ln.amount != it.amount:
            result.problems.append(_problem(
                ln.row, "Amt", str(ln.amount), "amount_mismatch",
                f"Số tiền khác với lệnh chi ({it.amount} đồng).",
                f"Amount differs from the instruction ({it.amount} VND)."))
            continue
        current = state.get(it.id, it.status)
        d = next_status(current, ln.code)
        if d.outcome in (Outcome.CONFLICT, Outcome.NOT_SENT, Outcome.UNKNOWN_CODE):
            vi, en = {
                Outcome.CONFLICT: (f"Trạng thái {ln.code} mâu thuẫn với trạng thái '{current}'.",
                                   f"Status {ln.code} contradicts final status '{current}'."),
                Outcome.NOT_SENT: ("Giao dịch chưa được gửi.", "The item was never sent."),
                Outcome.UNKNOWN_CODE: (f"Mã trạng thái lạ: {ln.code}.",
                                       f"Unknown status code {ln.code}."),
            }[d.outcome]
            result.problems.append(_problem(ln.row, "Sts", ln.code, d.outcome.value, vi, en))
            continue
        if d.to is not None:
            state[it.id] = d.to
        steps.append(_Step(it.id, current, d.to.value if d.to else None, ln.code, ln.reason))
    return steps


def _apply(steps: list[_Step], source: str, digest: str, name: str, user: User,
           result: IngestResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        sf = StatusFile.objects.create(sha256=digest, source=source, file_name=name,
                                       received_by=user.username, lines=result.lines,
                                       provider_id=scope_of(user).provider_id)
        moves: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for s in steps:
            if s.to_status:
                moves[(s.from_status, s.to_status, s.reason)].append(s.item_id)
        for (frm, to, reason), item_ids in moves.items():
            for k in range(0, len(item_ids), _BATCH):
                PaymentItem.objects.filter(id__in=item_ids[k:k + _BATCH],
                                           status__in=_stored(frm)).update(
                    status=to, reason_code=reason, status_changed_at=now)
        _record_events(steps, sf.pk)
        result.applied = sum(1 for s in steps if s.to_status)
        result.unchanged = len(steps) - result.applied
        _settle_obligations(steps)
        _after_rejections(steps, user, result)
        sf.applied, sf.unchanged = result.applied, result.unchanged
        sf.save(update_fields=["applied", "unchanged"])
        touched = PaymentItem.objects.filter(id__in=[s.item_id for s in steps[:_BATCH]])
        PaymentCycle.objects.filter(id__in=touched.values("cycle_id"),
                                    status=CycleStatus.EXPORTED).update(
            status=CycleStatus.RECONCILING)
        audit.record(user.username, "status.ingest", "status_file", sf.pk,
                     after={"file": name, "lines": result.lines, "applied": result.applied})


def _record_events(steps: list[_Step], file_id: int) -> None:
    """One INSERT … SELECT per kind of step and batch: no Python object per event."""
    groups: dict[tuple[str, str, str, str], list[int]] = defaultdict(list)
    for s in steps:
        groups[(s.code, s.reason, s.from_status, s.to_status or s.from_status)].append(s.item_id)
    events, items = StatusEvent._meta.db_table, PaymentItem._meta.db_table
    now = timezone.now()
    with connection.cursor() as cur:
        for (code, reason, frm, to), item_ids in groups.items():
            for k in range(0, len(item_ids), _BATCH):
                batch = item_ids[k:k + _BATCH]
                cur.execute(
                    f"INSERT INTO {events} (item_id, source_file_id, iso_status, reason_code, "
                    "from_status, to_status, is_exception, resolved_by, at) "
                    f"SELECT id, %s, %s, %s, %s, %s, %s, '', %s FROM {items} "
                    f"WHERE id IN ({', '.join(['%s'] * len(batch))})",
                    [file_id, code, reason, frm, to, False, now, *batch])


def _ids_to(steps: Iterable[_Step], status: ItemStatus) -> list[int]:
    return [s.item_id for s in steps if s.to_status == status]


def _settle_obligations(steps: list[_Step]) -> None:
    paid, returned = _ids_to(steps, ItemStatus.PAID), _ids_to(steps, ItemStatus.RETURNED)
    for ids_, status in ((paid, ObligationStatus.PAID), (returned, ObligationStatus.OPEN)):
        for k in range(0, len(ids_), _BATCH):
            of_items = PaymentItem.objects.filter(id__in=ids_[k:k + _BATCH])
            Obligation.objects.filter(id__in=of_items.values("obligation_id")).update(
                status=status)


def _after_rejections(steps: list[_Step], user: User, result: IngestResult) -> None:
    """Bad account → close it (and switch to cash by the province rule); MD07 → deceased."""
    rejected = [s for s in steps if s.to_status in (ItemStatus.REJECTED, ItemStatus.RETURNED)
                and s.reason in BAD_ACCOUNT_REASONS | DECEASED_REASONS]
    if not rejected:
        return
    items = PaymentItem.objects.filter(id__in=[s.item_id for s in rejected]).select_related(
        "beneficiary", "cycle")
    reasons = {s.item_id: s.reason for s in rejected}
    today = timezone.localdate()
    for it in items:
        reason = reasons[it.id]
        b = it.beneficiary
        if reason in DECEASED_REASONS and b.status != BeneficiaryStatus.DECEASED:
            b.status = BeneficiaryStatus.DECEASED
            b.status_reason = f"Ngân hàng báo người hưởng đã chết ({reason}) ngày {today:%d/%m/%Y}"
            b.save(update_fields=["status", "status_reason", "updated_at"])
            Benefit.objects.filter(beneficiary=b, status=BenefitStatus.ACTIVE).update(
                status=BenefitStatus.SUSPENDED)
            audit.record(user.username, "beneficiary.deceased", "beneficiary", b.pk,
                         after={"reason": reason, "item": it.id})
            # Paid after the date of death (here: the date the bank reported it) → recover.
            for cid, amount in PaymentItem.objects.filter(
                    beneficiary=b, status=ItemStatus.PAID, payment_date__gte=today
            ).values_list("citizen_id", "amount"):
                result.to_recover.append((cid, amount))
        elif reason in BAD_ACCOUNT_REASONS:
            current = PaymentAccount.objects.filter(beneficiary=b, valid_to__isnull=True).first()
            if current is None or current.account_number != it.account_number:
                continue  # already corrected since the item was frozen
            rule = ProvincePaymentRule.objects.filter(province_code=it.cycle.province_code).first()
            as_cash = rule.reissue_bad_account_as_cash if rule else True
            if as_cash:
                record_payment_account(
                    b, channel=Channel.CASH, provider=None, account_number="", holder_name="",
                    valid_from=max(today, current.valid_from + timedelta(days=1)),
                    actor=user.username, reason=f"{reason}: tài khoản bị ngân hàng từ chối")
            else:
                current.valid_to = max(today, current.valid_from)
                current.closed_reason = f"{reason}: tài khoản bị ngân hàng từ chối"
                current.save(update_fields=["valid_to", "closed_reason"])
                audit.record(user.username, "payment_account.close", "beneficiary", b.pk,
                             after={"reason": reason})


