"""Set-up screens (issue 14): campaigns, ward targets, work teams and payment days, made and
changed on screen with the same services, so the same checks, as the commands.

Each page: parse the form, call the service, show every problem at its field with the values
kept. BHXH staff of the province set up campaigns, targets and teams; they and the province's
post office set payment days. Another province's campaign, ward, member or day is not found
(404); a role that may not do the work is refused (403).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from chitra.access.models import User
from chitra.access.scoping import bhxh_province
from chitra.core.admin_units import current_wards, ward_name
from chitra.core.errors import DomainError, NotInScope
from chitra.core.models import AuditEntry
from chitra.outreach import services
from chitra.outreach.forms_setup import (
    CampaignForm,
    PaymentDayForm,
    TeamMemberForm,
    WardTargetForm,
    add_problems,
)
from chitra.outreach.models import Campaign, PaymentSchedule, TeamMember, WardTarget
from chitra.registry.history import actor_names
from chitra.registry.models import PaymentPoint

GET_POST = require_http_methods(["GET", "POST"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


def _province(user: User) -> str:
    """The province whose campaigns, targets and teams ``user`` sets up (BHXH staff)."""
    province = bhxh_province(user)
    if province is None:
        raise PermissionDenied
    return province


def _schedule_province(user: User) -> str:
    province = services.schedule_province(user)
    if province is None:
        raise PermissionDenied
    return province


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one: its fields are then missing), else None."""
    return request.POST if request.method == "POST" else None


def _wards(province: str) -> list[tuple[str, str]]:
    return sorted(((c, w.name) for c, w in current_wards().items()
                   if w.province_code == province), key=lambda cw: cw[1])


def _refused(form: forms.Form, e: DomainError) -> None:
    """A refusal at its fields (every problem) or, without fields, at the form's top."""
    if isinstance(e, services.InvalidInput):
        add_problems(form, e.problems)
    elif isinstance(e, NotInScope):
        raise Http404 from None
    elif e.http_status == 403:
        raise PermissionDenied from None
    else:
        form.add_error(None, e.message_en if get_language() == "en" else e.message_vi)


# --- campaigns ----------------------------------------------------------------------------------

def _campaign_fields(form: CampaignForm) -> dict[str, Any]:
    return dict(form.cleaned_data)


@login_required
@GET_POST
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _province(user)
    form = CampaignForm(_posted(request), initial={
        "target_monthly_pct": 90, "target_one_time_pct": 100})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.create_campaign(user, **_campaign_fields(form))
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("Đã tạo chiến dịch."))
            return redirect("outreach_campaign", pk=campaign.pk)
    return render(request, "outreach/setup_campaign.html", {"form": form, "campaign": None})


@login_required
@GET_POST
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = get_object_or_404(Campaign, pk=pk, province_code=_province(user))
    form = CampaignForm(_posted(request), initial={
        k: getattr(campaign, k) for k in CampaignForm.base_fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_campaign(user, campaign.pk, **_campaign_fields(form))
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("Đã lưu chiến dịch."))
            return redirect("outreach_campaign", pk=campaign.pk)
    return render(request, "outreach/setup_campaign.html", {"form": form, "campaign": campaign})


# --- ward targets -------------------------------------------------------------------------------

@login_required
@GET_POST
def ward_targets(request: HttpRequest, pk: int) -> HttpResponse:
    """Every ward of the province with its target (its own, or the campaign's), the form to
    set one, and who set which target when."""
    user = _user(request)
    province = _province(user)
    campaign = get_object_or_404(Campaign, pk=pk, province_code=province)
    wards = _wards(province)
    own = {t.ward_code: t for t in WardTarget.objects.filter(campaign=campaign)}
    asked = request.GET.get("ward", "")
    chosen = own.get(asked)
    form = WardTargetForm(_posted(request), wards=wards, initial={
        "ward_code": asked if asked in dict(wards) else "",
        "monthly_pct": chosen.target_monthly_pct if chosen else campaign.target_monthly_pct,
        "one_time_pct": chosen.target_one_time_pct if chosen else campaign.target_one_time_pct})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_ward_target(user, campaign, ward_code=data["ward_code"],
                                     monthly_pct=data["monthly_pct"],
                                     one_time_pct=data["one_time_pct"])
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("Đã đặt chỉ tiêu cho %(ward)s.")
                             % {"ward": ward_name(data["ward_code"])})
            return redirect("outreach_setup_targets", pk=campaign.pk)
    return render(request, "outreach/setup_targets.html", {
        "campaign": campaign, "form": form,
        "rows": [(code, name, own.get(code)) for code, name in wards],
        "history": _named(services.ward_target_history(campaign)),
    })


def _named(entries: list[AuditEntry]) -> list[tuple[AuditEntry, str]]:
    """Each entry with who made it, by name ("Hệ thống" for the system), in one query."""
    names = actor_names(e.actor for e in entries)
    return [(e, names.get(e.actor, e.actor)) for e in entries]


# --- work teams ---------------------------------------------------------------------------------

def _name(u: User) -> str:
    return u.get_full_name() or u.username


@login_required
@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    """The province's wards, each with its team's members by name."""
    province = _province(_user(request))
    members: dict[str, list[TeamMember]] = {}
    for m in (TeamMember.objects.filter(team__province_code=province)
              .select_related("team", "user").order_by("-is_leader", "user__last_name",
                                                       "user__username")):
        members.setdefault(m.team.ward_code, []).append(m)
    return render(request, "outreach/setup_teams.html", {
        "rows": [(code, name, members.get(code, [])) for code, name in _wards(province)]})


def _people(province: str) -> list[tuple[str, str]]:
    """Who may be put on a team: active users of the province's organizations."""
    users = (User.objects.filter(is_active=True, organization__province_code=province)
             .select_related("organization").order_by("organization__name", "last_name",
                                                      "username")[:1000])
    return [(str(u.pk), f"{_name(u)} ({u.username}) – {u.organization.name}")
            for u in users if u.organization is not None]


@login_required
@GET_POST
def team(request: HttpRequest, ward_code: str) -> HttpResponse:
    user = _user(request)
    province = _province(user)
    ward = current_wards().get(ward_code)
    if ward is None or ward.province_code != province:
        raise Http404
    form = TeamMemberForm(_posted(request), people=_people(province))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = (User.objects.select_related("organization")
                  .filter(pk=int(data["member"])).first() if data["member"].isdigit() else None)
        if member is None:
            form.add_error("member", _("Không có người dùng này."))
        else:
            try:
                services.add_team_member(user, ward_code=ward_code, member=member,
                                         kind=data["kind"], leader=data["leader"])
            except DomainError as e:
                _refused(form, e)
            else:
                messages.success(request, _("Đã thêm %(name)s vào tổ.") % {"name": _name(member)})
                return redirect("outreach_setup_team", ward_code=ward_code)
    members = (TeamMember.objects.filter(team__ward_code=ward_code)
               .select_related("user", "user__organization").order_by("-is_leader", "kind"))
    return render(request, "outreach/setup_team.html", {
        "ward_code": ward_code, "ward_name": ward.name, "form": form, "members": members})


@login_required
@GET_POST
def team_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: are you sure; POST: take the member off the team."""
    user = _user(request)
    row = get_object_or_404(TeamMember.objects.select_related("team", "user"), pk=pk,
                            team__province_code=_province(user))
    if request.method == "POST":
        try:
            services.remove_team_member(user, row.pk)
        except DomainError as e:
            messages.error(request, e.message_en if get_language() == "en" else e.message_vi)
        else:
            messages.success(request, _("Đã bỏ %(name)s khỏi tổ.") % {"name": _name(row.user)})
        return redirect("outreach_setup_team", ward_code=row.team.ward_code)
    return render(request, "outreach/setup_confirm.html", {
        "title": _("Bỏ thành viên khỏi tổ"),
        "question": _("Bỏ %(name)s khỏi tổ công tác %(ward)s?") % {
            "name": _name(row.user), "ward": ward_name(row.team.ward_code)},
        "back": reverse("outreach_setup_team", args=[row.team.ward_code]),
        "confirm_label": _("Bỏ khỏi tổ")})


# --- payment days -------------------------------------------------------------------------------

def _points(province: str) -> list[tuple[str, str]]:
    return [(str(p.pk), f"{p.name} – {ward_name(p.ward_code)}")
            for p in PaymentPoint.objects.filter(province_code=province).order_by("ward_code",
                                                                                  "name")]


@login_required
@GET_POST
def schedules(request: HttpRequest) -> HttpResponse:
    """The province's payment days from today on, and the form to add one."""
    user = _user(request)
    province = _schedule_province(user)
    form = PaymentDayForm(_posted(request), points=_points(province),
                          initial={"opens_at": "07:30", "closes_at": "16:30"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        point_id = int(data["point"]) if data["point"].isdigit() else 0
        try:
            services.schedule_payment_day(user, point_id=point_id, day=data["day"],
                                          opens_at=data["opens_at"],
                                          closes_at=data["closes_at"])
        except NotInScope:  # another province's point: no such point, as for a made-up one
            form.add_error("point", _("Không có điểm chi trả này."))
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("Đã lưu lịch chi trả."))
            return redirect("outreach_setup_schedules")
    days = (PaymentSchedule.objects.filter(payment_point__province_code=province,
                                           day__gte=timezone.localdate())
            .select_related("payment_point").order_by("day", "opens_at")[:300])
    return render(request, "outreach/setup_schedules.html", {"form": form, "days": days})


def _day_of(user: User, pk: int) -> PaymentSchedule:
    return get_object_or_404(PaymentSchedule.objects.select_related("payment_point"), pk=pk,
                             payment_point__province_code=_schedule_province(user))


@login_required
@GET_POST
def schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    row = _day_of(user, pk)
    form = PaymentDayForm(_posted(request), initial={
        "day": row.day, "opens_at": row.opens_at, "closes_at": row.closes_at})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_payment_day(user, row.pk, **form.cleaned_data)
        except DomainError as e:
            _refused(form, e)
        else:
            messages.success(request, _("Đã lưu lịch chi trả."))
            return redirect("outreach_setup_schedules")
    return render(request, "outreach/setup_schedule.html", {"form": form, "row": row})


@login_required
@GET_POST
def schedule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    row = _day_of(user, pk)
    if request.method == "POST":
        try:
            services.remove_payment_day(user, row.pk)
        except DomainError as e:
            messages.error(request, e.message_en if get_language() == "en" else e.message_vi)
        else:
            messages.success(request, _("Đã bỏ ngày chi trả."))
        return redirect("outreach_setup_schedules")
    return render(request, "outreach/setup_confirm.html", {
        "title": _("Bỏ ngày chi trả"),
        "question": _("Bỏ ngày %(day)s tại %(point)s?") % {
            "day": f"{row.day:%d/%m/%Y}", "point": row.payment_point.name},
        "back": reverse("outreach_setup_schedules"), "confirm_label": _("Bỏ ngày chi trả")})
