"""The provider's referral desk: the people the ward teams referred to this bank or e-wallet,
with what the provider needs to know its customer (KYC: personal ID, date of birth, phone),
and the two steps it records (account opened, card delivered), each confirmed first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from chitra.access.models import User
from chitra.core.errors import DomainError
from chitra.outreach import services
from chitra.outreach.forms_changes import ReferralStepForm, add_domain_error
from chitra.outreach.models import ReferralStatus


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


def _desk(user: User) -> None:
    if services.desk_of(user) is None:
        raise PermissionDenied


def desk_sees_full_ids(user: User) -> bool:
    """A provider's desk sees the whole personal ID of the people referred to it: opening an
    account needs it (KYC). Only those people: the desk's list is :func:`desk_referrals`,
    and a bank sees no other beneficiary (its role masks IDs everywhere else)."""
    return services.desk_of(user) is not None


@login_required
@require_GET
def referral_desk(request: HttpRequest) -> HttpResponse:
    """The referrals to the user's provider of people of the user's province."""
    user = _user(request)
    _desk(user)
    return _desk_page(request, user)


def _desk_page(request: HttpRequest, user: User, form: ReferralStepForm | None = None,
               status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    rows = list(services.desk_referrals(user)
                .exclude(status=ReferralStatus.CANCELLED).select_related("beneficiary")
                .order_by("status", "deadline", "id")[:500])
    current = form.referral.pk if form is not None else None
    table = [(r, services.is_overdue(r, today), form if r.pk == current else None)
             for r in rows]
    return render(request, "outreach/referral_desk.html", {
        "rows": table, "today": today, "show_ids": desk_sees_full_ids(user),
        "shown": len(rows), "overdue": sum(1 for _r, late, _f in table if late),
        "to_open": sum(1 for r in rows if r.status == ReferralStatus.REQUESTED),
        "to_deliver": sum(1 for r in rows if r.status == ReferralStatus.ACCOUNT_OPENED),
    }, status=status)


@login_required
@require_POST
def referral_step(request: HttpRequest, pk: int) -> HttpResponse:
    """A step, shown for confirmation first; recorded when the confirmation comes back."""
    user = _user(request)
    _desk(user)
    referral = get_object_or_404(
        services.desk_referrals(user).select_related("beneficiary", "provider"), pk=pk)
    form = ReferralStepForm(request.POST, referral=referral)
    if not form.is_valid():
        return _desk_page(request, user, form, status=400)
    data = form.cleaned_data
    if not data["confirmed"]:
        return render(request, "outreach/referral_confirm.html", {
            "r": referral, "data": data, "show_ids": desk_sees_full_ids(user)})
    try:
        if data["step"] == "opened":
            services.mark_account_opened(
                user, referral.pk, data["account_number"],
                waives_card_fee=data["waives_card_fee"],
                waives_account_fee=data["waives_account_fee"],
                waives_transfer_fee=data["waives_transfer_fee"])
        else:
            services.mark_card_delivered(user, referral.pk)
    except DomainError as e:
        add_domain_error(form, e)
        return _desk_page(request, user, form, status=400)
    messages.success(request, _("Đã cập nhật giới thiệu."))
    return redirect("outreach_referrals")
