"""A beneficiary's change history, read from the audit log (DESIGN §3.4) for people to read:
who (a name, not a username; "Hệ thống" for the system), when, what changed (old → new) in
labels, never the JSON keys or raw enum values the entries hold.

Bounded: a handful of queries whatever the history's length (the latest
:data:`HISTORY_LIMIT` entries; names, providers and payment points looked up once each).
Values of higher layers (a contact's outcome) are labelled by the caller through
``value_labels`` (registry imports no outreach).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chitra.access.models import User
from chitra.core.admin_units import ward_name
from chitra.core.identifiers import mask
from chitra.core.models import AuditEntry, PaymentProvider
from chitra.core.money import format_vnd
from chitra.registry.models import (
    AccountChangeStatus,
    BeneficiaryStatus,
    BenefitType,
    Channel,
    ImportFieldChange,
    PaymentPoint,
    SexChoice,
)

HISTORY_LIMIT = 50  # audit entries shown, newest first
IMPORT_FIELD_LIMIT = 300  # field changes from imports read (they group into entries)
SYSTEM_PREFIX = "system:"

# What each action did, for people. An action not listed is "another change".
ACTIONS: dict[str, Any] = {
    "payment_account.change": gettext_lazy("Đổi tài khoản nhận tiền"),
    "payment_account.close": gettext_lazy("Đóng tài khoản nhận tiền"),
    "authorization.add": gettext_lazy("Thêm giấy ủy quyền"),
    "beneficiary.stop_payment": gettext_lazy("Dừng chi trả"),
    "beneficiary.import": gettext_lazy("Cập nhật từ tệp nhập"),
    "payment_account.import_change_first_approval":
        gettext_lazy("Duyệt lần một đổi tài khoản (từ tệp nhập)"),
    "payment_account.import_change_approved": gettext_lazy("Duyệt đổi tài khoản (từ tệp nhập)"),
    "payment_account.import_change_rejected":
        gettext_lazy("Không duyệt đổi tài khoản (từ tệp nhập)"),
    "outreach.contact": gettext_lazy("Ghi nhận lần gặp"),
    "outreach.method_change_submitted": gettext_lazy("Đề nghị đổi hình thức nhận"),
    "outreach.method_change_first_approval":
        gettext_lazy("Duyệt lần một đề nghị đổi hình thức nhận"),
    "outreach.method_change_decided.approved": gettext_lazy("Duyệt đề nghị đổi hình thức nhận"),
    "outreach.method_change_decided.refused":
        gettext_lazy("Không duyệt đề nghị đổi hình thức nhận"),
    "outreach.report_reviewed.approved": gettext_lazy("Xác nhận báo cáo của tổ công tác"),
    "outreach.report_reviewed.refused": gettext_lazy("Trả lại báo cáo của tổ công tác"),
}
OTHER_ACTION = gettext_lazy("Thay đổi khác")

# Field keys (of audit snapshots and of import field changes) → label. A key not listed is
# an internal reference (ids, client refs) and is not shown.
FIELDS: dict[str, Any] = {
    "channel": gettext_lazy("Hình thức nhận"),
    "provider": gettext_lazy("Ngân hàng/Ví điện tử"),
    "account_tail": gettext_lazy("Số tài khoản"),
    "holder_name": gettext_lazy("Chủ tài khoản"),
    "valid_from": gettext_lazy("Hiệu lực từ"),
    "valid_to": gettext_lazy("Hiệu lực đến"),
    "reason": gettext_lazy("Lý do"),
    "note": gettext_lazy("Ghi chú"),
    "status": gettext_lazy("Trạng thái"),
    "made_by": gettext_lazy("Người đề nghị"),
    "first_approved_by": gettext_lazy("Người duyệt lần một"),
    "two_approvers": gettext_lazy("Cần hai người duyệt"),
    "outcome": gettext_lazy("Kết quả"),
    "place": gettext_lazy("Nơi gặp"),
    "full_name": gettext_lazy("Họ tên"),
    "date_of_birth": gettext_lazy("Ngày sinh"),
    "sex": gettext_lazy("Giới tính"),
    "ward_code": gettext_lazy("Phường/xã"),
    "bhxh_code": gettext_lazy("Mã số BHXH"),
    "street": gettext_lazy("Địa chỉ"),
    "phone": gettext_lazy("Điện thoại"),
    "payment_point": gettext_lazy("Điểm chi trả"),
    "benefit_amount": gettext_lazy("Số tiền hưởng"),
    "benefit_end": gettext_lazy("Ngày kết thúc hưởng"),
    "benefit_added": gettext_lazy("Chế độ mới"),
}
_DATES = frozenset({"valid_from", "valid_to", "date_of_birth", "benefit_end"})
_PEOPLE = frozenset({"made_by", "first_approved_by"})
_CHOICES: dict[str, Mapping[str, str]] = {
    "channel": dict(Channel.choices),
    "sex": dict(SexChoice.choices),
    # A beneficiary's status, or an import's account change's status.
    "status": {**dict(AccountChangeStatus.choices), **dict(BeneficiaryStatus.choices)},
}

ValueLabels = Mapping[str, Callable[[str], str]]


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str  # "" when there was none
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    what: str
    changes: tuple[FieldChange, ...]


def actor_names(usernames: Iterable[str]) -> dict[str, str]:
    """Username → the name to show, in one query: the user's full name (their username if
    they have none), "Hệ thống" for the system, the text itself when no user has it (an
    old record's free text)."""
    wanted = {u for u in usernames if u}
    names = {u: (_("Hệ thống") if u.startswith(SYSTEM_PREFIX) else u) for u in wanted}
    people = [u for u in wanted if not u.startswith(SYSTEM_PREFIX)]
    for user in User.objects.filter(username__in=people).only("username", "first_name",
                                                               "last_name"):
        names[user.username] = user.get_full_name() or user.username
    return names


def change_history(beneficiary_id: int, *, show_ids: bool = False,
                   value_labels: ValueLabels | None = None,
                   limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The beneficiary's latest ``limit`` changes, newest first."""
    entries = list(AuditEntry.objects.filter(object_type="beneficiary",
                                             object_id=str(beneficiary_id))
                   .exclude(action="download").order_by("-id")[:limit])
    imported: dict[int, tuple[AuditEntry, list[ImportFieldChange]]] = {}
    for fc in (ImportFieldChange.objects.filter(beneficiary_id=beneficiary_id)
               .select_related("audit_entry").order_by("-id")[:IMPORT_FIELD_LIMIT]):
        imported.setdefault(fc.audit_entry_id, (fc.audit_entry, []))[1].append(fc)
    raw: list[tuple[AuditEntry, str, list[tuple[str, Any, Any]]]] = []
    for e in entries:
        raw.append((e, _action_key(e), _diff(e.before, e.after)))
    for entry, changes in imported.values():
        raw.append((entry, "beneficiary.import",
                    [(c.field, c.old_value, c.new_value) for c in reversed(changes)
                     if c.field in FIELDS]))  # an unlabelled field is internal: not shown
    raw.sort(key=lambda r: (r[0].at, r[0].id), reverse=True)
    raw = raw[:limit]
    lookup = _Lookup(raw, show_ids, value_labels or {})
    return [HistoryEntry(at=e.at, who=lookup.names.get(e.actor, e.actor),
                         what=str(ACTIONS.get(key, OTHER_ACTION)),
                         changes=tuple(lookup.change(k, o, n) for k, o, n in diff))
            for e, key, diff in raw]


def _action_key(e: AuditEntry) -> str:
    after = e.after if isinstance(e.after, dict) else {}
    if e.action == "outreach.method_change_decided":
        return f"{e.action}.{'approved' if after.get('approved') else 'refused'}"
    if e.action == "outreach.report_reviewed":
        return f"{e.action}.{'approved' if after.get('confirmed') else 'refused'}"
    return e.action


def _diff(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(key, old, new) of every labelled key whose value differs, in label order."""
    b = before if isinstance(before, dict) else {}
    a = after if isinstance(after, dict) else {}
    return [(k, b.get(k), a.get(k)) for k in FIELDS
            if (k in a or k in b) and b.get(k) != a.get(k)]


class _Lookup:
    """The names, providers and payment points the entries name, each read once."""

    def __init__(self, raw: list[tuple[AuditEntry, str, list[tuple[str, Any, Any]]]],
                 show_ids: bool, value_labels: ValueLabels) -> None:
        self.show_ids = show_ids
        self.value_labels = value_labels
        values = [(k, v) for _e, _k, diff in raw for k, o, n in diff for v in (o, n)
                  if v not in (None, "")]
        self.names = actor_names([e.actor for e, _k, _d in raw]
                                 + [str(v) for k, v in values if k in _PEOPLE])
        providers = {_int(v) for k, v in values if k == "provider"} - {None}
        self.providers = dict(PaymentProvider.objects.filter(pk__in=providers)
                              .values_list("pk", "short_name")) if providers else {}
        points = {_int(v) for k, v in values if k == "payment_point"} - {None}
        self.points = dict(PaymentPoint.objects.filter(pk__in=points)
                           .values_list("pk", "name")) if points else {}

    def change(self, key: str, old: Any, new: Any) -> FieldChange:
        return FieldChange(str(FIELDS[key]), self.value(key, old), self.value(key, new))

    def value(self, key: str, v: Any) -> str:  # one case per kind of value
        if v is None or v == "":
            return ""
        text = str(v)
        if key in self.value_labels:
            return str(self.value_labels[key](text))
        if key in _CHOICES:
            return _(_CHOICES[key].get(text, text))
        if key in _DATES:
            return _ddmmyyyy(text)
        if key in _PEOPLE:
            return self.names.get(text, text)
        if key == "provider":
            return self.providers.get(_int(v) or 0, text)
        if key == "payment_point":
            return self.points.get(_int(v) or 0, text)
        if key == "ward_code":
            return ward_name(text)
        if key == "account_tail":
            return f"…{text}"
        if key == "bhxh_code":
            return text if self.show_ids else mask(text)
        if key == "benefit_amount":
            return _vnd(text)
        if key == "two_approvers":
            return _("Có") if v is True else _("Không")
        if key == "benefit_added":
            return _benefit_added(text)
        return text


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _ddmmyyyy(text: str) -> str:
    try:
        return date.fromisoformat(text[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return text


def _vnd(text: str) -> str:
    n = _int(text)
    return format_vnd(n) if n is not None else text


def _benefit_added(text: str) -> str:
    """An import's new benefit, stored as ``type start amount [end]``."""
    parts = text.split()
    if len(parts) < 3 or parts[0] not in BenefitType.values:
        return text
    label = _(BenefitType(parts[0]).label)
    line = _("%(benefit)s từ %(start)s, %(amount)s") % {
        "benefit": label, "start": _ddmmyyyy(parts[1]), "amount": _vnd(parts[2])}
    if len(parts) > 3:
        line += " – " + _ddmmyyyy(parts[3])
    return line
