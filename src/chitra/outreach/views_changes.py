"""Payment-method changes on screen: the ward submits (:func:`method_change_form`), BHXH
checks the change beside its authorization letter and decides (:func:`method_change_decide`).

Every decision passes a confirmation page first (a second POST carrying ``confirmed``), so
nothing irreversible happens on one tap and no script is needed; a refusal needs its reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chitra.access.models import User
from chitra.access.scoping import bhxh_province, sees_full_account_numbers, sees_full_citizen_ids
from chitra.core.errors import DomainError, NotInScope
from chitra.outreach import services
from chitra.outreach.forms_changes import DecisionForm, MethodChangeForm, add_domain_error
from chitra.outreach.models import (
    AWAITING_DECISION,
    ChangeStatus,
    MethodChange,
    Referral,
    ReferralStatus,
)
from chitra.registry.models import Beneficiary, Channel

logger = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


def actor_names(usernames: Iterable[str]) -> dict[str, str]:
    """What to show for each username: the person's name and organization, never a raw
    ``system:…`` login (a seeded record reads "Hệ thống (dữ liệu mẫu)")."""
    wanted = {u for u in usernames if u}
    names = {u: (_("Hệ thống (dữ liệu mẫu)") if u == "system:seed_demo" else _("Hệ thống"))
             for u in wanted if u.startswith("system:")}
    for u in User.objects.filter(username__in=wanted - set(names)).select_related(
            "organization"):
        name = u.get_full_name() or u.username
        names[u.username] = f"{name} ({u.organization.name})" if u.organization else name
    return {u: names.get(u, u) for u in wanted}


def _name_actors(changes: list[MethodChange]) -> None:
    names = actor_names(n for c in changes
                        for n in (c.submitted_by, c.first_approved_by, c.decided_by))
    for c in changes:
        c.submitted_by_name = names.get(c.submitted_by, "")  # type: ignore[attr-defined]
        c.first_approved_by_name = names.get(c.first_approved_by, "")  # type: ignore[attr-defined]
        c.decided_by_name = names.get(c.decided_by, "")  # type: ignore[attr-defined]


# --- the ward submits ---------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def method_change_form(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    user = _user(request)
    ward = services.team_ward(user)
    if not ward:
        raise PermissionDenied
    person = get_object_or_404(Beneficiary, pk=beneficiary_id, ward_code=ward)
    opened = (Referral.objects.filter(beneficiary=person, status__in=(
        ReferralStatus.ACCOUNT_OPENED, ReferralStatus.CARD_DELIVERED))
        .select_related("provider").order_by("-id").first())
    status = 200
    if request.method == "POST":
        form = MethodChangeForm(request.POST, request.FILES, person=person)
        if form.is_valid() and _submit(user, person, form, opened):
            messages.success(request, _("Đã gửi đề nghị cho BHXH duyệt."))
            return redirect("outreach_worklist")
        status = 400
    else:
        form = MethodChangeForm(initial=_initial(person, opened), person=person)
    return render(request, "outreach/method_change_form.html", {
        "person": person, "opened": opened, "form": form, "summary": _summary(form),
        "show_ids": sees_full_citizen_ids(user),
    }, status=status)


def _initial(person: Beneficiary, opened: Referral | None) -> dict[str, object]:
    """An account the bank opened after a referral fills the form in."""
    initial: dict[str, object] = {"holder_name": person.full_name}
    if opened is not None:
        initial.update(channel=Channel.EWALLET if opened.provider.kind == "ewallet"
                       else Channel.BANK_ACCOUNT, provider=opened.provider_id,
                       account_number=opened.account_number)
    return initial


def _submit(user: User, person: Beneficiary, form: MethodChangeForm,
            opened: Referral | None) -> bool:
    data = form.cleaned_data
    proxy = services.ProxyInput(
        name=data["proxy_name"], citizen_id=data["proxy_id"],
        relationship=data["proxy_relation"], valid_from=form.proxy_from_date,
        valid_to=form.proxy_to_date, letter=form.letter_bytes,
    ) if form.has_proxy and form.proxy_from_date and form.proxy_to_date else None
    try:
        services.submit_method_change(
            user, person.pk, channel=data["channel"],
            provider_id=data["provider"].pk if data["provider"] else None,
            account_number=data["account_number"], holder_name=data["holder_name"],
            referral_id=opened.pk if opened else None, proxy=proxy)
    except DomainError as e:
        add_domain_error(form, e)
        return False
    return True


def _summary(form: MethodChangeForm | DecisionForm) -> list[tuple[str, str, str]]:
    """Every error for the box at the top: (anchor, field label, message)."""
    rows = []
    for name, errors in form.errors.items():
        field = form[name] if name in form.fields else None
        for message in errors:
            rows.append((f"#{field.auto_id}" if field else "#main",
                         str(field.label) if field else "", str(message)))
    return rows


# --- BHXH decides -------------------------------------------------------------------------------

def _bhxh_province(user: User) -> str:
    province = bhxh_province(user)
    if province is None:
        raise PermissionDenied
    return province


@login_required
@require_GET
def method_change_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    province = _bhxh_province(user)
    today = timezone.localdate()
    pending = list(MethodChange.objects.filter(status__in=AWAITING_DECISION,
                                               beneficiary__province_code=province)
                   .select_related("beneficiary", "provider").order_by("submitted_at")[:200])
    _name_actors(pending)
    return render(request, "outreach/method_changes.html", {
        "rows": [(c, services.change_problems(c, today), services.needs_two_approvers(c))
                 for c in pending],
        "total": MethodChange.objects.filter(status__in=AWAITING_DECISION,
                                             beneficiary__province_code=province).count(),
        "show_accounts": sees_full_account_numbers(user), "me": user.username,
    })


@login_required
@require_http_methods(["GET", "POST"])
def method_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the change beside its authorization letter and what the check found. POST: the
    decision (approve or refuse, with the reason), shown for confirmation first; applied
    only when the confirmation comes back."""
    user = _user(request)
    province = _bhxh_province(user)
    change = get_object_or_404(MethodChange.objects.select_related(
        "beneficiary", "provider", "authorization"), pk=pk, beneficiary__province_code=province)
    red = services.needs_two_approvers(change)
    if request.method == "GET":
        return _decide_page(request, user, change, DecisionForm(reason_to_approve=red))
    form = DecisionForm(request.POST, reason_to_approve=red)
    if not form.is_valid() or change.status not in AWAITING_DECISION:
        if change.status not in AWAITING_DECISION:
            form.add_error(None, _("Đề nghị này đã được xử lý."))
        return _decide_page(request, user, change, form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    if not form.cleaned_data["confirmed"]:
        return _confirm_page(request, user, change, form, approve)
    try:
        decided = services.decide_method_change(user, change.pk, approve=approve,
                                                note=form.cleaned_data["note"])
    except DomainError as e:
        add_domain_error(form, e)
        return _decide_page(request, user, change, form, status=400)
    messages.success(request, _("Đã duyệt lần một; cần người duyệt thứ hai.")
                     if decided.status == ChangeStatus.FIRST_APPROVED
                     else _("Đã duyệt đề nghị.") if approve else _("Đã ghi nhận: không duyệt."))
    return redirect("outreach_method_changes")


def _decide_context(user: User, change: MethodChange) -> dict[str, object]:
    _name_actors([change])
    auth = change.authorization
    return {
        "c": change, "problems": services.change_problems(change, timezone.localdate()),
        "red": services.needs_two_approvers(change), "authorization": auth,
        "letter_is_pdf": bool(auth and auth.letter_path.endswith(".pdf")),
        "show_accounts": sees_full_account_numbers(user),
        "show_ids": sees_full_citizen_ids(user), "me": user.username,
        "awaiting": change.status in AWAITING_DECISION,
    }


def _decide_page(request: HttpRequest, user: User, change: MethodChange, form: DecisionForm,
                 status: int = 200) -> HttpResponse:
    return render(request, "outreach/method_change_decide.html", {
        **_decide_context(user, change), "form": form, "summary": _summary(form),
    }, status=status)


def _confirm_page(request: HttpRequest, user: User, change: MethodChange, form: DecisionForm,
                  approve: bool) -> HttpResponse:
    context = _decide_context(user, change)
    first = approve and context["red"] and change.status == ChangeStatus.SUBMITTED
    return render(request, "outreach/method_change_confirm.html", {
        **context, "approve": approve, "first": first, "note": form.cleaned_data["note"],
    })


@login_required
@require_GET
def method_change_letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The change's authorization letter, as checked and kept (never a media URL): to BHXH of
    the beneficiary's province and the ward team that submitted it; 404 to anyone else."""
    try:
        letter, name = services.open_proxy_letter(_user(request), pk)
    except NotInScope:
        raise Http404 from None
    except DomainError as e:  # a letter kept before issue 11 that fails today's checks
        logger.warning("authorization letter of change %s not served: %s", pk, e)
        raise Http404 from None
    # (nosniff comes from SecurityMiddleware, for every response)
    response = HttpResponse(letter.data, content_type=letter.content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
