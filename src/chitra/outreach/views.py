"""Outreach pages: parse the request, call a service or a scoped query, render (STYLE §1).

The worklist, the contact form and the phone's JSON endpoint are in
:mod:`chitra.outreach.views_worklist`.
"""

from __future__ import annotations

import logging
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from chitra.access.models import Role, User
from chitra.access.scoping import (
    bhxh_province,
    scope_of,
    sees_full_citizen_ids,
)
from chitra.core.admin_units import current_wards, ward_name
from chitra.core.errors import DomainError
from chitra.core.tabular import safe_row, workbook_file
from chitra.outreach import services
from chitra.outreach.funnel import (
    FUNNEL_LABELS,
    Funnel,
    GroupShare,
    funnel,
    target_progress,
)
from chitra.outreach.models import (
    Campaign,
    Contact,
    ReviewState,
)
from chitra.outreach.reports import write_ward_report_pdf
from chitra.registry.history import actor_names

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


def _int(value: object) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise DomainError("invalid_id", "Mã không hợp lệ.", "Invalid id.")
    return int(text)



def _bhxh_province(user: User) -> str:
    province = bhxh_province(user)
    if province is None:
        raise PermissionDenied
    return province


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
    return render(request, "outreach/campaigns.html", {
        "campaigns": _campaigns_of(user), "can_setup": bhxh_province(user) is not None})


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    rows = _funnel_rows(user, campaign)
    return render(request, "outreach/campaign_detail.html", {
        "campaign": campaign, "rows": rows, "labels": FUNNEL_LABELS,
        "totals": [sum(getattr(f, key) for _w, f, _p in rows) for key, _l in FUNNEL_LABELS],
        "can_setup": bhxh_province(user) == campaign.province_code,
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
    sheet = wb.create_sheet(_("Báo cáo")[:31])  # in the reader's language (Excel: ≤ 31)
    sheet.append(safe_row([f"{campaign.name} — {timezone.localdate():%d/%m/%Y}"]))
    sheet.append([_("Mã phường/xã"), _("Phường/xã"), *[_(label) for _k, label in FUNNEL_LABELS],
                  _("Hàng tháng không tiền mặt"), _("Người hưởng hàng tháng"),
                  _("Một lần không tiền mặt"), _("Người hưởng một lần")])
    for ward, counts, progress in rows:
        monthly, one_time = progress["monthly"], progress["one_time"]
        sheet.append(safe_row([ward, ward_name(ward), *[n for _k, _l, n in counts.as_rows()],
                               monthly.cashless, monthly.total, one_time.cashless,
                               one_time.total]))
    return FileResponse(workbook_file(wb), as_attachment=True, content_type=XLSX,
                        filename=f"bao-cao-van-dong-{campaign.pk}-{timezone.localdate():%Y-%m}.xlsx")


# --- deceased / moved / not-found reports: BHXH confirms ---------------------------------------

REPORT_DECISIONS = ("confirm", "dismiss")


def _report_queue_page(request: HttpRequest, user: User, province: str,
                       status: int = 200) -> HttpResponse:
    waiting = list(Contact.objects.filter(review=ReviewState.WAITING,
                                          beneficiary__province_code=province)
                   .select_related("beneficiary").order_by("contacted_at")[:200])
    names = actor_names(c.recorded_by for c in waiting)
    return render(request, "outreach/reports.html", {
        "rows": [(c, names.get(c.recorded_by, c.recorded_by)) for c in waiting],
        "show_ids": sees_full_citizen_ids(user)}, status=status)


@login_required
@require_GET
def report_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return _report_queue_page(request, user, _bhxh_province(user))


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """BHXH's decision on a report (confirm: payment stops; or dismiss), shown for
    confirmation first; applied only when the confirmation (``confirmed=1``) comes back, as
    :func:`chitra.outreach.views_changes.method_change_decide` does."""
    user = _user(request)
    province = _bhxh_province(user)
    contact = get_object_or_404(Contact.objects.select_related("beneficiary"), pk=pk,
                                beneficiary__province_code=province)
    decision = request.POST.get("decision", "")
    if decision not in REPORT_DECISIONS:
        messages.error(request, _("Quyết định không hợp lệ."))
        return _report_queue_page(request, user, province, status=400)
    if contact.review != ReviewState.WAITING:
        messages.error(request, _("Báo cáo này đã được xử lý."))
        return redirect("outreach_reports")
    confirm = decision == "confirm"
    if request.POST.get("confirmed") != "1":
        return render(request, "outreach/report_confirm.html", {
            "c": contact, "confirm": confirm,
            "recorded_by": actor_names([contact.recorded_by]).get(contact.recorded_by, ""),
            "show_ids": sees_full_citizen_ids(user)})
    try:
        services.review_report(user, contact.pk, confirm=confirm)
    except DomainError as e:
        messages.error(request, _message(e))
    else:
        messages.success(request, _("Đã xử lý báo cáo."))
    return redirect("outreach_reports")


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
