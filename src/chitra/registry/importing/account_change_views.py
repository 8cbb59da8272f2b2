"""The approver's screen for account changes proposed by imports (maker–checker): a list
scoped to the approver's province, and approve / reject (thin views over
:mod:`chitra.registry.services`)."""

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
from chitra.registry.importing.run import can_import
from chitra.registry.queries import pending_account_changes_for

MAX_LISTED = 500


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
    rows = pending_account_changes_for(user)
    return render(request, "registry/account_changes.html", {
        "rows": rows[:MAX_LISTED], "total": rows.count(),
        "may_decide": services.may_decide_account_changes(user),
        "show_accounts": sees_full_account_numbers(user),
    })


@login_required
@require_POST
def account_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _bhxh(request)
    note = request.POST.get("reason", "")[:300]
    approve, applied = request.POST.get("decision") == "approve", False
    try:
        if approve:
            applied = services.approve_pending_account_change(pk, user, note=note) is not None
        else:
            services.reject_pending_account_change(pk, user, note=note)
    except DomainError as e:
        if e.http_status == 404:
            raise Http404(e.message_en) from e
        if e.http_status == 403:
            raise PermissionDenied from e
        messages.error(request, f"{e.message_vi} / {e.message_en}")
    else:
        messages.success(request, _("Đã duyệt lần một; cần một người duyệt khác quyết định.")
                         if approve and not applied else _("Đã xử lý thay đổi tài khoản."))
    return redirect("account_changes")
