"""Outreach pages: parse the request, call a service or a scoped query, render (STYLE §1).

The contact form works without JavaScript (a plain POST carrying a client-made entry id);
with it, ``contact_queue.js`` keeps entries in the browser while offline and sends them to
:func:`contact_api` when the connection is back — the entry id makes a resend harmless.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from chitra.access.models import Role, User
from chitra.access.scoping import (
    bhxh_province,
    scope_of,
    sees_full_account_numbers,
    sees_full_citizen_ids,
)
from chitra.core import audit
from chitra.core.admin_units import current_wards, ward_name
from chitra.core.dates import parse_date_vn
from chitra.core.errors import DomainError, NotInScope
from chitra.core.models import PaymentProvider
from chitra.core.tabular import csv_text, safe_row, save_workbook
from chitra.outreach import letters, services
from chitra.outreach.funnel import (
    FUNNEL_EN,
    FUNNEL_LABELS,
    Funnel,
    GroupShare,
    funnel,
    target_progress,
)
from chitra.outreach.models import (
    AWAITING_DECISION,
    Campaign,
    ChangeStatus,
    Contact,
    ContactOutcome,
    ContactPlace,
    MethodChange,
    PaymentSchedule,
    Referral,
    ReferralStatus,
    ReviewState,
    TeamMember,
)
from chitra.outreach.notices import Notice, notices
from chitra.outreach.reports import write_ward_report_pdf
from chitra.outreach.worklist import cash_recipients, worklist
from chitra.registry.models import Beneficiary, Channel, PaymentPoint

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by login_required
    return request.user


def _ward_of(user: User) -> str:
    """The ward whose worklist ``user`` works (its staff and its work team's members)."""
    ward = services.team_ward(user)
    if not ward:
        raise PermissionDenied
    return ward


def _message(e: DomainError) -> str:
    return e.message_en if get_language() == "en" else e.message_vi


@login_required
@require_GET
def worklist_view(request: HttpRequest) -> HttpResponse:
    """The ward's worklist; ``?day=<schedule id>`` narrows it to the people expected at that
    payment point that day, ``?home=1`` to those missed there (home visits to make)."""
    user = _user(request)
    ward = _ward_of(user)
    today = timezone.localdate()
    days = list(PaymentSchedule.objects.filter(ward_code=ward, day__gte=today)
                .select_related("payment_point")[:20])
    day = None
    if request.GET.get("day"):
        day = PaymentSchedule.objects.filter(
            pk=_int(request.GET["day"]) or 0, ward_code=ward).select_related(
            "payment_point").first()
        if day is None:
            raise Http404
    home = request.GET.get("home") == "1"
    rows = worklist(ward, today, point_id=day.payment_point_id if day else None,
                    home_visits=home)
    return render(request, "outreach/worklist.html", {
        "ward_code": ward, "rows": rows[:500], "today": today, "days": days, "day": day,
        "home": home, "expiring": services.expiring_authorizations(ward, today)[:50],
        "members": TeamMember.objects.filter(team__ward_code=ward).select_related("user")
        .order_by("-is_leader", "kind"),
        "show_ids": sees_full_citizen_ids(user),
    })


def _form_choices(person: Beneficiary) -> dict[str, object]:
    return {
        "places": ContactPlace.choices, "outcomes": ContactOutcome.choices,
        "points": PaymentPoint.objects.filter(ward_code=person.ward_code).order_by("name"),
        "providers": PaymentProvider.objects.order_by("kind", "short_name"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def contact_form(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    user = _user(request)
    ward = _ward_of(user)
    person = get_object_or_404(Beneficiary, pk=beneficiary_id, ward_code=ward)
    if request.method == "POST":
        try:
            data = _contact_input(request.POST, person.pk)
            _contact, created = services.record_contact(user, data)
        except DomainError as e:
            messages.error(request, _message(e))
        else:
            messages.success(request, _("Đã ghi nhận.") if created
                             else _("Phiếu này đã được ghi nhận trước đó."))
            return redirect("outreach_worklist")
    return render(request, "outreach/contact_form.html", {
        "person": person, "client_ref": uuid.uuid4(), "now": timezone.localtime(),
        "show_ids": sees_full_citizen_ids(user), **_form_choices(person),
    })


def _contact_input(data: object, beneficiary_id: int) -> services.ContactInput:
    get = data.get  # type: ignore[attr-defined]
    when = _aware(get("contacted_at", ""))
    if when is None:
        raise DomainError("invalid_contacted_at", "Thời điểm gặp không hợp lệ.",
                          "Invalid contact time.")
    follow = get("follow_up_on") or ""
    follow_up = parse_date(follow) if follow else None
    if follow and follow_up is None:
        raise DomainError("invalid_follow_up_on", "Ngày hẹn lại không hợp lệ.",
                          "Invalid follow-up date.")
    return services.ContactInput(
        client_ref=str(get("client_ref", "")), beneficiary_id=beneficiary_id,
        contacted_at=when, place=str(get("place", "")), outcome=str(get("outcome", "")),
        payment_point_id=_int(get("payment_point")), reason=str(get("reason", ""))[:300],
        notes=str(get("notes", ""))[:2000], follow_up_on=follow_up,
        refer_to_provider_id=_int(get("provider")))


def _aware(text: str) -> datetime | None:
    try:
        value = parse_datetime(str(text))
    except ValueError:
        return None
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise DomainError("invalid_id", "Mã không hợp lệ.", "Invalid id.")
    return int(text)


@login_required
@require_POST
def contact_api(request: HttpRequest) -> JsonResponse:
    """One queued entry from the phone, as JSON. 201 stored, 200 already stored."""
    user = _user(request)
    _ward_of(user)
    if len(request.body) > 16_384:
        return JsonResponse({"error": "too_big"}, status=413)
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            raise ValueError
        data = _contact_input(body, _int(body.get("beneficiary_id")) or 0)
        contact, created = services.record_contact(user, data)
    except ValueError:
        return JsonResponse({"error": "bad_json"}, status=400)
    except DomainError as e:
        return JsonResponse({"error": e.code, "message": _message(e)}, status=e.http_status)
    return JsonResponse({"id": contact.pk, "created": created}, status=201 if created else 200)


# --- the provider's referral desk --------------------------------------------------------------

def _desk(user: User) -> None:
    if services.desk_of(user) is None:
        raise PermissionDenied


@login_required
@require_GET
def referral_desk(request: HttpRequest) -> HttpResponse:
    """The referrals to the user's provider of people of the user's province."""
    user = _user(request)
    _desk(user)
    today = timezone.localdate()
    rows = (services.desk_referrals(user)
            .exclude(status=ReferralStatus.CANCELLED).select_related("beneficiary")
            .order_by("status", "deadline", "id")[:500])
    return render(request, "outreach/referral_desk.html", {
        "rows": [(r, services.is_overdue(r, today)) for r in rows], "today": today,
    })


@login_required
@require_POST
def referral_step(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _desk(user)
    referral = get_object_or_404(services.desk_referrals(user), pk=pk)
    try:
        if request.POST.get("step") == "opened":
            services.mark_account_opened(
                user, referral.pk, request.POST.get("account_number", "")[:40],
                waives_card_fee=bool(request.POST.get("waives_card_fee")),
                waives_account_fee=bool(request.POST.get("waives_account_fee")),
                waives_transfer_fee=bool(request.POST.get("waives_transfer_fee")))
        elif request.POST.get("step") == "delivered":
            services.mark_card_delivered(user, referral.pk)
        else:
            raise DomainError("invalid_step", "Bước không hợp lệ.", "Unknown step.")
    except DomainError as e:
        messages.error(request, _message(e))
    else:
        messages.success(request, _("Đã cập nhật giới thiệu."))
    return redirect("outreach_referrals")


# --- payment-method changes: the ward submits, BHXH decides --------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def method_change_form(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    user = _user(request)
    ward = _ward_of(user)
    person = get_object_or_404(Beneficiary, pk=beneficiary_id, ward_code=ward)
    opened = (Referral.objects.filter(beneficiary=person, status__in=(
        ReferralStatus.ACCOUNT_OPENED, ReferralStatus.CARD_DELIVERED))
        .select_related("provider").order_by("-id").first())
    if request.method == "POST":
        try:
            services.submit_method_change(
                user, person.pk, channel=request.POST.get("channel", ""),
                provider_id=_int(request.POST.get("provider")),
                account_number=request.POST.get("account_number", "")[:40],
                holder_name=request.POST.get("holder_name", "")[:120],
                referral_id=opened.pk if opened else None, proxy=_proxy(request))
        except DomainError as e:
            messages.error(request, _message(e))
        else:
            messages.success(request, _("Đã gửi đề nghị cho BHXH duyệt."))
            return redirect("outreach_worklist")
    return render(request, "outreach/method_change_form.html", {
        "person": person, "opened": opened, "channels": Channel.choices,
        "providers": PaymentProvider.objects.order_by("kind", "short_name"),
        "show_ids": sees_full_citizen_ids(user),
    })


def _proxy(request: HttpRequest) -> services.ProxyInput | None:
    """The proxy part of the change form, if filled in (a name means it is)."""
    name = request.POST.get("proxy_name", "").strip()
    if not name:
        return None
    letter = request.FILES.get("proxy_letter")
    if letter is None:
        raise DomainError("letter_missing", "Cần tệp giấy ủy quyền.",
                          "The authorization letter is required.")
    if letter.size is None or letter.size > letters.MAX_LETTER_BYTES:  # refused before it is read
        raise DomainError("letter_size", "Giấy ủy quyền phải là tệp dưới 5 MB.",
                          "The authorization letter must be a file under 5 MB.")
    start = parse_date_vn(request.POST.get("proxy_from", ""))
    end = parse_date_vn(request.POST.get("proxy_to", ""))
    if start is None or end is None:
        raise DomainError("authorization_period", "Ngày hiệu lực của giấy ủy quyền không hợp lệ.",
                          "Invalid authorization dates.")
    return services.ProxyInput(name=name[:120], citizen_id=request.POST.get("proxy_id", "")
                               .strip()[:12], relationship=request.POST.get("proxy_relation",
                                                                            "")[:60],
                               valid_from=start, valid_to=end, letter=letter.read())


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
    pending = (MethodChange.objects.filter(status__in=AWAITING_DECISION,
                                           beneficiary__province_code=province)
               .select_related("beneficiary", "provider").order_by("submitted_at")[:200])
    return render(request, "outreach/method_changes.html", {
        "rows": [(c, services.change_problems(c, today), services.needs_two_approvers(c))
                 for c in pending],
        "show_accounts": sees_full_account_numbers(user), "me": user.username,
    })


@login_required
@require_http_methods(["GET", "POST"])
def method_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the change beside its authorization letter and what the check found; POST: the
    decision (approve or reject, with the reason)."""
    user = _user(request)
    province = _bhxh_province(user)
    change = get_object_or_404(MethodChange.objects.select_related(
        "beneficiary", "provider", "authorization"), pk=pk, beneficiary__province_code=province)
    if request.method == "GET":
        auth = change.authorization
        return render(request, "outreach/method_change_decide.html", {
            "c": change, "problems": services.change_problems(change, timezone.localdate()),
            "red": services.needs_two_approvers(change), "authorization": auth,
            "letter_is_pdf": bool(auth and auth.letter_path.endswith(".pdf")),
            "show_accounts": sees_full_account_numbers(user),
            "show_ids": sees_full_citizen_ids(user), "me": user.username,
            "awaiting": change.status in AWAITING_DECISION,
        })
    try:
        decided = services.decide_method_change(
            user, change.pk, approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", "")[:300])
    except DomainError as e:
        messages.error(request, _message(e))
        if services.needs_two_approvers(change):
            return redirect("outreach_method_change_decide", pk=change.pk)
    else:
        messages.success(request, _("Đã duyệt lần một; cần người duyệt thứ hai.")
                         if decided.status == ChangeStatus.FIRST_APPROVED
                         else _("Đã xử lý đề nghị."))
    return redirect("outreach_method_changes")


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


# --- campaigns and the funnel -------------------------------------------------------------------

def _campaigns_of(user: User) -> list[Campaign]:
    province = scope_of(user).province_code
    rows = Campaign.objects.order_by("-starts_on")
    return list(rows if user.is_superuser else rows.filter(province_code=province))


def _funnel_rows(user: User, campaign: Campaign
                 ) -> list[tuple[str, Funnel, dict[str, GroupShare]]]:
    try:
        only = services.may_see_campaign(user, campaign)
    except DomainError:
        raise PermissionDenied from None
    wards = [only] if only else sorted(
        c for c, w in current_wards().items() if w.province_code == campaign.province_code)
    return [(ward, funnel(campaign, ward), target_progress(campaign, ward)) for ward in wards]


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role not in (Role.BHXH_OFFICER, Role.BHXH_APPROVER, Role.VIEWER, Role.WARD_TEAM):
        raise PermissionDenied
    return render(request, "outreach/campaigns.html", {"campaigns": _campaigns_of(user)})


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    rows = _funnel_rows(user, campaign)
    return render(request, "outreach/campaign_detail.html", {
        "campaign": campaign, "rows": rows, "labels": FUNNEL_LABELS,
        "totals": [sum(getattr(f, key) for _w, f, _p in rows) for key, _l in FUNNEL_LABELS],
    })


@login_required
@require_GET
def campaign_report_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    """The monthly ward report (wards report to the city through BHXH): the funnel per ward
    as of today, computed when asked."""
    user = _user(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    rows = _funnel_rows(user, campaign)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("Bao cao")
    sheet.append(safe_row([f"{campaign.name} — {timezone.localdate():%d/%m/%Y}"]))
    sheet.append(["Mã phường/xã / Ward code", "Phường/xã / Ward",
                  *[f"{vi} / {en}" for (_k, vi), en in zip(FUNNEL_LABELS, FUNNEL_EN,
                                                          strict=True)],
                  "Hàng tháng không tiền mặt / Monthly cashless", "Hàng tháng / Monthly",
                  "Một lần không tiền mặt / One-time cashless", "Một lần / One-time"])
    for ward, counts, progress in rows:
        monthly, one_time = progress["monthly"], progress["one_time"]
        sheet.append(safe_row([ward, ward_name(ward), *[n for _k, _l, n in counts.as_rows()],
                               monthly.cashless, monthly.total, one_time.cashless,
                               one_time.total]))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    save_workbook(wb, out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, content_type=XLSX,
                        filename=f"bao-cao-van-dong-{campaign.pk}-{timezone.localdate():%Y-%m}.xlsx")


# --- deceased / moved / not-found reports: BHXH confirms ---------------------------------------

@login_required
@require_GET
def report_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    province = _bhxh_province(user)
    waiting = (Contact.objects.filter(review=ReviewState.WAITING,
                                      beneficiary__province_code=province)
               .select_related("beneficiary").order_by("contacted_at")[:200])
    return render(request, "outreach/reports.html", {
        "rows": waiting, "show_ids": sees_full_citizen_ids(user)})


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    province = _bhxh_province(user)
    contact = get_object_or_404(Contact, pk=pk, beneficiary__province_code=province)
    try:
        services.review_report(user, contact.pk, confirm=request.POST.get("decision") == "confirm")
    except DomainError as e:
        messages.error(request, _message(e))
    else:
        messages.success(request, _("Đã xử lý báo cáo."))
    return redirect("outreach_reports")


# --- notices ----------------------------------------------------------------------------------

def _notices(user: User) -> Iterator[Notice]:
    ward = _ward_of(user)
    today = timezone.localdate()
    days: dict[int, PaymentSchedule] = {}
    for d in (PaymentSchedule.objects.filter(ward_code=ward, day__gte=today)
              .select_related("payment_point").order_by("-day")):
        days[d.payment_point_id] = d  # the nearest day wins (ordered latest first)
    people = cash_recipients(ward).order_by("name_key", "id").iterator(chunk_size=2000)
    return notices(people, days)


@login_required
@require_GET
def notice_letters(request: HttpRequest) -> HttpResponse:
    """Letters to print, one a page, for the ward's cash recipients."""
    user = _user(request)
    return render(request, "outreach/letters.html", {"letters": list(_notices(user))[:1000]})


_NOT_DIGITS = re.compile(r"\D")


def _sms_phone(phone: str) -> str:
    """The number as the SMS gateway takes it: digits only, ``+84 912…`` as ``0912…`` (so no
    cell starts with ``+`` and none needs the formula guard's apostrophe)."""
    digits = _NOT_DIGITS.sub("", phone)
    if phone.strip().startswith("+84") or (digits.startswith("84") and len(digits) == 11):
        digits = "0" + digits[2:]
    return digits


@login_required
@require_GET
def notice_sms_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The SMS list (phone, name, text) for the SMS gateway, streamed; cells that a
    spreadsheet would run as a formula are neutralised, and the download is recorded."""
    user = _user(request)
    ward = _ward_of(user)
    name = f"tin-nhan-{ward}.csv"
    people = _notices(user)
    audit.record_download(user.username, "sms_list", ward, name)
    rows = ([phone, n.full_name, n.sms] for n in people if (phone := _sms_phone(n.phone)))
    response = StreamingHttpResponse(
        csv_text(chain([["so_dien_thoai", "ho_ten", "noi_dung"]], rows)),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def campaign_report_pdf(request: HttpRequest, pk: int) -> FileResponse:
    user = _user(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    rows = _funnel_rows(user, campaign)
    today = timezone.localdate()
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_ward_report_pdf(out, campaign, today, rows)
    out.seek(0)
    return FileResponse(out, as_attachment=True, content_type="application/pdf",
                        filename=f"bao-cao-van-dong-{campaign.pk}-{today:%Y-%m}.pdf")
