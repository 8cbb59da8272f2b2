"""Dashboards (issue 15 item 3): the nation, a province, a ward; thin — the figures come from
:mod:`chitra.reporting.dashboards`."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from chitra.access.models import User
from chitra.core.errors import DomainError, NotInScope
from chitra.payments.services import parse_period
from chitra.reporting import campaign_report, dashboards, deadlines, documents, reports
from chitra.reporting.areas import area_for, home_area, name_of
from chitra.reporting.queries import GROUPS, Area


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    try:
        area = home_area(_user(request))
    except NotInScope:
        raise Http404 from None
    if area.province_code is None:
        return redirect("reporting_nation")
    if area.ward_code is None:
        return redirect("reporting_province", area.province_code)
    return redirect("reporting_ward", area.province_code, area.ward_code)


@login_required
def nation(request: HttpRequest) -> HttpResponse:
    return _render(request, None, None)


@login_required
def province(request: HttpRequest, code: str) -> HttpResponse:
    return _render(request, code, None)


@login_required
def ward(request: HttpRequest, code: str, ward: str) -> HttpResponse:
    return _render(request, code, ward)


def _render(request: HttpRequest, province_code: str | None,
            ward_code: str | None) -> HttpResponse:
    user = _user(request)
    try:
        area = area_for(user, province_code, ward_code)
        wanted = request.GET.get("period", "")
        period = parse_period(wanted) if wanted else None
    except NotInScope:
        raise Http404 from None
    except DomainError:
        period = None  # a malformed month shows the latest
    group = request.GET.get("group", GROUPS[0])
    if group not in GROUPS:
        group = GROUPS[0]
    data = dashboards.page(user, area, period, group)
    return render(request, "reporting/area.html", {
        "page": data, "groups": GROUPS, "crumbs": _crumbs(user, area),
        "formats": documents.FORMATS,
        "deadlines": deadlines.upcoming(timezone.localdate(),
                                        ward=area.ward_code is not None),
        # Our own SVG: every label in it is escaped where it is made (reporting.charts).
        "bars_svg": mark_safe(data.bars_svg),  # noqa: S308
        "trend_svg": mark_safe(data.trend_svg),  # noqa: S308
        "funnel_svg": mark_safe(data.funnel_svg),  # noqa: S308
    })


def _crumbs(user: User, area: Area) -> list[tuple[str, Area]]:
    """The wider areas the user may also see, widest first."""
    wider = [Area()]
    if area.province_code is not None and area.ward_code is not None:
        wider.append(Area(area.province_code))
    out = []
    for a in wider:
        if a == area:
            continue
        try:
            area_for(user, a.province_code, a.ward_code)
        except NotInScope:
            continue
        out.append((name_of(a), a))
    return out


@require_GET
@login_required
def report(request: HttpRequest, code: str, kind: str, fmt: str,
           ward: str | None = None) -> HttpResponse:
    """A report of the area as a file; ``?period=`` (by default the latest counted month,
    or its year for a yearly report)."""
    user = _user(request)
    try:
        area = area_for(user, code, ward)
    except NotInScope:
        raise Http404 from None
    period = request.GET.get("period", "") or _default_period(area, kind)
    buffer = io.BytesIO()  # a report is a few pages
    try:
        reports.make(user, kind, area, period, fmt, buffer)
    except DomainError as e:
        return render(request, "reporting/report_refused.html",
                      {"error": e}, status=400)
    response = HttpResponse(buffer.getvalue(), content_type=documents.CONTENT_TYPES[fmt])
    parsed = reports.parse_period(period)  # checked by make(): only digits and dashes
    name = f"bao-cao-{kind}-{area.ward_code or area.province_code}-{parsed.label_slug}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _default_period(area: Area, kind: str) -> str:
    counted = dashboards.counted_periods(area)
    if not counted:
        return ""
    latest = counted[0]
    if kind == reports.ReportKind.CAMPAIGN_SUMMARY:  # the latest campaign that has ended
        return (campaign_report.latest_campaign_month(area, timezone.localdate())
                or f"{latest:%Y-%m}")
    return f"{latest:%Y}" if kind == reports.ReportKind.ANNUAL_SBV else f"{latest:%Y-%m}"
