"""The approver's screen for account changes proposed by imports (maker–checker): a list
scoped to the approver's province, and approve / reject, shown for confirmation first (thin
views over :mod:`chitra.registry.services`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chitra.access.models import User
from chitra.access.scoping import sees_full_account_numbers
from chitra.core.errors import DomainError
from chitra.registry import services
from chitra.registry.importing.pages import in_language, name_actors
from chitra.registry.importing.run import can_import
from chitra.registry.models import (
    ACCOUNT_CHANGE_AWAITING,
    AccountChangeStatus,
    PendingAccountChange,
)
from chitra.registry.queries import beneficiaries_visible_to, pending_account_changes_for

MAX_LISTED = 500
REASON_MAX = 300
DECISIONS = {"approve": True, "reject": False}
PEOPLE = ("made_by", "first_approved_by")  # usernames shown as names


def _bhxh(request: HttpRequest) -> User:
    """BHXH officers see the list (they import); only approvers decide."""
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    if not can_import(user):
        raise PermissionDenied
    return user


@login_required
@require_GET
def account_changes(request: HttpRequest) -> HttpResponse:
    user = _bhxh(request)
    pending = pending_account_changes_for(user)
    rows = list(pending[:MAX_LISTED])
    name_actors(rows, PEOPLE)
    return render(request, "registry/account_changes.html", {
        "rows": rows, "total": pending.count(),
        "may_decide": services.may_decide_account_changes(user),
        "show_accounts": sees_full_account_numbers(user),
    })


@login_required
@require_POST
def account_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision from the list (approve or reject, with the reason), shown for
    confirmation first; made only when the confirmation (``confirmed=1``) comes back."""
    user = _bhxh(request)
    change = _visible_change(user, pk)
    if not services.may_decide_account_changes(user, change.beneficiary.province_code):
        raise PermissionDenied
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "").strip()
    refusal = _refusal(change, decision, reason)
    if refusal:
        messages.error(request, refusal)
        return redirect("account_changes")
    approve = DECISIONS[decision]
    if request.POST.get("confirmed") != "1":
        return _confirm_page(request, user, change, approve, reason)
    applied = False
    try:
        if approve:
            applied = services.approve_pending_account_change(pk, user,
                                                              note=reason) is not None
        else:
            services.reject_pending_account_change(pk, user, note=reason)
    except DomainError as e:
        if e.http_status == 404:
            raise Http404 from e
        if e.http_status == 403:
            raise PermissionDenied from e
        messages.error(request, in_language(e.message_vi, e.message_en))
    else:
        messages.success(request, _("Đã ghi nhận: không duyệt.") if not approve
                         else _("Đã duyệt thay đổi tài khoản.") if applied
                         else _("Đã duyệt lần một; cần một người duyệt khác quyết định."))
    return redirect("account_changes")


def _visible_change(user: User, pk: int) -> PendingAccountChange:
    """The change if its beneficiary is in ``user``'s area; 404 otherwise (a missing one
    and another area's alike)."""
    change = (PendingAccountChange.objects
              .select_related("beneficiary", "provider", "replaces", "replaces__provider")
              .filter(pk=pk, beneficiary__in=beneficiaries_visible_to(user)).first())
    if change is None:
        raise Http404
    return change


def _refusal(change: PendingAccountChange, decision: str, reason: str) -> str:
    """Why the request cannot go on ("" if it can); nothing is changed either way."""
    if decision not in DECISIONS:
        return _("Hãy chọn Duyệt hoặc Không duyệt.")
    if len(reason) > REASON_MAX:
        return _("Lý do dài quá %(n)s ký tự.") % {"n": REASON_MAX}
    if change.status not in ACCOUNT_CHANGE_AWAITING:
        return _("Thay đổi này đã được xử lý.")
    return ""


def _confirm_page(request: HttpRequest, user: User, change: PendingAccountChange,
                  approve: bool, reason: str) -> HttpResponse:
    name_actors([change], PEOPLE)
    red = change.needs_two_approvers
    return render(request, "registry/account_change_confirm.html", {
        "c": change, "approve": approve, "reason": reason, "red": red,
        "reason_required": approve and red,
        "first": approve and red and change.status == AccountChangeStatus.PENDING,
        "show_accounts": sees_full_account_numbers(user),
    })
